"""The citizen's journey on the desk, by keyboard: hotline loss, formal loss, card found, reissue with
fee, collection with the chip check and the PIN change, a blocked card presented. Every test that needs a
card in the reader runs twice: on the real stack (pyscard -> pcscd -> vpcd -> our virtual card) and on
the in-process training reader (the same reader protocol, for machines without pcscd)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import Input, Select

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.reader.apdu import pin_bcd
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.blocked_card import BlockedCardScreen
from outlet_desk.screens.card_tasks.collect import CollectScreen
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.card_tasks.report_lost import ReportLostScreen
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.card_tasks.write_card import WriteCardScreen
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.screens.hotline import HotlineLossScreen
from outlet_desk.screens.identity_check import IdentityCheckScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.clock import FakeClock
from tests.fixtures_pcsc import SETTLE_S, wait_empty, wait_present
from tests.tui.conftest import (
    person_with_card_status,
    screen_text,
    settle,
    sign_in,
    static_text,
    type_text,
    wait_for,
)


class Slot(Protocol):
    def insert(self, card: VirtualCard) -> None: ...

    def remove(self) -> None: ...


class TrainingSlot:
    def __init__(self) -> None:
        self.reader = TrainingReader()

    def insert(self, card: VirtualCard) -> None:
        self.reader.insert(card)

    def remove(self) -> None:
        self.reader.remove()


class VpcdSlot:
    """vpcd's slot 1 behind the real pcscd; insertion and removal wait until pcscd has seen them."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self.link: Any = None

    def insert(self, card: VirtualCard) -> None:
        from outlet_desk.reader.vpcd_link import VpcdLink

        self.link = VpcdLink(card, 1)
        self.link.insert()
        wait_present(self.reader, card.atr)

    def remove(self) -> None:
        if self.link is not None:
            self.link.remove()
            self.link = None
            wait_empty(self.reader)
            time.sleep(SETTLE_S)


@pytest.fixture(params=[pytest.param("pcscd", marks=pytest.mark.pcsc), "training"])
def slot(request: pytest.FixtureRequest) -> Iterator[tuple[Slot, SupervisedReader]]:
    if request.param == "training":
        training = TrainingSlot()
        yield training, SupervisedReader(training.reader, poll_s=0.05)
        return
    from outlet_desk.reader.pcsc_reader import PcscCardReader

    daemon = request.getfixturevalue("pcscd")
    vpcd = VpcdSlot(daemon.readers[1])
    try:
        yield vpcd, SupervisedReader(PcscCardReader(), reader_name=daemon.readers[1], poll_s=0.05)
    finally:
        vpcd.remove()


def status_of(desk: Desk, card_id: int | None) -> str:
    with Session(desk.engine) as s:
        card = s.get(Card, card_id)
        assert card is not None
        return card.status


def lost_without_request(desk: Desk) -> tuple[Person, Card]:
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.old_card_id).is_not(None))
        card = s.exec(select(Card).where(col(Card.status) == "lost", col(Card.id).not_in(taken))).first()
        assert card is not None
        person = s.get(Person, card.person_id)
        assert person is not None
        return person, card


async def open_task(pilot: Pilot[None], app: DeskApp, person: Person, card: Card, key: str) -> None:
    """Open the person, select ``card``, press the task's key and pass the identity check as the holder."""
    app.open_person(person.id or 0)
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
    screen = app.screen
    assert isinstance(screen, PersonScreen) and screen.person is not None
    row = next(i for i, c in enumerate(screen.person.cards) if c.id == card.id)
    screen.query_one("#cards-table").move_cursor(row=row)  # type: ignore[attr-defined]
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(app.screen, IdentityCheckScreen), type(app.screen)
    await type_text(pilot, person.citizen_number)
    await pilot.press("enter")
    await type_text(pilot, person.name)
    await pilot.press("enter")
    await type_text(pilot, "2035-06-30")
    await pilot.press("f8", "f9")
    await settle(pilot)


async def close_receipt(pilot: Pilot[None], app: DeskApp) -> str:
    await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen) and bool(app.screen.query("#receipt-text")))
    text = static_text(app, "#receipt-text")
    await wait_for(pilot, lambda: "Saved" in static_text(app, "#receipt-saved"))
    await pilot.press("enter")
    await settle(pilot)
    return text


