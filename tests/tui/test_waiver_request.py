"""A fee waiver sent to the supervisors, by keyboard on two desks sharing one store: the clerk types the
reason and sends it (F8) from the reissue screen, which waits for the decision; a supervisor signed in at
another desk finds it in the supervisor home (F11) with the person, the fee and the reason, and approves
(a) or rejects with a reason (x, the reason, Enter); the clerk's screen takes the application with the fee
waived, or says why not and asks for the fee. Escape withdraws a request still waiting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import Approval, ReissueRequest
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.services.approvals import decisions
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from tests.tui.conftest import screen_text, settle, sign_in, static_text, type_text, wait_for
from tests.tui.test_journey_screens import close_receipt, lost_without_request, open_task

SUPERVISOR = "主管 张敏"  # super1's display name in the training data


@pytest.fixture
def other_desk(desk: Desk) -> Iterator[Desk]:
    """A second desk (another terminal) on the same store and clock."""
    second = open_desk(desk.settings)
    second.clock = desk.clock
    yield second
    second.engine.dispose()


def outcome(app: DeskApp) -> str:
    return static_text(app, "#task-outcome")


async def send_waiver(pilot: Pilot[None], app: DeskApp, desk: Desk, why: str) -> None:
    """The clerk opens the reissue of a lost card, types the waiver reason and sends it (F8)."""
    person, card = lost_without_request(desk)
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, person, card, "f8")
    assert isinstance(app.screen, ReissueScreen)
    assert "F8 Ask supervisors" in screen_text(app)  # the footer offers it
    await pilot.press("tab")  # from the amount to the waiver reason
    await type_text(pilot, why)
    await pilot.press("f8")
    await wait_for(pilot, lambda: "waiting for a decision" in outcome(app))
    assert "Esc Withdraw waiver" in screen_text(app)


async def supervisor_home(pilot: Pilot[None], app: DeskApp) -> SupervisorHomeScreen:
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, SupervisorHomeScreen)
    return screen


async def test_a_supervisor_approves_at_their_desk_and_the_clerk_takes_the_application_without_fee(
    desk: Desk, other_desk: Desk
) -> None:
    person, card = lost_without_request(desk)
    clerk_app, super_app = make_app(desk), make_app(other_desk)
    async with clerk_app.run_test(size=(80, 24)) as clerk:
        await send_waiver(clerk, clerk_app, desk, "low income certificate")
        await clerk.press("f9")  # not while the supervisors have not decided
        await settle(clerk)
        assert "still with the supervisors" in outcome(clerk_app)
        async with super_app.run_test(size=(80, 24)) as sup:
            home = await supervisor_home(sup, super_app)
            table = home.query_one("#approvals", DataTable)
            assert table.row_count == 1
            row = " ".join(str(cell) for cell in table.get_row_at(0))
            assert "fee waiver" in row and "clerk1" in row and "low income certificate" in row
            assert mask_citizen_id(person.citizen_number) in row and "20.00" in row
            assert person.citizen_number not in row
            await sup.press("a")
            await settle(sup)
            assert "approved" in str(home.query_one("#message").render())
        await wait_for(clerk, lambda: f"Fee waived: approved by {SUPERVISOR}" in outcome(clerk_app))
        assert "waived: approved by" in static_text(clerk_app, "#reissue-fee")
        assert clerk_app.screen.query_one("#reissue-amount", Input).disabled  # no money to take
        await clerk.press("f9")
        receipt = await close_receipt(clerk, clerk_app)
        assert "Reissue application" in receipt
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
        approval = s.get(Approval, request.waiver_approval_id)
    assert (request.waived, request.fee_fen) == (True, 2000)
    assert approval is not None and approval.status == "used" and approval.reason.startswith("low income")


async def test_a_rejected_waiver_shows_the_supervisors_reason_and_the_fee_is_due(
    desk: Desk, other_desk: Desk
) -> None:
    clerk_app, super_app = make_app(desk), make_app(other_desk)
    async with clerk_app.run_test(size=(80, 24)) as clerk:
        await send_waiver(clerk, clerk_app, desk, "says he is unemployed")
        async with super_app.run_test(size=(80, 24)) as sup:
            home = await supervisor_home(sup, super_app)
            await sup.press("x")  # the reason is asked for
            assert home.focused is home.query_one("#decision-reason")
            await type_text(sup, "no certificate shown")
            await sup.press("enter")
            await settle(sup)
            assert "rejected" in str(home.query_one("#message").render())
            assert home.query_one("#approvals", DataTable).row_count == 0
        await wait_for(clerk, lambda: "Waiver rejected by" in outcome(clerk_app))
        assert "no certificate shown" in outcome(clerk_app) and "fee is due" in outcome(clerk_app)
        assert clerk_app.screen.query_one("#reissue-amount", Input).value == "20.00"
        await clerk.press("f9")
        receipt = await close_receipt(clerk, clerk_app)
        assert "20.00" in receipt


async def test_escape_withdraws_the_waiver_from_the_supervisors_list(desk: Desk) -> None:
    clerk_app = make_app(desk)
    async with clerk_app.run_test(size=(80, 24)) as clerk:
        await send_waiver(clerk, clerk_app, desk, "pensioner")
        await clerk.press("escape")
        await wait_for(clerk, lambda: "Waiver withdrawn" in outcome(clerk_app))
        assert "F8 Ask supervisors" in screen_text(clerk_app)  # it can be sent again
        assert "Fee: 20.00 yuan" in static_text(clerk_app, "#reissue-fee")
    from outlet_desk.services import operators
    from outlet_desk.services.demo import training_password

    sup = operators.authenticate(desk, "super1", training_password("super1"))
    assert decisions.pending_approvals(desk, sup) == []
