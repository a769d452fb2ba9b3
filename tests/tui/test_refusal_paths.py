"""The refusal paths of the journey at the desk, by keyboard: what the clerk reads, and that nothing was saved.

Hotline: an unknown citizen number, a name that is not the holder's. Reissue: an amount that is not the
fee, a card only suspended by the hotline (no formal loss yet), a waiver co-signed by the clerk
themselves or by another clerk, then by a supervisor; a damaged card read at the counter. Withdrawal:
refused once a reissue was applied for; under dual control, refused without a second operator and with
the same operator, then signed by another clerk. Each test that needs a card in the reader runs on the
real stack (pcscd + vpcd) and on the training reader, through the ``slot`` fixture (tests/tui/conftest.py).
"""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.widgets import Input, Select

from outlet_desk.db.tables import AuditEvent, Card, Person, ReissueRequest
from outlet_desk.domain.roles import Action
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.flow_support import CoSignScreen
from outlet_desk.screens.hotline import HotlineLossScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import Counter, at_the_counter, lost_without_request, status_of
from tests.tui.slots import Slot


def audit_actions(desk: Desk, person_id: int | None) -> list[str]:
    """What the audit recorded about this person (sign-ins and other people's records left out)."""
    with Session(desk.engine) as s:
        return list(s.exec(select(AuditEvent.action).where(col(AuditEvent.person_id) == person_id)
                           .order_by(col(AuditEvent.seq))).all())


def requests_for(desk: Desk, card_id: int | None) -> list[ReissueRequest]:
    with Session(desk.engine) as s:
        return list(s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card_id)).all())


def outcome(counter: Counter) -> str:
    return counter.text("#task-outcome")


async def hotline_call(counter: Counter, number: str, name: str, fact: str) -> None:
    await counter.sign_in("hotline1")
    await counter.take_hotline_report(number, name, fact)


# -- hotline -----------------------------------------------------------------------------------------------
async def test_hotline_refuses_a_citizen_number_nobody_holds(desk: Desk) -> None:
    holder, card = person_with_card_status(desk, "active")
    before = audit_actions(desk, holder.id)
    async with at_the_counter(desk) as counter:
        await hotline_call(counter, "11010519491231002X", holder.name, holder.phone)
        await counter.wait_for_text("#hotline-outcome", "could not be identified")
        assert isinstance(counter.app.screen, HotlineLossScreen)  # the agent stays on the call
    assert status_of(desk, card.id) == "active"
    assert audit_actions(desk, holder.id) == before


async def test_hotline_refuses_a_name_that_is_not_the_holders(desk: Desk) -> None:
    holder, card = person_with_card_status(desk, "active")
    before = audit_actions(desk, holder.id)
    async with at_the_counter(desk) as counter:
        await hotline_call(counter, holder.citizen_number, "李鬼", holder.phone)
        await counter.wait_for_text("#hotline-outcome", "could not be identified")
    assert status_of(desk, card.id) == "active"
    assert audit_actions(desk, holder.id) == before