async def test_hotline_agent_suspends_a_card_and_is_told_what_to_say(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "hotline1")
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, HotlineLossScreen)
        await type_text(pilot, person.citizen_number)
        await pilot.press("enter")
        await type_text(pilot, person.name)
        await pilot.press("enter")
        await type_text(pilot, person.phone)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
        say = static_text(app, "#receipt-say")
        assert "suspended now" in say and "before 2026-12-02 10:00" in say
        receipt = await close_receipt(pilot, app)
        assert "Temporary loss report (hotline)" in receipt and person.citizen_number not in receipt
    assert status_of(desk, card.id) == "suspended"


async def test_hotline_refuses_a_caller_who_does_not_match(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "hotline1")
        await pilot.press("f6")
        await settle(pilot)
        await type_text(pilot, person.citizen_number)
        await pilot.press("enter")
        await type_text(pilot, person.name)
        await pilot.press("enter")
        await type_text(pilot, "13000000000")
        await pilot.press("f9")
        await wait_for(pilot, lambda: "does not match" in static_text(app, "#hotline-outcome"))
    assert status_of(desk, card.id) == "active"


async def test_clerk_reports_the_card_lost_with_f6(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f6")
        assert isinstance(app.screen, ReportLostScreen)
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "Loss report at the counter" in receipt
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    assert status_of(desk, card.id) == "lost"


async def test_found_card_withdraws_the_report_only_when_it_is_the_reported_card(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f7")
        assert isinstance(app.screen, WithdrawLossScreen)
        other = card_data_for(desk, person_with_card_status(desk, "active")[0].citizen_number)
        await asyncio.to_thread(training.insert, VirtualCard(other))
        await wait_for(pilot, lambda: "NOT the reported card" in static_text(app, "#withdraw-step"))
        await pilot.press("f9")
        await wait_for(pilot, lambda: "NOT the reported card" in static_text(app, "#task-outcome"))
        assert status_of(desk, card.id) == "suspended"
        await asyncio.to_thread(training.remove)
        await wait_for(pilot, lambda: "Reader: no card" in screen_text(app))
        found = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
        await asyncio.to_thread(training.insert, found)
        await wait_for(pilot, lambda: "It is the reported card" in static_text(app, "#withdraw-step"))
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "Loss report withdrawn" in receipt
    assert status_of(desk, card.id) == "active"


async def test_reissue_shows_the_fee_first_and_records_the_payment(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        assert isinstance(app.screen, ReissueScreen)
        assert "Fee: 20.00 yuan" in static_text(app, "#reissue-fee")
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "Reissue application" in receipt and "20.00" in receipt
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
    assert (request.status, request.fee_fen, request.waived) == ("in_production", 2000, False)


async def test_a_wechat_payment_asks_for_its_reference_and_the_receipt_carries_it(desk: Desk) -> None:
    from outlet_desk.db.tables import Payment

    person, card = lost_without_request(desk)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        reference = app.screen.query_one("#reissue-reference", Input)
        assert not reference.display  # cash, the first method: no reference
        app.screen.query_one("#reissue-method", Select).value = "wechat"
        await settle(pilot)
        assert reference.display
        await pilot.press("f9")
        await settle(pilot)
        assert "Enter the WeChat Pay transaction reference" in static_text(app, "#task-outcome")
        with Session(desk.engine) as s:
            assert s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).first() is None
        reference.focus()
        await type_text(pilot, "4200001234202612040001")
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "Paid by: WeChat Pay" in receipt and "Payment reference: 4200001234202612040001" in receipt
    with Session(desk.engine) as s:
        paid = s.exec(select(Payment).join(ReissueRequest, col(ReissueRequest.id) == col(Payment.request_id))
                      .where(col(ReissueRequest.old_card_id) == card.id)).one()
    assert (paid.method, paid.reference, paid.amount_fen) == ("wechat", "4200001234202612040001", 2000)


async def test_an_amount_that_is_not_plain_yuan_is_refused_and_nothing_is_saved(desk: Desk) -> None:
    """'20,5' (a decimal comma?) would have been 205 yuan; '1e3' 1,000 yuan: both are refused with how to
    write the amount, and no application is saved until it is right."""
    person, card = lost_without_request(desk)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        amount = app.screen.query_one("#reissue-amount", Input)
        for typed in ("20,5", "1e3"):
            amount.value = ""
            amount.focus()
            await type_text(pilot, typed)
            await pilot.press("f9")
            await settle(pilot)
            assert "write it like 120.50" in static_text(app, "#task-outcome")
            assert app.focused is amount
        with Session(desk.engine) as s:
            assert s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).first() is None
        amount.value = ""
        await type_text(pilot, "２０.00")  # full-width digits from a Chinese input method
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "20.00" in receipt
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
    assert request.fee_fen == 2000


async def test_collection_compares_the_chip_changes_the_pin_and_activates(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f9")
        assert isinstance(app.screen, CollectScreen)
        chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
        await asyncio.to_thread(training.insert, chip)
        await wait_for(pilot, lambda: "The chip matches the record" in static_text(app, "#collect-step"))
        # The card is pulled out before the hand-over: nothing is handed over, the step repeats.
        await asyncio.to_thread(training.remove)
        await wait_for(pilot, lambda: "taken out" in static_text(app, "#collect-step"))
        await pilot.press("f9")
        await settle(pilot)
        assert "Put the new card into the reader first" in static_text(app, "#task-outcome")
        assert status_of(desk, card.id) == "ready"
        await asyncio.to_thread(training.insert, chip)
        await wait_for(pilot, lambda: "The chip matches the record" in static_text(app, "#collect-step"))
        await type_text(pilot, "123456")
        await pilot.press("enter")
        await type_text(pilot, "802417")
        await pilot.press("enter")
        await type_text(pilot, "802417")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "PIN changed on the chip" in static_text(app, "#task-outcome"))
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "New card collected and activated" in receipt
    assert status_of(desk, card.id) == "active"
    assert chip.state.pin == pin_bcd("802417")  # the PIN was changed on the chip itself


async def test_collection_stops_on_a_chip_that_does_not_match(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f9")
        data = card_data_for(desk, person.citizen_number, card.card_number)
        from dataclasses import replace

        await asyncio.to_thread(training.insert, VirtualCard(replace(data, name="李鬼")))
        await wait_for(pilot, lambda: "does not match the record" in static_text(app, "#task-outcome"))
        assert "Do not hand this card over" in static_text(app, "#collect-step")
        await pilot.press("f9")
        await settle(pilot)
    assert status_of(desk, card.id) == "ready"


async def test_blocked_card_presented_on_any_screen_names_status_and_holder(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = lost_without_request(desk)
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        found = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
        await asyncio.to_thread(training.insert, found)
        await wait_for(pilot, lambda: isinstance(app.screen, BlockedCardScreen))
        assert "Blocked card: reported lost" in static_text(app, "#blocked-title")
        assert person.name in str(app.screen.query_one("#blocked-box").children[1].render())
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, BlockedCardScreen)


async def test_instant_reissue_writes_a_blank_card_at_the_counter(
    make_desk: Callable[..., Desk], slot: tuple[Slot, SupervisedReader]
) -> None:
    desk = make_desk("en", '\n[reissue]\nproduction_mode = "instant"\n')
    person, card = lost_without_request(desk)
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)  # the payment's receipt, before the blank card is written
        assert "Reissue application" in receipt and "Fee: 20.00 yuan" in receipt
        await wait_for(pilot, lambda: isinstance(app.screen, WriteCardScreen))
        blank = VirtualCard(None)
        await asyncio.to_thread(training.insert, blank)
        await wait_for(pilot, lambda: "Reader: card unreadable" in screen_text(app))  # nothing written on it yet
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        assert any("is written and ready" in n.message for n in app._notifications)
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
        new = s.get(Card, request.new_card_id)
        assert new is not None
    assert (request.status, new.status) == ("ready", "ready")
    assert new.card_number.startswith("T")


async def test_a_running_desk_returns_lapsed_temporary_losses_to_use(desk: Desk, clock: FakeClock) -> None:
    _person, card = person_with_card_status(desk, "suspended")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        clock.advance(days=desk.settings.loss.temporary_days + 1)
        app.sweep_lapsed()  # what the desk's one-minute timer runs
        await settle(pilot)
        assert any("temporary loss reports lapsed" in n.message for n in app._notifications)
    assert status_of(desk, card.id) == "active"


async def test_hotline_says_the_card_stays_suspended_when_lapses_escalate(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk("en", '\n[loss]\non_lapse = "escalate"\n')
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "hotline1")
        await pilot.press("f6")
        await settle(pilot)
        await type_text(pilot, person.citizen_number)
        await pilot.press("enter")
        await type_text(pilot, person.name)
        await pilot.press("enter")
        await type_text(pilot, person.phone)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
        say = static_text(app, "#receipt-say")
        assert "stays suspended until a supervisor decides" in say and "works again" not in say


async def test_the_counter_that_loses_a_race_sees_the_card_as_it_is_now(desk: Desk) -> None:
    """Two counters show the same card; the other one reports it lost first. F9 here is refused, the screen
    reads the card again and says what changed, F9 is disabled, and the record shows the new status."""
    from outlet_desk.services import operators
    from outlet_desk.services.demo import training_password
    from outlet_desk.services.identity import Document, record_identity_check
    from outlet_desk.services.loss import report_loss_counter

    person, card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f6")
        screen = app.screen
        assert isinstance(screen, ReportLostScreen)
        other = operators.authenticate(desk, "clerk2", training_password("clerk2"))
        check = record_identity_check(
            desk, other, person.id or 0, "report_loss_counter", presenter="holder", face_confirmed=True,
            document=Document("resident_id_card", person.citizen_number, person.name, None)).check_id
        await asyncio.to_thread(report_loss_counter, desk, other, card.id or 0, card.version, check)
        await pilot.press("f9")
        await wait_for(pilot, lambda: "it is now reported lost" in static_text(app, "#task-outcome"))
        outcome = static_text(app, "#task-outcome")
        assert "it was active" in outcome and "no longer applies" in outcome, outcome
        assert "reported lost" in static_text(app, "#task-summary")
        assert screen.check_action("confirm", ()) is None  # F9 disabled
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ReportLostScreen)
        await pilot.press("f4")  # leaving the task without finishing it: the record is read again
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        person_screen = app.screen
        assert isinstance(person_screen, PersonScreen)
        await wait_for(pilot, lambda: person_screen.person is not None and any(
            c.id == card.id and c.status.value == "lost" for c in person_screen.person.cards))
    with Session(desk.engine) as s:
        from outlet_desk.db.tables import AuditEvent

        reported = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "loss_reported_counter",
                                                   col(AuditEvent.entity_id) == str(card.id))).all()
    assert len(reported) == 1 and status_of(desk, card.id) == "lost"


