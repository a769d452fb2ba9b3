"""The citizen's journey on the desk, by keyboard: hotline loss, formal loss, card found, reissue with
fee, collection with the chip check and the PIN change, a blocked card presented. Every test that needs a
card in the reader runs twice (the ``slot`` fixture): on the real stack (pyscard -> pcscd -> vpcd -> our
virtual card) and on the in-process training reader (the same reader protocol, for machines without pcscd)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlmodel import Session, col, select
from textual.widgets import Input, Select

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language
from outlet_desk.reader.apdu import pin_bcd
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.blocked_card import BlockedCardScreen
from outlet_desk.screens.card_tasks.collect import CollectScreen
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.card_tasks.report_lost import ReportLostScreen
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.card_tasks.write_card import WriteCardScreen
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.clock import FakeClock
from tests.tui.conftest import DeskFactory, person_with_card_status, static_text
from tests.tui.counter import (
    Counter,
    at_the_counter,
    lost_without_request,
    open_task,  # noqa: F401  (the snapshot scenarios import it from here)
    status_of,
)
from tests.tui.slots import Slot

Reader = tuple[Slot, SupervisedReader]
INSTANT = '\n[reissue]\nproduction_mode = "instant"\n'


async def test_hotline_agent_suspends_a_card_and_is_told_what_to_say(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("hotline1")
        await counter.take_hotline_report(person.citizen_number, person.name, person.phone)
        await counter.wait_for_screen(ReceiptScreen)
        say = counter.text("#receipt-say")
        assert "suspended now" in say and "before 2026-12-02 10:00" in say
        receipt = await counter.close_receipt()
        assert "Temporary loss report (hotline)" in receipt and person.citizen_number not in receipt
    assert status_of(desk, card.id) == "suspended"


async def test_hotline_refuses_a_caller_who_does_not_match(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("hotline1")
        await counter.take_hotline_report(person.citizen_number, person.name, "13000000000")
        await counter.wait_for_text("#hotline-outcome", "does not match")
    assert status_of(desk, card.id) == "active"


async def test_clerk_reports_the_card_lost_with_f6(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.REPORT_LOSS_COUNTER)
        assert isinstance(counter.app.screen, ReportLostScreen)
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "Loss report at the counter" in receipt
        await counter.wait_for_screen(PersonScreen)
    assert status_of(desk, card.id) == "lost"


async def test_found_card_withdraws_the_report_only_when_it_is_the_reported_card(desk: Desk, slot: Reader) -> None:
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.WITHDRAW_LOSS)
        assert isinstance(counter.app.screen, WithdrawLossScreen)
        other = card_data_for(desk, person_with_card_status(desk, "active")[0].citizen_number)
        await counter.insert_card(VirtualCard(other))
        await counter.wait_for_text("#withdraw-step", "NOT the reported card")
        await counter.press("f9")
        await counter.wait_for_text("#task-outcome", "NOT the reported card")
        assert status_of(desk, card.id) == "suspended"
        await counter.remove_card()
        await counter.wait_for(lambda: "Reader: no card" in counter.screen_text())
        await counter.insert_card(VirtualCard(card_data_for(desk, person.citizen_number, card.card_number)))
        await counter.wait_for_text("#withdraw-step", "It is the reported card")
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "Loss report withdrawn" in receipt
    assert status_of(desk, card.id) == "active"


def _request_for(desk: Desk, card: Card) -> ReissueRequest | None:
    """The reissue request that replaces ``card``, if one was taken."""
    with Session(desk.engine) as s:
        return s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one_or_none()


async def test_reissue_shows_the_fee_first_and_records_the_payment(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        assert isinstance(counter.app.screen, ReissueScreen)
        assert "Fee: 20.00 yuan" in counter.text("#reissue-fee")
        await counter.press("f9")
        await counter.wait_for(lambda: bool(counter.app.screen.query("#receipt-rules")))  # the rules sheet offered
        receipt = await counter.close_receipt()
        assert "Reissue application" in receipt and "20.00" in receipt
    request = _request_for(desk, card)
    assert request is not None
    assert (request.status, request.fee_fen, request.waived) == ("in_production", 2000, False)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_wechat_payment_asks_for_its_reference_and_the_receipt_carries_it(make_desk: DeskFactory,
                                                                                  language: Language) -> None:
    from outlet_desk.db.tables import Payment
    from outlet_desk.i18n import _

    desk = make_desk(language)
    person, card = lost_without_request(desk)
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        reference = counter.app.screen.query_one("#reissue-reference", Input)
        assert not reference.display  # cash, the first method: no reference
        counter.app.screen.query_one("#reissue-method", Select).value = "wechat"
        await counter.settle()
        assert reference.display
        await counter.press("f9")
        await counter.settle()
        assert _("Enter the {method} transaction reference shown on the payment confirmation.").format(
            method=_("WeChat Pay")) in static_text(counter.app, "#task-outcome")
        with Session(desk.engine) as s:
            assert s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).first() is None
        reference.focus()
        await counter.type("4200001234202612040001")
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert f"{_('Paid by')}: {_('WeChat Pay')}" in receipt
        assert f"{_('Payment reference')}: 4200001234202612040001" in receipt
    with Session(desk.engine) as s:
        paid = s.exec(select(Payment).join(ReissueRequest, col(ReissueRequest.id) == col(Payment.request_id))
                      .where(col(ReissueRequest.old_card_id) == card.id)).one()
    assert (paid.method, paid.reference, paid.amount_fen) == ("wechat", "4200001234202612040001", 2000)


async def test_an_amount_that_is_not_plain_yuan_is_refused_and_nothing_is_saved(desk: Desk) -> None:
    """'20,5' (a decimal comma?) would have been 205 yuan; '1e3' 1,000 yuan: both are refused with how to
    write the amount, and no application is saved until it is right."""
    person, card = lost_without_request(desk)
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        amount = counter.app.screen.query_one("#reissue-amount", Input)
        for typed in ("20,5", "1e3"):
            amount.value = ""
            amount.focus()
            await counter.type(typed)
            await counter.press("f9")
            await counter.settle()
            assert "write it like 120.50" in counter.text("#task-outcome")
            assert counter.app.focused is amount
        assert _request_for(desk, card) is None
        amount.value = ""
        await counter.type("２０.00")  # full-width digits from a Chinese input method
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "20.00" in receipt
    request = _request_for(desk, card)
    assert request is not None
    assert request.fee_fen == 2000


def _new_chip(desk: Desk, person: Person, card: Card, **options: object) -> VirtualCard:
    """The chip of ``card`` as the factory wrote it (``options``: the PIN, the tries)."""
    return VirtualCard(card_data_for(desk, person.citizen_number, card.card_number), **options)  # type: ignore[arg-type]


async def _to_the_pin_step(counter: Counter, person: Person, card: Card, chip: VirtualCard) -> None:
    """Signed in, the collection opened for ``card`` and its chip in the reader, checked against the record."""
    await counter.sign_in("clerk1")
    await counter.open_task(person, card, Action.COLLECT_CARD)
    assert isinstance(counter.app.screen, CollectScreen)
    await counter.insert_card(chip)
    await counter.wait_for_text("#collect-step", "The chip matches the record")


async def _pulled_out_before_the_hand_over(counter: Counter, desk: Desk, card: Card, chip: VirtualCard) -> None:
    """The new card is taken out of the reader and F9 pressed: nothing is handed over; the card goes back in."""
    await counter.remove_card()
    await counter.wait_for_text("#collect-step", "taken out")
    await counter.press("f9")
    await counter.settle()
    assert "Put the new card into the reader first" in counter.text("#task-outcome")
    assert status_of(desk, card.id) == "ready"
    await counter.insert_card(chip)


async def test_collection_compares_the_chip_changes_the_pin_and_activates(desk: Desk, slot: Reader) -> None:
    person, card = person_with_card_status(desk, "ready")
    chip = _new_chip(desk, person, card)
    async with at_the_counter(desk, slot) as counter:
        await _to_the_pin_step(counter, person, card, chip)
        # The card is pulled out before the hand-over: nothing is handed over, the step repeats.
        await _pulled_out_before_the_hand_over(counter, desk, card, chip)
        await counter.wait_for_text("#collect-step", "The chip matches the record")
        await counter.type_pins("123456", "802417", "802417")
        await counter.wait_for_text("#task-outcome", "PIN changed on the chip")
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "New card collected and activated" in receipt
    assert status_of(desk, card.id) == "active"
    assert chip.state.pin == pin_bcd("802417")  # the PIN was changed on the chip itself


async def test_collection_stops_on_a_chip_that_does_not_match(desk: Desk, slot: Reader) -> None:
    person, card = person_with_card_status(desk, "ready")
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.COLLECT_CARD)
        data = card_data_for(desk, person.citizen_number, card.card_number)
        await counter.insert_card(VirtualCard(replace(data, name="李鬼")))
        await counter.wait_for_text("#task-outcome", "does not match the record")
        assert "Do not hand this card over" in counter.text("#collect-step")
        await counter.press("f9")
        await counter.settle()
    assert status_of(desk, card.id) == "ready"


async def test_blocked_card_presented_on_any_screen_names_status_and_holder(desk: Desk, slot: Reader) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.insert_card(_new_chip(desk, person, card))
        await counter.wait_for_screen(BlockedCardScreen)
        assert "Blocked card: reported lost" in counter.text("#blocked-title")
        assert person.name in str(counter.app.screen.query_one("#blocked-box").children[1].render())
        await counter.press("enter")
        await counter.settle()
        assert not isinstance(counter.app.screen, BlockedCardScreen)


async def test_instant_reissue_writes_a_blank_card_at_the_counter(
    make_desk: Callable[..., Desk], slot: Reader
) -> None:
    desk = make_desk("en", INSTANT)
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.press("f9")
        receipt = await counter.close_receipt()  # the payment's receipt, before the blank card is written
        assert "Reissue application" in receipt and "Fee: 20.00 yuan" in receipt
        await counter.wait_for_screen(WriteCardScreen)
        await counter.insert_card(VirtualCard(None))
        await counter.wait_for(lambda: "Reader: card unreadable" in counter.screen_text())  # nothing written yet
        await counter.press("f9")
        await counter.wait_for_screen(PersonScreen)
        said = next(n for n in counter.notifications() if "is written and read back" in n)
        assert person.name in said and "identification code" in said  # what the chip holds now
        # the written card is the card in the reader: no "card unreadable" until it is put in again
        await counter.wait_for(lambda: "Reader: card T" in counter.screen_text())
    request = _request_for(desk, card)
    assert request is not None
    with Session(desk.engine) as s:
        new = s.get(Card, request.new_card_id)
        assert new is not None
    assert (request.status, new.status) == ("ready", "ready")
    assert new.card_number.startswith("T")


async def test_a_running_desk_returns_lapsed_temporary_losses_to_use(desk: Desk, clock: FakeClock) -> None:
    _person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        clock.advance(days=desk.settings.loss.temporary_days + 1)
        counter.app.sweep_lapsed()  # what the desk's one-minute timer runs
        await counter.settle()
        assert any("temporary loss reports lapsed" in n for n in counter.notifications())
    assert status_of(desk, card.id) == "active"


async def test_hotline_says_the_card_stays_suspended_when_lapses_escalate(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk("en", '\n[loss]\non_lapse = "escalate"\n')
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("hotline1")
        await counter.take_hotline_report(person.citizen_number, person.name, person.phone)
        await counter.wait_for_screen(ReceiptScreen)
        say = counter.text("#receipt-say")
        assert "stays suspended until a supervisor decides" in say and "works again" not in say


def _counted(desk: Desk, action: str, card: Card) -> int:
    """How many audit events of ``action`` name ``card``."""
    from outlet_desk.db.tables import AuditEvent

    with Session(desk.engine) as s:
        return len(s.exec(select(AuditEvent).where(col(AuditEvent.action) == action,
                                                   col(AuditEvent.entity_id) == str(card.id))).all())


def _other_counters_check(desk: Desk, person: Person, use_case: Action) -> tuple[Actor, int]:
    """clerk2, at the next counter, signed in and the holder's identity checked there for ``use_case``."""
    from outlet_desk.services import operators
    from outlet_desk.services.demo import training_password
    from outlet_desk.services.identity import Document, record_identity_check

    other = operators.authenticate(desk, "clerk2", training_password("clerk2"))
    check = record_identity_check(
        desk, other, person.id or 0, use_case.value, presenter="holder", face_confirmed=True,
        document=Document("resident_id_card", person.citizen_number, person.name, None)).check_id
    return other, check


