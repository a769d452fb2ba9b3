"""Signing in, and creating the first administrator of an empty database."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Role
from outlet_desk.i18n import N_, _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.base import DeskScreen
from outlet_desk.services.context import Actor
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import Label, Static


class SignInDone(Answer[Actor]):
    """The sign-in worker's answer: an operator, or the refusal's message."""


def field(label: str, widget: Widget) -> Iterable[Widget]:
    yield Label(label, classes="field-label")
    yield widget


class LoginScreen(DeskScreen):
    TITLE_MSGID = N_("Sign in")
    SHOW_FOOTER = False
    CSS_PATH = "login.tcss"

    def __init__(self, message: str = "") -> None:
        super().__init__()
        self.message = message
        self.waiting: tuple[str, str] | None = None
        """User name and password typed before the store was open: signed in as soon as it is."""

    def compose_body(self) -> Iterable[Widget]:
        with Vertical(id="login-box"):
            yield Static(_("Sign in to the desk"), classes="section-title")
            yield from field(_("User name"), Input(id="username", max_length=32))
            yield from field(_("Password"), Input(id="password", password=True, max_length=128))
            yield Static(self.message, id="login-message", classes="problem")
            yield Static(_("Enter: next field / sign in"), classes="hint")
            yield Static("", id="sign-in-hint", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()
        if self.desk_app.desk_is_open:
            self.desk_ready()

    def desk_ready(self) -> None:
        """The store is open (the app calls this once it is): an empty one needs its administrator
        first; a sign-in typed meanwhile goes ahead."""
        from outlet_desk.services import operators

        if operators.count_operators(self.desk_app.desk) == 0:
            self.app.switch_screen(CreateAdminScreen())
            return
        hint = self.query_one("#sign-in-hint", Static)
        hint.update(self.desk_app.sign_in_hint)
        hint.set_class(bool(self.desk_app.sign_in_hint), "shown")
        if self.waiting is not None:
            username, password = self.waiting
            self.waiting = None
            self.sign_in(username, password)

    @on(Input.Submitted, "#username")
    def _username_done(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _password_done(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        if not username:
            self.query_one("#username", Input).focus()
            return
        self.query_one("#login-message", Static).update(_("Checking…"))
        if not self.desk_app.desk_is_open:
            self.waiting = (username, self.query_one("#password", Input).value)
            return
        self.sign_in(username, self.query_one("#password", Input).value)

    @work(thread=True, exclusive=True)
    def sign_in(self, username: str, password: str) -> None:
        from outlet_desk.services import operators

        try:
            actor = operators.authenticate(self.desk_app.desk, username, password)
        except (DomainError, ServiceError) as error:  # a LoginRefused among them
            self.post_message(SignInDone(None, error.message))
        else:
            self.post_message(SignInDone(actor))

    def on_sign_in_done(self, message: SignInDone) -> None:
        password = self.query_one("#password", Input)
        password.value = ""
        if message.value is None:
            self.query_one("#login-message", Static).update(message.problem)
            password.focus()
            return
        self.desk_app.signed_in(message.value)


class CreateAdminScreen(DeskScreen):
    """An empty database: the first operator is the administrator, created here."""

    TITLE_MSGID = N_("First start")
    SHOW_FOOTER = False
    CSS_PATH = "login.tcss"

    def compose_body(self) -> Iterable[Widget]:
        with Vertical(id="login-box"):
            yield Static(_("This outlet has no operators yet. Create the administrator."), classes="section-title")
            yield from field(_("User name"), Input("admin", id="username", max_length=32))
            yield from field(_("Display name"), Input(_("Administrator"), id="display", max_length=100))
            yield from field(_("Password (at least 12 characters)"), Input(id="password", password=True))
            yield from field(_("Password again"), Input(id="password2", password=True))
            yield Static("", id="login-message", classes="problem")
            yield Static(_("Enter: next field / create and sign in"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["username", "display", "password", "password2"]
        index = order.index(event.input.id or "username")
        if index + 1 < len(order):
            self.query_one(f"#{order[index + 1]}", Input).focus()
            return
        values = {name: self.query_one(f"#{name}", Input).value for name in order}
        if values["password"] != values["password2"]:
            self.query_one("#login-message", Static).update(_("The two passwords differ; type them again."))
            self.query_one("#password2", Input).value = ""
            self.query_one("#password", Input).focus()
            return
        self.create(values["username"], values["display"], values["password"])

    @work(thread=True, exclusive=True)
    def create(self, username: str, display: str, password: str) -> None:
        from outlet_desk.services import operators

        desk = self.desk_app.desk
        try:
            operators.add_operator(desk, None, username, display, Role.ADMIN, password)
            actor = operators.authenticate(desk, username, password)
        except (DomainError, ServiceError) as error:
            self.post_message(SignInDone(None, error.message))
        else:
            self.post_message(SignInDone(actor))

    def on_sign_in_done(self, message: SignInDone) -> None:
        if message.value is None:
            self.query_one("#login-message", Static).update(message.problem)
            return
        self.desk_app.signed_in(message.value)
