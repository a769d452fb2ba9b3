"""Layout cases beyond the snapshot tests' fit check (``tests/tui/test_snapshots.py`` checks every screen of its
scenarios, in both languages and both sizes, with :func:`tests.tui.layout.screen_problems` on the same render)."""

from __future__ import annotations

from textual.widgets import Select

from outlet_desk.app import make_app
from outlet_desk.domain.fees import ReissueReason
from tests.tui.conftest import DeskFactory, screen_text
from tests.tui.test_snapshots import SCENARIOS, _steady


async def test_the_reason_list_draws_every_reason_whole(make_desk: DeskFactory) -> None:
    """The drop-down over the fields below it drew "个人信息变更" as "   人信息变更": its first character straddled
    the edge of the field under the list and was blanked."""
    desk = make_desk("zh_CN")
    app = make_app(desk)
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await SCENARIOS["reissue"](pilot, app)
        await _steady(pilot)
        app.screen.query_one("#reissue-reason", Select).focus()
        await pilot.press("enter")
        await _steady(pilot)
        shown = screen_text(app)
        for reason in ReissueReason:
            assert reason.label in shown, shown
