"""A checkbox that reads the same on any terminal: ``[X]`` ticked, ``[ ]`` not (no colour needed)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    @property
    def _button(self) -> Content:
        return Content.assemble(("[X]" if self.value else "[ ]", "bold"))