# -- reissue -----------------------------------------------------------------------------------------------
async def test_reissue_refuses_an_amount_that_is_not_the_fee(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        assert isinstance(counter.app.screen, ReissueScreen)
        assert counter.app.focused is counter.app.screen.query_one("#reissue-amount", Input)
        await counter.press("ctrl+u")  # the fee is filled in; the clerk types what was handed over instead
        await counter.type("15")
        await counter.press("f9")
        await counter.wait_for(lambda: "must be the fee, 20.00 yuan" in outcome(counter))
        assert isinstance(counter.app.screen, ReissueScreen)
    assert requests_for(desk, card.id) == []
    assert status_of(desk, card.id) == "lost"


async def test_reissue_is_not_offered_for_a_card_only_suspended_by_the_hotline(desk: Desk) -> None:
    """A hotline suspension is made formal (F6) first: until then F8 is not shown and does nothing."""
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        await counter.select_card(card)
        assert screen.check_action(Action.APPLY_REISSUE, ()) is False  # not shown: only the keys that apply
        assert screen.check_action(Action.REPORT_LOSS_COUNTER, ()) is True
        await counter.start_task(Action.APPLY_REISSUE)
        assert counter.app.screen is screen
    assert requests_for(desk, card.id) == []
    assert status_of(desk, card.id) == "suspended"


async def co_sign(counter: Counter, username: str, password: str) -> None:
    await counter.wait_for_screen(CoSignScreen)
    await counter.fill_in(username, password)
    await counter.press("enter")
    await counter.settle()


async def test_a_fee_waiver_is_signed_by_a_supervisor_never_by_the_clerk_or_another_clerk(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.press("f7")
        await counter.settle()
        assert "Type the reason for the waiver first" in outcome(counter)
        assert counter.app.focused is counter.app.screen.query_one("#reissue-waiver-reason", Input)
        await counter.type("minimum living allowance, certificate 42")
        await counter.press("f7")
        await co_sign(counter, "clerk1", "training-clerk1")
        assert "must be someone else" in counter.text("#cosign-message")
        await counter.press("escape")
        await counter.settle()
        assert isinstance(counter.app.screen, ReissueScreen)
        assert "Fee: 20.00 yuan" in counter.text("#reissue-fee")  # not waived by the cancelled signature

        await counter.press("f7")
        await co_sign(counter, "clerk2", "training-clerk2")  # refused as they sign, not when F9 saves
        assert isinstance(counter.app.screen, CoSignScreen)
        assert "Only a supervisor can waive the fee" in counter.text("#cosign-message")
        await counter.press("escape")
        await counter.settle()
        assert isinstance(counter.app.screen, ReissueScreen)
        assert "Fee: 20.00 yuan" in counter.text("#reissue-fee")
        assert requests_for(desk, card.id) == []

        await counter.press("f7")
        await co_sign(counter, "super1", "training-super1")
        assert isinstance(counter.app.screen, ReissueScreen)
        assert "waived with the signature of" in counter.text("#reissue-fee")
        assert counter.app.screen.query_one("#reissue-amount", Input).disabled
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "Reissue application" in receipt
    [request] = requests_for(desk, card.id)
    assert (request.waived, request.fee_fen) == (True, 2000)


async def test_a_damaged_card_that_still_answers_is_read_at_the_reissue(
    make_desk: DeskFactory, slot: tuple[Slot, SupervisedReader],
) -> None:
    desk = make_desk("en")
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        assert isinstance(counter.app.screen, ReissueScreen)
        reason = counter.app.screen.query_one("#reissue-reason", Select)
        assert str(reason.value) == "damaged"  # the default for a card in use years before its expiry
        assert "Fee:" in counter.text("#reissue-fee")
        chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
        await counter.insert_card(chip)
        await counter.wait_for(lambda: f"its chip reads as card {card.card_number}" in outcome(counter))
        await counter.remove_card()
    assert status_of(desk, card.id) == "active"


async def found_card_read(counter: Counter, person: Person, card: Card) -> None:
    """The withdrawal opened for ``card`` (identity checked), the found card put in and read."""
    await counter.open_task(person, card, Action.WITHDRAW_LOSS)
    assert isinstance(counter.app.screen, WithdrawLossScreen)
    found = VirtualCard(card_data_for(counter.app.desk, person.citizen_number, card.card_number))
    await counter.insert_card(found)
    await counter.wait_for_text("#withdraw-step", f"Card in the reader: {card.card_number}")


# -- withdrawal --------------------------------------------------------------------------------------------
def lost_with_request(desk: Desk) -> Card:
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.status) == "in_production")
        card = s.exec(select(Card).where(col(Card.status) == "lost", col(Card.id).in_(taken))).first()
        assert card is not None
        return card


async def test_a_found_card_is_not_withdrawn_once_a_reissue_was_applied_for(
    desk: Desk, slot: tuple[Slot, SupervisedReader],
) -> None:
    card = lost_with_request(desk)
    with Session(desk.engine) as s:
        person = s.get(Person, card.person_id)
        assert person is not None
    before = audit_actions(desk, person.id)
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await found_card_read(counter, person, card)
        await counter.press("f9")
        await counter.wait_for(lambda: "a new card has already been applied for" in outcome(counter))
        await counter.remove_card()
    assert status_of(desk, card.id) == "lost"
    # the record opened and the identity checked; nothing withdrawn
    assert audit_actions(desk, person.id)[len(before):] == ["person_opened", "identity_checked"]


async def test_under_dual_control_a_withdrawal_needs_a_second_operator_who_is_someone_else(
    make_desk: DeskFactory, slot: tuple[Slot, SupervisedReader],
) -> None:
    desk = make_desk("en", extra='\n[security]\ndual_control = ["withdraw_loss"]\n')
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await found_card_read(counter, person, card)
        await counter.press("f9")
        await co_sign(counter, "clerk1", "training-clerk1")
        assert "must be someone else" in counter.text("#cosign-message")
        await counter.press("escape")
        await counter.settle()
        assert "a second operator did not sign" in outcome(counter)
        assert status_of(desk, card.id) == "suspended"

        await counter.press("f9")
        await co_sign(counter, "hotline1", "training-hotline1")  # may not withdraw a report themselves
        assert "must be a clerk or a supervisor" in counter.text("#cosign-message")
        await counter.press("escape")
        await counter.settle()
        assert status_of(desk, card.id) == "suspended"

        await counter.press("f9")
        await co_sign(counter, "clerk2", "training-clerk2")
        receipt = await counter.close_receipt()
        assert "Loss report withdrawn" in receipt
        await counter.remove_card()
    assert status_of(desk, card.id) == "active"