async def test_withdrawal_refuses_a_card_whose_chip_code_differs_and_a_card_taken_out(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    from dataclasses import replace

    person, card = person_with_card_status(desk, "suspended")
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f7")
        data = card_data_for(desk, person.citizen_number, card.card_number)
        other_chip = "110105D156000005FFFFFFFFFFFFFFFF"
        await asyncio.to_thread(training.insert, VirtualCard(replace(data, identification_code=other_chip)))
        await wait_for(pilot, lambda: "NOT the reported card" in static_text(app, "#withdraw-step"))
        step = static_text(app, "#withdraw-step")
        assert other_chip in step and (card.identification_code or "") in step and "It is the reported" not in step
        await pilot.press("f9")
        await wait_for(pilot, lambda: other_chip in static_text(app, "#task-outcome"))
        assert status_of(desk, card.id) == "suspended"
        await asyncio.to_thread(training.remove)
        await wait_for(pilot, lambda: "Reader: no card" in screen_text(app))
        await asyncio.to_thread(training.insert, VirtualCard(data))
        await wait_for(pilot, lambda: "It is the reported card" in static_text(app, "#withdraw-step"))
        await asyncio.to_thread(training.remove)  # taken out before F9
        await wait_for(pilot, lambda: "taken out" in static_text(app, "#withdraw-step"))
        await pilot.press("f9")
        await wait_for(pilot, lambda: "Put the found card into the reader first" in static_text(app, "#task-outcome"))
    assert status_of(desk, card.id) == "suspended"


async def _to_the_pin_step(pilot: Pilot[None], app: DeskApp, desk: Desk, training: Slot, person: Person,
                           card: Card, chip: VirtualCard) -> None:
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, person, card, "f9")
    assert isinstance(app.screen, CollectScreen)
    await asyncio.to_thread(training.insert, chip)
    await wait_for(pilot, lambda: "The chip matches the record" in static_text(app, "#collect-step"))


