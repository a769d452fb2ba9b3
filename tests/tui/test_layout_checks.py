"""The fit check of every screen (``tests.tui.layout``) catches what a clerk would call a broken screen: shown a
screen broken on purpose, it names each fault; shown one that fits, it names none."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tests.tui.layout import layout_problems, screen_problems


class Broken(App[None]):
    CSS = """
    #tall { height: 2; }
    #wide { width: 10; text-wrap: nowrap; }
    #hint { width: 14; }
    """

    def compose(self) -> ComposeResult:
        yield Static("一\n二\n三\n四", id="tall")
        yield Static("A" * 30, id="wide")
        yield Input(placeholder="the eighteen-digit citizen number", id="hint")
        yield Static("应缴 20\n元\n，请付款\n读卡器: 无卡", id="text")


class Fits(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("应缴 20 元，请付款。", id="text")
        yield Input(placeholder="number", id="hint")


async def test_a_broken_screen_has_each_fault_named() -> None:
    app = Broken()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        problems = "\n".join(screen_problems(app))
    assert "Static#tall is cut at the bottom: 4 lines in 2" in problems, problems
    assert "Static#wide is cut at the right: 30 columns in 10" in problems, problems
    assert "Input#hint's hint is cut" in problems, problems
    assert "a number is split from its unit" in problems, problems
    assert "a line starts with '，'" in problems, problems
    assert "an ASCII colon after Chinese text" in problems, problems
    assert "has no header line" in problems, problems


async def test_a_screen_that_fits_has_no_fault() -> None:
    app = Fits()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert layout_problems(app) == []
