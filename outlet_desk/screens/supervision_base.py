"""What the supervisor's screens share: the desk and the signed-in supervisor passed down (attributes
down), a title line, a message line, the footer, Escape for back, and the second supervisor's sign-in
for dual control. They call services only; blocking work runs in thread workers."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input

from outlet_desk.i18n import N_, _
from outlet_desk.screens.abstract import AbstractScreenMeta
from outlet_desk.services import operators
from outlet_desk.services.context import Actor, Desk
from outlet_desk.widgets.header import DeskHeader
from outlet_desk.widgets.keys import localise_bindings
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import in_desk_app
from outlet_desk.widgets.status_line import StatusLine

BASE_CSS = """
SupervisorScreen #title { height: 1; padding: 0 1; background: $primary; color: $text; text-style: bold; }
SupervisorScreen #message { height: auto; min-height: 1; padding: 0 1; color: $warning; }
SupervisorScreen #message.ok { color: $success; }
SupervisorScreen DataTable { height: 1fr; }
SupervisorScreen Input { width: 1fr; }
SupervisorScreen .row { height: auto; }
"""


class SupervisorScreen(Screen[None], metaclass=AbstractScreenMeta):
    """Base of the supervisor's screens: ``desk`` and ``actor`` come in through the constructor."""

    TITLE_MSGID = ""
    MAIN_ACTION = ""
    """The action the supervisor most likely came to this screen for: first in the palette."""
    DEFAULT_CSS = BASE_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", N_("Back"))]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        localise_bindings(self)

    def compose(self) -> ComposeResult:
        if in_desk_app(self.app):  # the desk's header line: outlet, this screen, the supervisor, the day
            yield DeskHeader(_(self.TITLE_MSGID))
        else:
            yield Static(_(self.TITLE_MSGID), id="title")
        yield from self.compose_body()
        yield Static("", id="message")
        if in_desk_app(self.app):
            yield StatusLine()  # the card reader's state stays in sight on every screen of the desk
        yield Footer(compact=True)

    @abstractmethod
    def compose_body(self) -> Iterable[Widget]:
        """The screen's own widgets, between the title and the message line."""

    def say(self, text: str, ok: bool = False) -> None:
        line = self.query_one("#message", Static)
        line.update(text)
        line.set_class(ok, "ok")

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class CoSigner(Horizontal):
    """The second supervisor signs in here when a rule needs two (dual control); left empty otherwise."""

    DEFAULT_CSS = "CoSigner { height: auto; }"

    def __init__(self, who: str = "", *, compact: bool = False) -> None:
        """``who``: the user name field's prompt (default: a second supervisor, if needed)."""
        super().__init__()
        self._who = who
        self._compact = compact

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._who or _("Second supervisor (if needed)"), id="co-user", compact=self._compact)
        yield Input(placeholder=_("Their password"), password=True, id="co-password", compact=self._compact)

    def actor(self, desk: Desk) -> Actor | None:
        """The co-signer, signed in now (raises the sign-in refusal), or None when left empty."""
        username = self.query_one("#co-user", Input).value.strip()
        if not username:
            return None
        password = self.query_one("#co-password", Input).value
        self.query_one("#co-password", Input).value = ""
        return operators.authenticate(desk, username, password)


class DayScreen(SupervisorScreen):
    """A supervisor's screen about one day of the outlet: today (the outlet's local date) unless given."""

    def __init__(self, desk: Desk, actor: Actor, day: date | None = None) -> None:
        super().__init__(desk, actor)
        self.day = day or desk.local_now().date()

    load: Callable[[date], object]
    """Read and show a day: a screen that moves between days (:data:`DAY_KEYS`) has it (a worker, most often)."""

    def action_day(self, step: int) -> None:
        self.day += timedelta(days=step)
        self.load(self.day)

    def action_today(self) -> None:
        self.day = self.desk.local_now().date()
        self.load(self.day)


DAY_KEYS: list[BindingType] = [
    Binding("left_square_bracket", "day(-1)", N_("Day before")),
    Binding("right_square_bracket", "day(1)", N_("Day after")),
    Binding("t", "today", N_("Today")),
    Binding("escape", "back", N_("Back")),
]
"""The keys of a screen that moves between days: [ and ] a day back and on, t today, Esc back."""
