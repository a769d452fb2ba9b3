"""The line above the footer: the card reader's state, always visible, and the idle-lock countdown."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from outlet_desk.i18n import _, colon
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import shell


class StatusLine(Static):
    reader_text: reactive[str] = reactive("")
    holder: reactive[str] = reactive("")
    training: reactive[bool] = reactive(False)
    lock_in: reactive[int] = reactive(0)
    """Seconds to the idle lock while the countdown shows, else 0."""

    def __init__(self) -> None:
        super().__init__(id="status-line")

    def on_mount(self) -> None:
        self.watch(self.app, "reader_text", self._set_reader)
        self.watch(self.app, "reader_holder", self._set_holder)
        self.watch(self.app, "lock_in", self._set_lock_in)
        self.training = shell(self.app).reader_is_training()

    def _set_reader(self, value: str) -> None:
        self.reader_text = value

    def _set_holder(self, value: str) -> None:
        self.holder = value

    def _set_lock_in(self, value: int) -> None:
        self.lock_in = value

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" " + _("Reader") + colon(), style="bold")
        text.append(self.reader_text or _("no reader"))
        if self.holder:
            text.append(" · " + self.holder, style="bold")
        if self.training:
            text.append(" (" + _("training reader") + ")", style="italic")
        if self.lock_in:
            text.append("  ")
            text.append(" " + _("Locks in {n} s: press any key").format(n=self.lock_in) + " ", style="reverse bold")
        return text
