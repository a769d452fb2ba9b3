"""The locked screen: nothing of the work shows; the same operator unlocks, another can only log them out."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import N_, _
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.login import field
from outlet_desk.services import operators, session
from outlet_desk.services.context import Actor
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import Static


class UnlockDone(Message):
    def __init__(self, actor: Actor | None, refusal: str = "", taken_over: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.refusal = refusal
        self.taken_over = taken_over


class LockScreen(DeskScreen):
    TITLE_MSGID = N_("Locked")
    SHOW_FOOTER = False
    CSS_PATH = "login.tcss"

    def __init__(self, locked: Actor) -> None:
        super().__init__()
        self.locked = locked

    def compose_body(self) -> Iterable[Widget]:
        with Vertical(id="login-box"):
            yield Static(_("The screen is locked. {name} can unlock it with their password.").format(
                name=self.locked.display_name), classes="section-title", id="lock-title")
            yield from field(_("User name"), Input(self.locked.username, id="username", max_length=32))
            yield from field(_("Password"), Input(id="password", password=True, max_length=128))
            yield Static("", id="login-message", classes="problem")
            yield Static(_("Another operator signing in here logs {name} out; their unfinished work is "
                           "discarded.").format(name=self.locked.display_name), classes="hint")
            yield Static("", id="logout-countdown", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()
        self.set_interval(1.0, self.show_countdown)
        self.show_countdown()

    def show_countdown(self) -> None:
        app = self.desk_app
        if app.session is None:
            return
        left = app.session.status(app.clock()).seconds_left
        self.query_one("#logout-countdown", Static).update(
            _("Logged out automatically in {m} min {s} s.").format(m=left // 60, s=left % 60))

    @on(Input.Submitted, "#username")
    def _username_done(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _password_done(self) -> None:
        username = self.query_one("#username", Input).value.strip().lower()
        password = self.query_one("#password", Input).value
        self.query_one("#password", Input).value = ""
        unfinished = " > ".join(type(s).__name__ for s in self.app.screen_stack[1:-1])
        self.attempt(username, password, unfinished)

    @work(thread=True, exclusive=True)
    def attempt(self, username: str, password: str, unfinished: str) -> None:
        desk = self.desk_app.desk
        try:
            if username == self.locked.username:
                self.post_message(UnlockDone(session.unlock_session(desk, self.locked, password)))
                return
            other = operators.authenticate(desk, username, password)
            if other.operator_id == self.locked.operator_id:
                self.post_message(UnlockDone(other))
                return
            session.force_logout(desk, other, self.locked, unfinished)
            self.post_message(UnlockDone(other, taken_over=True))
        except (DomainError, ServiceError) as error:
            self.post_message(UnlockDone(None, error.message))

    def on_unlock_done(self, message: UnlockDone) -> None:
        if message.actor is None:
            self.query_one("#login-message", Static).update(message.refusal)
            self.query_one("#password", Input).focus()
            return
        if message.taken_over:
            self.desk_app.signed_in(message.actor)
            self.app.notify(_("{name} was logged out; their unfinished work was discarded.").format(
                name=self.locked.display_name))
            return
        self.desk_app.unlocked()