async def test_the_counter_that_loses_a_race_sees_the_card_as_it_is_now(desk: Desk) -> None:
    """Two counters show the same card; the other one reports it lost first. F9 here is refused, the screen
    reads the card again and says what changed, F9 is disabled, and the record shows the new status."""
    import asyncio

    from outlet_desk.services.loss import report_loss_counter

    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.REPORT_LOSS_COUNTER)
        screen = counter.app.screen
        assert isinstance(screen, ReportLostScreen)
        other, check = _other_counters_check(desk, person, Action.REPORT_LOSS_COUNTER)
        await asyncio.to_thread(report_loss_counter, desk, other, card.id or 0, card.version, check)
        await counter.press("f9")
        await counter.wait_for_text("#task-outcome", "it is now reported lost")
        outcome = counter.text("#task-outcome")
        assert "it was active" in outcome and "no longer applies" in outcome, outcome
        assert "reported lost" in counter.text("#task-summary")
        assert screen.check_action("confirm", ()) is None  # F9 disabled
        await counter.press("f9")
        await counter.settle()
        assert isinstance(counter.app.screen, ReportLostScreen)
        await counter.press("f4")  # leaving the task without finishing it: the record is read again
        await counter.wait_for_screen(PersonScreen)
        person_screen = counter.app.screen
        assert isinstance(person_screen, PersonScreen)
        await counter.wait_for(lambda: person_screen.person is not None and any(
            c.id == card.id and c.status.value == "lost" for c in person_screen.person.cards))
    assert _counted(desk, "loss_reported_counter", card) == 1 and status_of(desk, card.id) == "lost"


