"""The withdrawal of a loss report sent to the supervisors, by keyboard on two desks sharing one store, at
an outlet with ``dual_control = ["withdraw_loss"]`` and no second operator at the counter: the found card
goes into the reader, the clerk types where it was found and sends the withdrawal (F8); a supervisor at
another desk finds it in the supervisor home (F11) with the holder and the card, and approves (a) or
rejects with a reason (x, the reason, Enter); the clerk's screen then withdraws the report (F9) or says
why not. Escape withdraws a request still waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import Approval, Card, Person
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.flow_support import CoSignScreen
from outlet_desk.services import operators
from outlet_desk.services.approvals import decisions
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.demo import training_password
from outlet_desk.services.emulation import card_data_for
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.tui.conftest import (
    DeskFactory,
    person_with_card_status,
    screen_text,
    settle,
    sign_in,
    static_text,
    type_text,
    wait_for,
)
from tests.tui.test_journey_screens import TrainingSlot, close_receipt, open_task, status_of
from tests.tui.test_waiver_request import SUPERVISOR, outcome, supervisor_home

DUAL = '\n[security]\ndual_control = ["withdraw_loss"]\n'


@pytest.fixture
def desk(make_desk: DeskFactory) -> Desk:
    """The clerk's desk at an outlet where a withdrawal needs a second operator or a supervisor's approval."""
    return make_desk("en", DUAL)


@pytest.fixture
def other_desk(desk: Desk) -> Iterator[Desk]:
    """The supervisor's desk (another terminal) on the same store and clock."""
    second = open_desk(desk.settings)
    second.clock = desk.clock
    yield second
    second.engine.dispose()


@pytest.fixture
def found() -> tuple[TrainingSlot, SupervisedReader]:
    training = TrainingSlot()
    return training, SupervisedReader(training.reader, poll_s=0.05)


async def send_withdrawal(pilot: Pilot[None], app: DeskApp, desk: Desk, slot: TrainingSlot, person: Person,
                          card: Card, why: str) -> None:
    """The clerk opens the withdrawal, the found card goes into the reader, the reason is typed, F8 sends it."""
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, person, card, "f7")
    assert isinstance(app.screen, WithdrawLossScreen)
    assert "Ask supervisors" not in screen_text(app)  # nothing to send before the found card is read
    await asyncio.to_thread(slot.insert, VirtualCard(card_data_for(desk, person.citizen_number, card.card_number)))
    await wait_for(pilot, lambda: "It is the reported card" in static_text(app, "#withdraw-step"))
    # The footer shows the key once it has redrawn after the chip was read (on a loaded machine, a frame later).
    await wait_for(pilot, lambda: "F8 Ask supervisors" in screen_text(app))
    await pilot.press("f8")  # the reason first
    await settle(pilot)
    assert "where and how the card was found" in outcome(app)
    await type_text(pilot, why)
    await pilot.press("f8")
    await wait_for(pilot, lambda: "waiting for a decision" in outcome(app))
    assert "Esc Withdraw request" in screen_text(app)


async def test_a_supervisor_approves_at_their_desk_and_the_clerk_withdraws_the_report(
    desk: Desk, other_desk: Desk, found: tuple[TrainingSlot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    slot, reader = found
    clerk_app, super_app = make_app(desk, reader=reader), make_app(other_desk)
    async with clerk_app.run_test(size=(80, 24)) as clerk:
        await send_withdrawal(clerk, clerk_app, desk, slot, person, card, "found in the waiting hall")
        await clerk.press("f9")  # not while the supervisors have not decided
        await settle(clerk)
        assert "still with the supervisors" in outcome(clerk_app)
        assert status_of(desk, card.id) == "suspended"
        async with super_app.run_test(size=(80, 24)) as sup:
            home = await supervisor_home(sup, super_app)
            table = home.query_one("#approvals", DataTable)
            assert table.row_count == 1
            row = " ".join(str(cell) for cell in table.get_row_at(0))
            assert "loss report withdrawal" in row and "clerk1" in row and "found in the waiting hall" in row
            detail = static_text(super_app, "#approval-detail")  # in full below the list, whatever the width
            assert mask_citizen_id(person.citizen_number) in detail and card.card_number in detail
            assert person.name in detail and person.citizen_number not in detail
            await sup.press("a")
            await settle(sup)
            assert "approved" in str(home.query_one("#message").render())
        await wait_for(clerk, lambda: f"Approved by {SUPERVISOR}" in outcome(clerk_app))
        await clerk.press("f9")  # no second operator asked for: the approval stands for them
        receipt = await close_receipt(clerk, clerk_app)
        assert "Loss report withdrawn" in receipt
    assert status_of(desk, card.id) == "active"
    with Session(desk.engine) as s:
        approval = s.exec(select(Approval).where(col(Approval.entity_id) == card.id)).one()
    assert (approval.action, approval.status) == ("withdraw_loss", "used")


async def test_a_rejected_withdrawal_shows_the_supervisors_reason_and_the_card_stays_blocked(
    desk: Desk, other_desk: Desk, found: tuple[TrainingSlot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    slot, reader = found
    clerk_app, super_app = make_app(desk, reader=reader), make_app(other_desk)
    async with clerk_app.run_test(size=(80, 24)) as clerk:
        await send_withdrawal(clerk, clerk_app, desk, slot, person, card, "a neighbour brought it")
        async with super_app.run_test(size=(80, 24)) as sup:
            home = await supervisor_home(sup, super_app)
            await sup.press("x")
            await type_text(sup, "the holder must bring it")
            await sup.press("enter")
            await settle(sup)
            assert home.query_one("#approvals", DataTable).row_count == 0
        await wait_for(clerk, lambda: f"Rejected by {SUPERVISOR}" in outcome(clerk_app))
        assert "the holder must bring it" in outcome(clerk_app) and "nothing was withdrawn" in outcome(clerk_app)
        await clerk.press("f9")  # what is left: a second operator signing here
        await settle(clerk)
        assert isinstance(clerk_app.screen, CoSignScreen)
    assert status_of(desk, card.id) == "suspended"


async def test_escape_withdraws_the_request_from_the_supervisors_list(
    desk: Desk, found: tuple[TrainingSlot, SupervisedReader]
) -> None:
    person, card = person_with_card_status(desk, "suspended")
    slot, reader = found
    clerk_app = make_app(desk, reader=reader)
    async with clerk_app.run_test(size=(80, 24)) as clerk:
        await send_withdrawal(clerk, clerk_app, desk, slot, person, card, "found at home")
        await clerk.press("escape")
        await wait_for(clerk, lambda: "Request withdrawn" in outcome(clerk_app))
        assert "F8 Ask supervisors" in screen_text(clerk_app)  # it can be sent again
        assert isinstance(clerk_app.screen, WithdrawLossScreen)
    sup = operators.authenticate(desk, "super1", training_password("super1"))
    assert decisions.pending_approvals(desk, sup) == []
    assert status_of(desk, card.id) == "suspended"
