"""The main tasks' F-keys, always on one line of their own (the footer below keeps the screen's keys).

A key the operator may not use is left out; one that does not apply here (Back on the home screen) is
shown dimmed. Labels are measured in cells, so Chinese labels never push a key off the line.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from outlet_desk.i18n import _
from outlet_desk.screens.tasks import TASKS, task_title


class TaskBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"task-bar--key"}

    def __init__(self, palette_key: bool = False) -> None:
        super().__init__(id="task-bar")
        self.palette_key = palette_key
        """Also show the command palette's key (on screens without a footer)."""

    def render(self) -> Text:
        key_style = self.get_component_rich_style("task-bar--key")
        text = Text(no_wrap=True, overflow="ellipsis")
        for task in TASKS:
            state = self.app.check_action(task.action, ())
            if state is False:
                continue
            dim = Style(dim=True)
            text.append(f" {task.key.upper()}", style=key_style if state else dim)
            text.append(f" {task_title(task)} ", style=Style() if state else dim)
        if self.palette_key:
            text.append(" ^P", style=key_style)
            text.append(" " + _("palette"))
        return text
