"""The refusal paths of the journey at the desk, by keyboard: what the clerk reads, and that nothing was saved.

Hotline: an unknown citizen number, a name that is not the holder's. Reissue: an amount that is not the
fee, a card only suspended by the hotline (no formal loss yet), a waiver co-signed by the clerk
themselves or by another clerk, then by a supervisor; a damaged card read at the counter. Withdrawal:
refused once a reissue was applied for; under dual control, refused without a second operator and with
the same operator, then signed by another clerk. Each test that needs a card in the reader runs on the
real stack (pcscd + vpcd) and on the training reader, through the ``slot`` fixture of the journey tests.
"""

from __future__ import annotations

import asyncio

from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import AuditEvent, Card, Person, ReissueRequest
from outlet_desk.domain.roles import Action
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.flow_support import CoSignScreen
from outlet_desk.screens.hotline import HotlineLossScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.tui.conftest import DeskFactory, person_with_card_status, settle, sign_in, static_text, type_text, wait_for
from tests.tui.test_journey_screens import (  # noqa: F401  (slot is a fixture used by name)
    Slot,
    close_receipt,
    lost_without_request,
    open_task,
    slot,
    status_of,
)


def audit_actions(desk: Desk, person_id: int | None) -> list[str]:
    """What the audit recorded about this person (sign-ins and other people's records left out)."""
    with Session(desk.engine) as s:
        return list(s.exec(select(AuditEvent.action).where(col(AuditEvent.person_id) == person_id)
                           .order_by(col(AuditEvent.seq))).all())


def requests_for(desk: Desk, card_id: int | None) -> list[ReissueRequest]:
    with Session(desk.engine) as s:
        return list(s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card_id)).all())


def outcome(app: DeskApp) -> str:
    return static_text(app, "#task-outcome")


async def hotline_call(pilot: Pilot[None], app: DeskApp, number: str, name: str, fact: str) -> None:
    await sign_in(pilot, "hotline1")
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(app.screen, HotlineLossScreen)
    await type_text(pilot, number)
    await pilot.press("enter")
    await type_text(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, fact)
    await pilot.press("f9")


# -- hotline -----------------------------------------------------------------------------------------------
async def test_hotline_refuses_a_citizen_number_nobody_holds(desk: Desk) -> None:
    holder, card = person_with_card_status(desk, "active")
    before = audit_actions(desk, holder.id)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await hotline_call(pilot, app, "11010519491231002X", holder.name, holder.phone)
        await wait_for(pilot, lambda: "could not be identified" in static_text(app, "#hotline-outcome"))
        assert isinstance(app.screen, HotlineLossScreen)  # the agent stays on the call
    assert status_of(desk, card.id) == "active"
    assert audit_actions(desk, holder.id) == before


async def test_hotline_refuses_a_name_that_is_not_the_holders(desk: Desk) -> None:
    holder, card = person_with_card_status(desk, "active")
    before = audit_actions(desk, holder.id)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await hotline_call(pilot, app, holder.citizen_number, "李鬼", holder.phone)
        await wait_for(pilot, lambda: "could not be identified" in static_text(app, "#hotline-outcome"))
    assert status_of(desk, card.id) == "active"
    assert audit_actions(desk, holder.id) == before


# -- reissue -----------------------------------------------------------------------------------------------
async def test_reissue_refuses_an_amount_that_is_not_the_fee(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        assert isinstance(app.screen, ReissueScreen)
        assert app.focused is app.screen.query_one("#reissue-amount", Input)
        await pilot.press("ctrl+u")  # the fee is filled in; the clerk types what was handed over instead
        await type_text(pilot, "15")
        await pilot.press("f9")
        await wait_for(pilot, lambda: "must be the fee, 20.00 yuan" in outcome(app))
        assert isinstance(app.screen, ReissueScreen)
    assert requests_for(desk, card.id) == []
    assert status_of(desk, card.id) == "lost"


async def test_reissue_is_not_offered_for_a_card_only_suspended_by_the_hotline(desk: Desk) -> None:
    """A hotline suspension is made formal (F6) first: until then F8 is greyed out and does nothing."""
    person, card = person_with_card_status(desk, "suspended")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        screen = app.screen
        assert isinstance(screen, PersonScreen) and screen.person is not None
        row = next(i for i, c in enumerate(screen.person.cards) if c.id == card.id)
        screen.query_one("#cards-table", DataTable).move_cursor(row=row)
        await settle(pilot)
        assert screen.check_action(Action.APPLY_REISSUE, ()) is None  # shown, greyed out
        assert screen.check_action(Action.REPORT_LOSS_COUNTER, ()) is True
        await pilot.press("f8")
        await settle(pilot)
        assert app.screen is screen
    assert requests_for(desk, card.id) == []
    assert status_of(desk, card.id) == "suspended"


async def co_sign(pilot: Pilot[None], app: DeskApp, username: str, password: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, CoSignScreen))
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_fee_waiver_is_signed_by_a_supervisor_never_by_the_clerk_or_another_clerk(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        await pilot.press("f7")
        await settle(pilot)
        assert "Type the reason for the waiver first" in outcome(app)
        assert app.focused is app.screen.query_one("#reissue-waiver-reason", Input)
        await type_text(pilot, "minimum living allowance, certificate 42")
        await pilot.press("f7")
        await co_sign(pilot, app, "clerk1", "training-clerk1")
        assert "must be someone else" in static_text(app, "#cosign-message")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReissueScreen)
        assert "Fee: 20.00 yuan" in static_text(app, "#reissue-fee")  # not waived by the cancelled signature

        await pilot.press("f7")
        await co_sign(pilot, app, "clerk2", "training-clerk2")  # refused as they sign, not when F9 saves
        assert isinstance(app.screen, CoSignScreen)
        assert "Only a supervisor can waive the fee" in static_text(app, "#cosign-message")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReissueScreen)
        assert "Fee: 20.00 yuan" in static_text(app, "#reissue-fee")
        assert requests_for(desk, card.id) == []

        await pilot.press("f7")
        await co_sign(pilot, app, "super1", "training-super1")
        assert isinstance(app.screen, ReissueScreen)
        assert "waived with the signature of" in static_text(app, "#reissue-fee")
        assert app.screen.query_one("#reissue-amount", Input).disabled
        await pilot.press("f9")
        receipt = await close_receipt(pilot, app)
        assert "Reissue application" in receipt
    [request] = requests_for(desk, card.id)
    assert (request.waived, request.fee_fen) == (True, 2000)