def instructions_seen(chip: VirtualCard) -> list[int]:
    """The INS byte of every command the chip answers from now on (VERIFY 0x20, CHANGE PIN 0x5E...)."""
    seen: list[int] = []
    answer = chip.process

    def spy(command: bytes) -> bytes | None:
        seen.append(command[1])
        return answer(command)

    chip.process = spy  # type: ignore[method-assign]
    return seen


VERIFY, CHANGE_PIN = 0x20, 0x5E


async def _type_pins(pilot: Pilot[None], current: str, new: str, again: str) -> None:
    for pin in (current, new, again):
        await type_text(pilot, pin)
        await pilot.press("enter")


async def test_collection_pin_refusals_wrong_current_pin_pins_differ_initial_pin(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_the_pin_step(pilot, app, desk, training, person, card, chip)
        assert "123456 on a new card" in str(app.screen.query_one("#pin-box").children[0].render())
        seen = instructions_seen(chip)
        await _type_pins(pilot, "111111", "802417", "802417")
        await wait_for(pilot, lambda: "Wrong PIN. 2 tries left" in static_text(app, "#task-outcome"))
        assert chip.state.tries_left == 2 and chip.state.pin == pin_bcd("123456")
        assert VERIFY in seen and CHANGE_PIN not in seen  # the current PIN is verified first, then nothing else
        app.screen.query_one("#pin-old", Input).focus()
        await _type_pins(pilot, "123456", "802417", "802418")
        await wait_for(pilot, lambda: "The two new PINs differ" in static_text(app, "#task-outcome"))
        for name in ("pin-old", "pin-new", "pin-again"):
            app.screen.query_one(f"#{name}", Input).value = ""
        app.screen.query_one("#pin-old", Input).focus()
        await _type_pins(pilot, "123456", "123456", "123456")
        await wait_for(pilot, lambda: "must not be the initial PIN" in static_text(app, "#task-outcome"))
        await pilot.press("f9")
        await settle(pilot)
        assert "must change the initial PIN first" in static_text(app, "#task-outcome")
    assert status_of(desk, card.id) == "ready" and chip.state.pin == pin_bcd("123456")


async def test_collection_card_pulled_after_the_pin_change_is_handed_over_once_back(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_the_pin_step(pilot, app, desk, training, person, card, chip)
        seen = instructions_seen(chip)
        await _type_pins(pilot, "123456", "802417", "802417")
        await wait_for(pilot, lambda: "PIN changed on the chip" in static_text(app, "#task-outcome"))
        assert [ins for ins in seen if ins in (VERIFY, CHANGE_PIN)] == [VERIFY, CHANGE_PIN]
        await asyncio.to_thread(training.remove)
        await wait_for(pilot, lambda: "taken out" in static_text(app, "#collect-step"))
        await pilot.press("f9")
        await settle(pilot)
        assert "Put the new card into the reader first" in static_text(app, "#task-outcome")
        assert status_of(desk, card.id) == "ready"
        await asyncio.to_thread(training.insert, chip)
        await wait_for(pilot, lambda: "PIN was already changed" in static_text(app, "#collect-step"))
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "New card collected and activated" in receipt
    assert status_of(desk, card.id) == "active" and chip.state.pin == pin_bcd("802417")


async def test_a_collection_reopened_after_the_pin_change_takes_the_holders_new_pin(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number), pin="802417")
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_the_pin_step(pilot, app, desk, training, person, card, chip)
        await _type_pins(pilot, "802417", "551234", "551234")
        await wait_for(pilot, lambda: "PIN changed on the chip" in static_text(app, "#task-outcome"))
        await pilot.press("f9")
        await close_receipt(pilot, app)
    assert status_of(desk, card.id) == "active" and chip.state.pin == pin_bcd("551234")


async def test_an_instant_reissue_left_half_done_is_finished_from_the_record(
    make_desk: Callable[..., Desk], slot: tuple[Slot, SupervisedReader]
) -> None:
    """The fee is paid and its receipt shown at once; the clerk leaves before the blank card is written. F8 on the
    old card in the record writes it later, without a second application or payment."""
    desk = make_desk("en", '\n[reissue]\nproduction_mode = "instant"\n')
    person, card = lost_without_request(desk)
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "Fee: 20.00 yuan" in receipt
        await wait_for(pilot, lambda: isinstance(app.screen, WriteCardScreen))
        await pilot.press("f9")  # no card in the reader: the write fails, the payment stays
        await wait_for(pilot, lambda: "stays paid for" in static_text(app, "#write-step"))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await wait_for(pilot, lambda: "F8 writes it now" in static_text(app, "#card-detail"))
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, WriteCardScreen)  # no identity check, no second application
        await asyncio.to_thread(training.insert, VirtualCard(None))
        await wait_for(pilot, lambda: "Reader: card unreadable" in screen_text(app))  # nothing written on it yet
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    with Session(desk.engine) as s:
        from outlet_desk.db.tables import Payment

        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
        new = s.get(Card, request.new_card_id)
        payments = s.exec(select(Payment).where(col(Payment.request_id) == request.id)).all()
    assert new is not None and (request.status, new.status) == ("ready", "ready")
    assert len(payments) == 1


