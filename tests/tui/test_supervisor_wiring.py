"""The supervisor's screens reached from the desk: F11 for a supervisor, F7 (report) for an auditor;
a clerk has neither, and the reader's state stays on screen."""

from __future__ import annotations

from outlet_desk.app import make_app
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.report import ReportScreen
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.services.context import Desk
from tests.tui.conftest import screen_text, settle, sign_in, wait_for


async def test_supervisor_opens_the_supervisor_home_with_f11(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "super1")
        await pilot.press("f11")
        await wait_for(pilot, lambda: isinstance(app.screen, SupervisorHomeScreen))
        await settle(pilot)
        assert "Reader" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_auditor_reads_the_daily_report_with_f7(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "audit1")
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))


async def test_a_clerk_has_no_supervisor_tasks(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        await pilot.press("f11", "f7")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