async def test_a_damaged_card_that_still_answers_is_read_at_the_reissue(
    make_desk: DeskFactory, slot: tuple[Slot, SupervisedReader],  # noqa: F811 (the fixture)
) -> None:
    desk = make_desk("en")
    person, card = person_with_card_status(desk, "active")
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        assert isinstance(app.screen, ReissueScreen)
        reason = app.screen.query_one("#reissue-reason", Select)
        assert str(reason.value) == "expired"  # the default for a card in use
        reason.focus()
        await pilot.press("enter", "up", "enter")  # lost, damaged, expired, info change: one up
        await settle(pilot)
        assert str(reason.value) == "damaged"
        assert "Fee:" in static_text(app, "#reissue-fee")
        chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
        await asyncio.to_thread(training.insert, chip)
        await wait_for(pilot, lambda: f"its chip reads as card {card.card_number}" in outcome(app))
        await asyncio.to_thread(training.remove)
    assert status_of(desk, card.id) == "active"


async def found_card_read(pilot: Pilot[None], app: DeskApp, training: Slot, person: Person, card: Card) -> None:
    """The withdrawal opened for ``card`` (identity checked), the found card put in and read."""
    await open_task(pilot, app, person, card, "f7")
    assert isinstance(app.screen, WithdrawLossScreen)
    found = VirtualCard(card_data_for(app.desk, person.citizen_number, card.card_number))
    await asyncio.to_thread(training.insert, found)
    await wait_for(pilot, lambda: f"Card in the reader: {card.card_number}" in static_text(app, "#withdraw-step"))


# -- withdrawal --------------------------------------------------------------------------------------------
def lost_with_request(desk: Desk) -> Card:
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.status) == "in_production")
        card = s.exec(select(Card).where(col(Card.status) == "lost", col(Card.id).in_(taken))).first()
        assert card is not None
        return card


async def test_a_found_card_is_not_withdrawn_once_a_reissue_was_applied_for(
    desk: Desk, slot: tuple[Slot, SupervisedReader],  # noqa: F811 (the fixture)
) -> None:
    card = lost_with_request(desk)
    with Session(desk.engine) as s:
        person = s.get(Person, card.person_id)
        assert person is not None
    training, reader = slot
    before = audit_actions(desk, person.id)
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await found_card_read(pilot, app, training, person, card)
        await pilot.press("f9")
        await wait_for(pilot, lambda: "a new card has already been applied for" in outcome(app))
        await asyncio.to_thread(training.remove)
    assert status_of(desk, card.id) == "lost"
    # the record opened and the identity checked; nothing withdrawn
    assert audit_actions(desk, person.id)[len(before):] == ["person_opened", "identity_checked"]


async def test_under_dual_control_a_withdrawal_needs_a_second_operator_who_is_someone_else(
    make_desk: DeskFactory, slot: tuple[Slot, SupervisedReader],  # noqa: F811 (the fixture)
) -> None:
    desk = make_desk("en", extra='\n[security]\ndual_control = ["withdraw_loss"]\n')
    person, card = person_with_card_status(desk, "suspended")
    training, reader = slot
    app = make_app(desk, reader=reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await found_card_read(pilot, app, training, person, card)
        await pilot.press("f9")
        await co_sign(pilot, app, "clerk1", "training-clerk1")
        assert "must be someone else" in static_text(app, "#cosign-message")
        await pilot.press("escape")
        await settle(pilot)
        assert "a second operator did not sign" in outcome(app)
        assert status_of(desk, card.id) == "suspended"

        await pilot.press("f9")
        await co_sign(pilot, app, "hotline1", "training-hotline1")  # may not withdraw a report themselves
        assert "must be a clerk or a supervisor" in static_text(app, "#cosign-message")
        await pilot.press("escape")
        await settle(pilot)
        assert status_of(desk, card.id) == "suspended"

        await pilot.press("f9")
        await co_sign(pilot, app, "clerk2", "training-clerk2")
        receipt = await close_receipt(pilot, app)
        assert "Loss report withdrawn" in receipt
        await asyncio.to_thread(training.remove)
    assert status_of(desk, card.id) == "active"
