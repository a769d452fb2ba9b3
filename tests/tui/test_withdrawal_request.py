"""The withdrawal of a loss report sent to the supervisors, by keyboard on two desks sharing one store, at
an outlet with ``dual_control = ["withdraw_loss"]`` and no second operator at the counter: the found card
goes into the reader, the clerk types where it was found and sends the withdrawal (F8); a supervisor at
another desk finds it in the supervisor home (F11) with the holder and the card, and approves (a) or
rejects with a reason (x, the reason, Enter); the clerk's screen then withdraws the report (F9) or says
why not. Escape withdraws a request still waiting."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select
from textual.widgets import DataTable

from outlet_desk.db.tables import Approval, Card, Person
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.roles import Action
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.flow_support import CoSignScreen
from outlet_desk.services import operators
from outlet_desk.services.approvals import decisions
from outlet_desk.services.context import Desk
from outlet_desk.services.demo import training_password
from outlet_desk.services.emulation import card_data_for
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import Counter, at_the_counter, status_of
from tests.tui.slots import training_slot
from tests.tui.test_waiver_request import SUPERVISOR, outcome, supervisor_home

DUAL = '\n[security]\ndual_control = ["withdraw_loss"]\n'


@pytest.fixture
def desk(make_desk: DeskFactory) -> Desk:
    """The clerk's desk at an outlet where a withdrawal needs a second operator or a supervisor's approval."""
    return make_desk("en", DUAL)


async def send_withdrawal(counter: Counter, desk: Desk, person: Person, card: Card, why: str) -> None:
    """The clerk opens the withdrawal, the found card goes into the reader, the reason is typed, F8 sends it."""
    await counter.sign_in("clerk1")
    await counter.open_task(person, card, Action.WITHDRAW_LOSS)
    assert isinstance(counter.app.screen, WithdrawLossScreen)
    assert "Ask supervisors" not in counter.screen_text()  # nothing to send before the found card is read
    await counter.insert_card(VirtualCard(card_data_for(desk, person.citizen_number, card.card_number)))
    await counter.wait_for_text("#withdraw-step", "It is the reported card")
    # The footer shows the key once it has redrawn after the chip was read (on a loaded machine, a frame later).
    await counter.wait_for(lambda: "F8 Ask supervisors" in counter.screen_text())
    await counter.press("f8")  # the reason first
    await counter.settle()
    assert "where and how the card was found" in outcome(counter)
    await counter.type(why)
    await counter.press("f8")
    await counter.wait_for_text("#task-outcome", "waiting for a decision")
    assert "Esc Withdraw request" in counter.screen_text()


async def test_a_supervisor_approves_at_their_desk_and_the_clerk_withdraws_the_report(
    desk: Desk, other_desk: Desk
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, training_slot()) as clerk:
        await send_withdrawal(clerk, desk, person, card, "found in the waiting hall")
        await clerk.press("f9")  # not while the supervisors have not decided
        await clerk.settle()
        assert "still with the supervisors" in outcome(clerk)
        assert status_of(desk, card.id) == "suspended"
        async with at_the_counter(other_desk) as sup:
            home = await supervisor_home(sup)
            table = home.query_one("#approvals", DataTable)
            assert table.row_count == 1
            row = " ".join(str(cell) for cell in table.get_row_at(0))
            assert "loss report withdrawal" in row and "clerk1" in row and "found in the wa" in row  # cut to fit
            detail = sup.text("#approval-detail")  # in full below the list, whatever the width
            assert "found in the waiting hall" in detail
            assert mask_citizen_id(person.citizen_number) in detail and card.card_number in detail
            assert person.name in detail and person.citizen_number not in detail
            await sup.press("a")
            await sup.settle()
            assert "approved" in str(home.query_one("#message").render())
        await clerk.wait_for_text("#task-outcome", f"Approved by {SUPERVISOR}")
        await clerk.press("f9")  # no second operator asked for: the approval stands for them
        receipt = await clerk.close_receipt()
        assert "Loss report withdrawn" in receipt
    assert status_of(desk, card.id) == "active"
    with Session(desk.engine) as s:
        approval = s.exec(select(Approval).where(col(Approval.entity_id) == card.id)).one()
    assert (approval.action, approval.status) == ("withdraw_loss", "used")


async def test_a_rejected_withdrawal_shows_the_supervisors_reason_and_the_card_stays_blocked(
    desk: Desk, other_desk: Desk
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, training_slot()) as clerk:
        await send_withdrawal(clerk, desk, person, card, "a neighbour brought it")
        async with at_the_counter(other_desk) as sup:
            home = await supervisor_home(sup)
            await sup.press("x")
            await sup.type("the holder must bring it")
            await sup.press("enter")
            await sup.settle()
            assert home.query_one("#approvals", DataTable).row_count == 0
        await clerk.wait_for_text("#task-outcome", f"Rejected by {SUPERVISOR}")
        assert "the holder must bring it" in outcome(clerk) and "nothing was withdrawn" in outcome(clerk)
        await clerk.press("f9")  # what is left: a second operator signing here
        await clerk.settle()
        assert isinstance(clerk.app.screen, CoSignScreen)
    assert status_of(desk, card.id) == "suspended"


async def test_escape_withdraws_the_request_from_the_supervisors_list(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, training_slot()) as clerk:
        await send_withdrawal(clerk, desk, person, card, "found at home")
        await clerk.press("escape")
        await clerk.wait_for_text("#task-outcome", "Request withdrawn")
        assert "F8 Ask supervisors" in clerk.screen_text()  # it can be sent again
        assert isinstance(clerk.app.screen, WithdrawLossScreen)
    sup = operators.authenticate(desk, "super1", training_password("super1"))
    assert decisions.pending_approvals(desk, sup) == []
    assert status_of(desk, card.id) == "suspended"
