"""The main tasks' F-keys, always on one line of their own (the footer below keeps the screen's keys).

A key the operator may not use is left out; one that does not apply here (Back on the home screen) is
shown dimmed. Labels are measured in cells (a Chinese character takes two): when the line would not fit
the terminal, dimmed keys go first, then the palette's ^P, then the spacing tightens, so no key is ever cut off.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from outlet_desk.i18n import _
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.tasks import TASKS, task_title

PALETTE_KEY = "^P"


class TaskBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"task-bar--key"}

    def __init__(self, palette_key: bool = False) -> None:
        super().__init__(id="task-bar")
        self.palette_key = palette_key
        """Also show the command palette's key (on screens without a footer)."""

    def entries(self) -> list[tuple[str, str, bool]]:
        """(key, title, applies now) for each main task this operator may use."""
        out = []
        for task in TASKS:
            state = self.app.check_action(task.action, ())
            if state is not False:
                out.append((task.key.upper(), task_title(task), bool(state)))
        if self.palette_key:
            out.append((PALETTE_KEY, _("palette"), True))
        return out

    def render(self) -> Text:
        width = self.size.width or 80
        entries = self.entries()
        gap, inner = "  ", " "
        if _width(entries, gap, inner) > width:
            entries = [e for e in entries if e[2]]  # first the keys that do not apply here
        if _width(entries, gap, inner) > width:
            entries = [e for e in entries if e[0] != PALETTE_KEY]  # then ^P (it still works)
        for tighter_gap, tighter_inner in ((" ", " "), (" ", "")):
            if _width(entries, gap, inner) <= width:
                break
            gap, inner = tighter_gap, tighter_inner
        key_style = self.get_component_rich_style("task-bar--key")
        dim = Style(dim=True)
        text = Text(no_wrap=True, overflow="ellipsis")
        for key, title, applies in entries:
            text.append(gap[:1])
            text.append(key, style=key_style if applies else dim)
            text.append(inner + title, style=Style() if applies else dim)
            text.append(gap[1:])
        return text


def _width(entries: list[tuple[str, str, bool]], gap: str, inner: str) -> int:
    return sum(cell_len(key) + cell_len(inner) + cell_len(title) + len(gap) for key, title, _ in entries)