async def test_withdrawal_refuses_a_card_whose_chip_code_differs_and_a_card_taken_out(
    desk: Desk, slot: Reader
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.WITHDRAW_LOSS)
        data = card_data_for(desk, person.citizen_number, card.card_number)
        other_chip = "110105D156000005FFFFFFFFFFFFFFFF"
        await counter.insert_card(VirtualCard(replace(data, identification_code=other_chip)))
        await counter.wait_for_text("#withdraw-step", "NOT the reported card")
        step = counter.text("#withdraw-step")
        assert other_chip in step and (card.identification_code or "") in step and "It is the reported" not in step
        await counter.press("f9")
        await counter.wait_for_text("#task-outcome", other_chip)
        assert status_of(desk, card.id) == "suspended"
        await counter.remove_card()
        await counter.wait_for(lambda: "Reader: no card" in counter.screen_text())
        await counter.insert_card(VirtualCard(data))
        await counter.wait_for_text("#withdraw-step", "It is the reported card")
        await counter.remove_card()  # taken out before F9
        await counter.wait_for_text("#withdraw-step", "taken out")
        await counter.press("f9")
        await counter.wait_for_text("#task-outcome", "Put the found card into the reader first")
    assert status_of(desk, card.id) == "suspended"


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


async def test_collection_pin_refusals_wrong_current_pin_pins_differ_initial_pin(desk: Desk, slot: Reader) -> None:
    person, card = person_with_card_status(desk, "ready")
    chip = _new_chip(desk, person, card)
    async with at_the_counter(desk, slot) as counter:
        await _to_the_pin_step(counter, person, card, chip)
        screen = counter.app.screen
        assert "123456 on a new card" in str(screen.query_one("#pin-box").children[0].render())
        seen = instructions_seen(chip)
        await counter.type_pins("111111", "802417", "802417")
        await counter.wait_for_text("#task-outcome", "Wrong PIN. 2 tries left")
        assert chip.state.tries_left == 2 and chip.state.pin == pin_bcd("123456")
        assert VERIFY in seen and CHANGE_PIN not in seen  # the current PIN is verified first, then nothing else
        screen.query_one("#pin-old", Input).focus()
        await counter.type_pins("123456", "802417", "802418")
        await counter.wait_for_text("#task-outcome", "The two new PINs differ")
        for name in ("pin-old", "pin-new", "pin-again"):
            screen.query_one(f"#{name}", Input).value = ""
        screen.query_one("#pin-old", Input).focus()
        await counter.type_pins("123456", "123456", "123456")
        await counter.wait_for_text("#task-outcome", "must not be the initial PIN")
        await counter.press("f9")
        await counter.settle()
        assert "must change the initial PIN first" in counter.text("#task-outcome")
    assert status_of(desk, card.id) == "ready" and chip.state.pin == pin_bcd("123456")


