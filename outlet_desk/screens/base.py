"""What every signed-in screen has: the header line, the reader/status line and the footer."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from outlet_desk.i18n import _
from outlet_desk.screens.abstract import AbstractScreenMeta
from outlet_desk.screens.palette import footer_commands
from outlet_desk.widgets.header import DeskHeader
from outlet_desk.widgets.keys import localise_bindings
from outlet_desk.widgets.shell import DeskShell, shell
from outlet_desk.widgets.status_line import StatusLine
from outlet_desk.widgets.task_bar import TaskBar

if TYPE_CHECKING:
    from outlet_desk.services.context import Actor


class DeskScreen(Screen[None], metaclass=AbstractScreenMeta):
    TITLE_MSGID = ""
    MAIN_ACTION = ""
    """The action the operator most likely came to this screen for: first in the palette."""
    SHOW_FOOTER = True
    """False for screens without keys of their own (the task bar and the palette key suffice)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localise_bindings(self)

    @property
    def desk_app(self) -> DeskShell:
        return shell(self.app)

    @property
    def operator(self) -> Actor:
        actor = self.desk_app.actor
        assert actor is not None, "a signed-in screen without an operator"
        return actor

    def compose(self) -> ComposeResult:
        yield DeskHeader(_(self.TITLE_MSGID) if self.TITLE_MSGID else "")
        yield from self.compose_body()
        with Vertical(id="desk-bottom"):
            yield StatusLine()
            session = self.desk_app.session
            if session is not None and not session.locked:
                yield TaskBar(palette_key=not self.SHOW_FOOTER)
            if self.SHOW_FOOTER:
                yield Footer(compact=True)

    @on(events.ScreenResume)
    def _refresh_task_bar(self) -> None:
        """Coming back to this screen: Back may apply now, or no longer; a visit may have opened or ended."""
        for bar in self.query(TaskBar):
            bar.refresh()
        self.refresh_header()

    def refresh_header(self) -> None:
        for header in self.query(DeskHeader):
            header.refresh_text()

    @abstractmethod
    def compose_body(self) -> Iterable[Widget]:
        """The screen's own widgets, between the header line and the status line."""

    def owns_key(self, key: str) -> bool:
        """The screen binds ``key`` to a task of its own that this operator may do (even if not now): the
        desk's main task on that key (F6 hotline) then never runs here in its place."""
        return any(self.check_action(b.action, ()) is not False for b in self._bindings.key_to_bindings.get(key, ()))

    def desk_commands(self) -> Iterable[SystemCommand]:
        """Commands of this screen for the palette (besides the main tasks): the footer's keys that apply."""
        return footer_commands(self)
