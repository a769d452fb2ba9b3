"""The supervisor's home says how many cards were kept past the retention period; U lists them and Enter,
Enter returns one to the issuing centre (Escape takes the question back). The training outlet, by keyboard."""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.widgets import DataTable

from outlet_desk.app import make_app
from outlet_desk.db.tables import Card
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.screens.uncollected import UncollectedScreen
from outlet_desk.services.context import Desk
from tests.clock import FakeClock
from tests.tui.conftest import settle, sign_in, static_text, wait_for


def statuses(desk: Desk) -> dict[str, str]:
    with Session(desk.engine) as s:
        cards = s.exec(select(Card).where(col(Card.status).in_(["ready", "returned"])))
        return {c.card_number: c.status for c in cards}


async def test_a_supervisor_returns_a_card_kept_past_the_retention_period(desk: Desk, clock: FakeClock) -> None:
    ready = [n for n, status in statuses(desk).items() if status == "ready"]
    assert ready
    clock.advance(days=181)  # every card ready today has now waited past the training outlet's 180 days
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "super1")
        await pilot.press("f11")
        await wait_for(pilot, lambda: isinstance(app.screen, SupervisorHomeScreen)
                       and "U lists them" in static_text(app, "#overview"))
        assert f"Cards kept past 180 days for their holders: {len(ready)}" in static_text(app, "#overview")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, UncollectedScreen)
                       and app.screen.query_one("#uncollected", DataTable).row_count == len(ready))
        table = app.screen.query_one("#uncollected", DataTable)
        first = str(table.get_row_at(0)[0])
        await pilot.press("enter")
        await settle(pilot)
        assert f"Return card {first}" in static_text(app, "#message")
        await pilot.press("escape")  # takes the question back, stays on the list
        await settle(pilot)
        assert isinstance(app.screen, UncollectedScreen) and static_text(app, "#message") == ""
        assert statuses(desk)[first] == "ready"
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: "is returned" in static_text(app, "#message"))
        await wait_for(pilot, lambda: table.row_count == len(ready) - 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: f": {len(ready) - 1} (U lists them)" in static_text(app, "#overview"))
    assert statuses(desk)[first] == "returned"