async def test_collection_card_pulled_after_the_pin_change_is_handed_over_once_back(
    desk: Desk, slot: Reader
) -> None:
    person, card = person_with_card_status(desk, "ready")
    chip = _new_chip(desk, person, card)
    async with at_the_counter(desk, slot) as counter:
        await _to_the_pin_step(counter, person, card, chip)
        seen = instructions_seen(chip)
        await counter.type_pins("123456", "802417", "802417")
        await counter.wait_for_text("#task-outcome", "PIN changed on the chip")
        assert [ins for ins in seen if ins in (VERIFY, CHANGE_PIN)] == [VERIFY, CHANGE_PIN]
        await _pulled_out_before_the_hand_over(counter, desk, card, chip)
        await counter.wait_for_text("#collect-step", "PIN was already changed")
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "New card collected and activated" in receipt
    assert status_of(desk, card.id) == "active" and chip.state.pin == pin_bcd("802417")


async def test_a_collection_reopened_after_the_pin_change_takes_the_holders_new_pin(
    desk: Desk, slot: Reader
) -> None:
    person, card = person_with_card_status(desk, "ready")
    chip = _new_chip(desk, person, card, pin="802417")
    async with at_the_counter(desk, slot) as counter:
        await _to_the_pin_step(counter, person, card, chip)
        await counter.type_pins("802417", "551234", "551234")
        await counter.wait_for_text("#task-outcome", "PIN changed on the chip")
        await counter.press("f9")
        await counter.close_receipt()
    assert status_of(desk, card.id) == "active" and chip.state.pin == pin_bcd("551234")


