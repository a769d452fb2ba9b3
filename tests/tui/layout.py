"""What a clerk would see as a broken screen, read from the running app: a footer or task bar that does not fit
its line, text cut off (a widget clipped by its container, a text taller or wider than its box, a table column
cut at the edge), a line that starts with closing punctuation, a number on one line and its unit on the next,
an ASCII colon after Chinese text ("读卡器: 无卡" for "读卡器：无卡")."""

from __future__ import annotations

import re
from itertools import pairwise

from rich.cells import cell_len
from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets._footer import FooterKey

from outlet_desk.widgets.header import DeskHeader
from outlet_desk.widgets.line_breaking import CLOSING
from tests.tui.conftest import screen_text

UNITS = ("元", "yuan")
COLON_AFTER_CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]:")
FRAME = " │┃║▏▕▌▐|"
"""What a line may start with before its text: spaces and the borders of boxes."""


def layout_problems(app: App[object]) -> list[str]:
    """Every layout problem on the screen now, each named with the widget or the line."""
    return [*_clipped(app), *_overfull(app), *_cut_columns(app), *_covered_status(app), *_cut_placeholders(app),
            *_line_starts(screen_text(app)), *_ascii_colons(screen_text(app))]


def screen_problems(app: App[object]) -> list[str]:
    """The layout problems of the screen now, and a missing header line (the screen under a dialog counts)."""
    problems = layout_problems(app)
    screen = app.screen_stack[-2] if isinstance(app.screen, ModalScreen) else app.screen
    if not screen.query(DeskHeader):
        problems.append(f"{type(screen).__name__} has no header line")
    return problems


def _name(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__


def _clipped(app: App[object]) -> list[str]:
    """Widgets drawn only in part: their container (or the terminal) cuts them off."""
    problems = []
    for widget, geometry in app.screen._compositor.full_map.items():
        if not widget.display or not widget.visible or isinstance(widget, DataTable) or widget.is_scrollable:
            continue
        if not isinstance(widget, Static | FooterKey | Footer) and widget.children:
            continue
        if _in_scrolled_view(widget):
            continue  # a form that scrolls, its scroll bar in sight: the rest is one scroll away
        region, shown = geometry.region, geometry.region.intersection(geometry.clip)
        if region.area and shown.size != region.size:
            problems.append(f"{_name(widget)} is cut off: {shown.size} of {region.size} shown")
    return problems


def _in_scrolled_view(widget: Widget) -> bool:
    return any(isinstance(node, Widget) and node.is_scrollable and node.show_vertical_scrollbar
               for node in widget.ancestors)


def _overfull(app: App[object]) -> list[str]:
    """Texts that need more lines than their box has, or more columns on a line that may not wrap."""
    problems = []
    for widget in app.screen.query(Static):
        if not widget.display or not widget.region.area:
            continue
        box = widget.content_region
        visual = widget.visual
        if isinstance(visual, Content | Text) and _no_wrap(widget):
            widest = max((cell_len(line) for line in str(visual.plain).splitlines()), default=0)
            if widest > box.width:
                problems.append(f"{_name(widget)} is cut at the right: {widest} columns in {box.width}")
            continue
        needed = widget.get_content_height(widget.size, app.size, box.width)
        if needed > box.height:
            problems.append(f"{_name(widget)} is cut at the bottom: {needed} lines in {box.height}")
    return problems


def _no_wrap(widget: Static) -> bool:
    source = widget.content
    return widget.styles.text_wrap == "nowrap" or (isinstance(source, Text) and bool(source.no_wrap))


def _cut_placeholders(app: App[object]) -> list[str]:
    """Empty fields whose hint is longer than the field: the clerk reads half of what to type."""
    problems = []
    for field in app.screen.query(Input):
        if field.display and field.region.area and not field.value and field.placeholder:
            width = field.content_region.width
            if cell_len(field.placeholder) > width:
                problems.append(f"{_name(field)}'s hint is cut: {cell_len(field.placeholder)} columns in {width}")
    return problems


def _cut_columns(app: App[object]) -> list[str]:
    """Tables whose columns run past their right edge (the last ones cut, with no sign of it)."""
    problems = []
    for table in app.screen.query(DataTable):
        if table.display and table.region.area and table.virtual_size.width > table.scrollable_content_region.width:
            problems.append(f"{_name(table)} is cut at the right: {table.virtual_size.width} columns in "
                            f"{table.scrollable_content_region.width}")
    return problems


def _covered_status(app: App[object]) -> list[str]:
    """A dialog drawn over the reader line of the screen under it (the clerk no longer sees the reader)."""
    if not isinstance(app.screen, ModalScreen) or len(app.screen_stack) < 2:
        return []
    under = app.screen_stack[-2].query("#status-line")
    if not under:
        return []
    status = under.first(Static)
    said = str(status.render()).strip()[:20]
    shown = screen_text(app).splitlines()[status.region.y]
    return [] if said in shown else [f"the reader line ({said!r}) is covered: {shown.strip()!r}"]


def _line_starts(text: str) -> list[str]:
    problems = []
    lines = text.splitlines()
    for before, line in pairwise(lines):
        start = line.lstrip(FRAME)
        if start[:1] in CLOSING and start[:1] not in ".":
            problems.append(f"a line starts with {start[:1]!r}: {line.strip()!r}")
        if start.startswith(UNITS) and before.rstrip(FRAME)[-1:].isdigit():
            problems.append(f"a number is split from its unit: {before.strip()!r} / {line.strip()!r}")
    return problems


def _ascii_colons(text: str) -> list[str]:
    return [f"an ASCII colon after Chinese text: {line.strip()!r}" for line in text.splitlines()
            if COLON_AFTER_CHINESE.search(line)]