async def test_collection_stops_on_a_card_whose_pin_is_blocked(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number), max_tries=1)
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_the_pin_step(pilot, app, desk, training, person, card, chip)
        await _type_pins(pilot, "111111", "802417", "802417")  # the one try left is spent: the PIN is blocked
        await wait_for(pilot, lambda: "is blocked: do not hand it over" in static_text(app, "#collect-step"))
        assert not app.screen.query_one("#pin-box").display
        assert app.screen.check_action("confirm", ()) is None  # F9 disabled
        await pilot.press("f9")
        await settle(pilot)
    assert status_of(desk, card.id) == "ready"


async def test_the_counter_that_loses_a_collection_sees_the_card_handed_over(
    desk: Desk, slot: tuple[Slot, SupervisedReader]
) -> None:
    """Two counters collect the same card; the other one hands it over first. F9 here is refused, the screen
    says the card is now active and disables F9; nothing is handed over twice."""
    from outlet_desk.db.tables import AuditEvent
    from outlet_desk.services import operators
    from outlet_desk.services.collection import complete_collection, pending_collection
    from outlet_desk.services.demo import training_password
    from outlet_desk.services.identity import Document, record_identity_check

    person, card = person_with_card_status(desk, "ready")
    training, reader = slot
    data = card_data_for(desk, person.citizen_number, card.card_number)
    chip = VirtualCard(data)
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_the_pin_step(pilot, app, desk, training, person, card, chip)
        await _type_pins(pilot, "123456", "802417", "802417")
        await wait_for(pilot, lambda: "PIN changed on the chip" in static_text(app, "#task-outcome"))
        other = operators.authenticate(desk, "clerk2", training_password("clerk2"))
        check = record_identity_check(
            desk, other, person.id or 0, "collect_card", presenter="holder", face_confirmed=True,
            document=Document("resident_id_card", person.citizen_number, person.name, None)).check_id
        pending = pending_collection(desk, card.id or 0)
        await asyncio.to_thread(complete_collection, desk, other, pending.request_id, pending.version, check, data,
                                pin_changed=True)
        await pilot.press("f9")
        await wait_for(pilot, lambda: "it is now active" in static_text(app, "#task-outcome"))
        assert "no longer applies" in static_text(app, "#task-outcome")
        assert app.screen.check_action("confirm", ()) is None
    with Session(desk.engine) as s:
        collected = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "card_collected",
                                                    col(AuditEvent.entity_id) == str(card.id))).all()
    assert len(collected) == 1 and status_of(desk, card.id) == "active"