async def test_an_instant_reissue_left_half_done_is_finished_from_the_record(
    make_desk: Callable[..., Desk], slot: Reader
) -> None:
    """The fee is paid and its receipt shown at once; the clerk leaves before the blank card is written. F8 on the
    old card in the record writes it later, without a second application or payment."""
    desk = make_desk("en", INSTANT)
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "Fee: 20.00 yuan" in receipt
        await counter.wait_for_screen(WriteCardScreen)
        await counter.press("f9")  # no card in the reader: the write fails, the payment stays
        await counter.wait_for_text("#write-step", "stays paid for")
        await counter.press("f4")
        await counter.wait_for_screen(PersonScreen)
        await counter.wait_for_text("#card-detail", "F8 writes it now")
        await counter.start_task(Action.APPLY_REISSUE)
        assert isinstance(counter.app.screen, WriteCardScreen)  # no identity check, no second application
        await counter.insert_card(VirtualCard(None))
        await counter.wait_for(lambda: "Reader: card unreadable" in counter.screen_text())  # nothing written yet
        await counter.press("f9")
        await counter.wait_for_screen(PersonScreen)
    request = _request_for(desk, card)
    assert request is not None
    with Session(desk.engine) as s:
        from outlet_desk.db.tables import Payment

        new = s.get(Card, request.new_card_id)
        payments = s.exec(select(Payment).where(col(Payment.request_id) == request.id)).all()
    assert new is not None and (request.status, new.status) == ("ready", "ready")
    assert len(payments) == 1


async def test_collection_stops_on_a_card_whose_pin_is_blocked(desk: Desk, slot: Reader) -> None:
    person, card = person_with_card_status(desk, "ready")
    chip = _new_chip(desk, person, card, max_tries=1)
    async with at_the_counter(desk, slot) as counter:
        await _to_the_pin_step(counter, person, card, chip)
        await counter.type_pins("111111", "802417", "802417")  # the one try left is spent: the PIN is blocked
        await counter.wait_for_text("#collect-step", "is blocked: do not hand it over")
        assert not counter.app.screen.query_one("#pin-box").display
        assert counter.app.screen.check_action("confirm", ()) is None  # F9 disabled
        await counter.press("f9")
        await counter.settle()
    assert status_of(desk, card.id) == "ready"


async def test_the_counter_that_loses_a_collection_sees_the_card_handed_over(desk: Desk, slot: Reader) -> None:
    """Two counters collect the same card; the other one hands it over first. F9 here is refused, the screen
    says the card is now active and disables F9; nothing is handed over twice."""
    import asyncio

    from outlet_desk.services.collection import complete_collection, pending_collection

    person, card = person_with_card_status(desk, "ready")
    data = card_data_for(desk, person.citizen_number, card.card_number)
    chip = VirtualCard(data)
    async with at_the_counter(desk, slot) as counter:
        await _to_the_pin_step(counter, person, card, chip)
        await counter.type_pins("123456", "802417", "802417")
        await counter.wait_for_text("#task-outcome", "PIN changed on the chip")
        other, check = _other_counters_check(desk, person, Action.COLLECT_CARD)
        pending = pending_collection(desk, card.id or 0)
        await asyncio.to_thread(complete_collection, desk, other, pending.request_id, pending.version, check, data,
                                pin_changed=True)
        await counter.press("f9")
        await counter.wait_for_text("#task-outcome", "it is now active")
        assert "no longer applies" in counter.text("#task-outcome")
        assert counter.app.screen.check_action("confirm", ()) is None
    assert _counted(desk, "card_collected", card) == 1 and status_of(desk, card.id) == "active"
