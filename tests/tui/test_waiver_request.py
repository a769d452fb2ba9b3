"""A fee waiver sent to the supervisors, by keyboard on two desks sharing one store: the clerk types the
reason and sends it (F8) from the reissue screen, which waits for the decision; a supervisor signed in at
another desk finds it in the supervisor home (F11) with the person, the fee and the reason, and approves
(a) or rejects with a reason (x, the reason, Enter); the clerk's screen takes the application with the fee
waived, or says why not and asks for the fee. Escape withdraws a request still waiting."""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.widgets import DataTable, Input

from outlet_desk.db.tables import Approval, ReissueRequest
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.roles import Action
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.services.approvals import decisions
from outlet_desk.services.context import Desk
from tests.tui.counter import Counter, at_the_counter, lost_without_request

SUPERVISOR = "主管 张敏"  # super1's display name in the training data


def outcome(counter: Counter) -> str:
    return counter.text("#task-outcome")


async def send_waiver(counter: Counter, desk: Desk, why: str) -> None:
    """The clerk opens the reissue of a lost card, types the waiver reason and sends it (F8)."""
    person, card = lost_without_request(desk)
    await counter.sign_in("clerk1")
    await counter.open_task(person, card, Action.APPLY_REISSUE)
    assert isinstance(counter.app.screen, ReissueScreen)
    assert "F8 Ask supervisors" in counter.screen_text()  # the footer offers it
    await counter.press("tab")  # from the amount to the waiver reason
    await counter.type(why)
    await counter.press("f8")
    await counter.wait_for_text("#task-outcome", "waiting for a decision")
    assert "Esc Withdraw waiver" in counter.screen_text()


async def supervisor_home(counter: Counter) -> SupervisorHomeScreen:
    """super1 signs in at their desk and opens the supervisor home (F11)."""
    await counter.sign_in("super1")
    await counter.press("f11")
    await counter.settle()
    screen = counter.app.screen
    assert isinstance(screen, SupervisorHomeScreen)
    return screen


async def test_a_supervisor_approves_at_their_desk_and_the_clerk_takes_the_application_without_fee(
    desk: Desk, other_desk: Desk
) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk) as clerk:
        await send_waiver(clerk, desk, "low income certificate")
        await clerk.press("f9")  # not while the supervisors have not decided
        await clerk.settle()
        assert "still with the supervisors" in outcome(clerk)
        async with at_the_counter(other_desk) as sup:
            home = await supervisor_home(sup)
            table = home.query_one("#approvals", DataTable)
            assert table.row_count == 1
            row = " ".join(str(cell) for cell in table.get_row_at(0))
            assert "fee waiver" in row and "clerk1" in row
            detail = str(home.query_one("#approval-detail").render())  # the list cuts what no longer fits
            assert "low income certificate" in detail
            assert mask_citizen_id(person.citizen_number) in detail and "20.00" in detail
            assert person.citizen_number not in row + detail
            await sup.press("a")
            await sup.settle()
            assert "approved" in str(home.query_one("#message").render())
        await clerk.wait_for_text("#task-outcome", f"Fee waived: approved by {SUPERVISOR}")
        assert "waived: approved by" in clerk.text("#reissue-fee")
        assert clerk.app.screen.query_one("#reissue-amount", Input).disabled  # no money to take
        await clerk.press("f9")
        receipt = await clerk.close_receipt()
        assert "Reissue application" in receipt
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
        approval = s.get(Approval, request.waiver_approval_id)
    assert (request.waived, request.fee_fen) == (True, 2000)
    assert approval is not None and approval.status == "used" and approval.reason.startswith("low income")


async def test_a_rejected_waiver_shows_the_supervisors_reason_and_the_fee_is_due(
    desk: Desk, other_desk: Desk
) -> None:
    async with at_the_counter(desk) as clerk:
        await send_waiver(clerk, desk, "says he is unemployed")
        async with at_the_counter(other_desk) as sup:
            home = await supervisor_home(sup)
            await sup.press("x")  # the reason is asked for
            assert home.focused is home.query_one("#decision-reason")
            await sup.type("no certificate shown")
            await sup.press("enter")
            await sup.settle()
            assert "rejected" in str(home.query_one("#message").render())
            assert home.query_one("#approvals", DataTable).row_count == 0
        await clerk.wait_for_text("#task-outcome", "Waiver rejected by")
        assert "no certificate shown" in outcome(clerk) and "fee is due" in outcome(clerk)
        assert clerk.app.screen.query_one("#reissue-amount", Input).value == "20.00"
        await clerk.press("f9")
        receipt = await clerk.close_receipt()
        assert "20.00" in receipt


async def test_escape_withdraws_the_waiver_from_the_supervisors_list(desk: Desk) -> None:
    async with at_the_counter(desk) as clerk:
        await send_waiver(clerk, desk, "pensioner")
        await clerk.press("escape")
        await clerk.wait_for_text("#task-outcome", "Waiver withdrawn")
        assert "F8 Ask supervisors" in clerk.screen_text()  # it can be sent again
        assert "Fee: 20.00 yuan" in clerk.text("#reissue-fee")
    from outlet_desk.services import operators
    from outlet_desk.services.demo import training_password

    sup = operators.authenticate(desk, "super1", training_password("super1"))
    assert decisions.pending_approvals(desk, sup) == []
