"""The full citizen number of the person on screen, shown only with a reason: the operator types why (the
holder asks to check it, a form needs it), the reason goes into the audit event, and the record shows the
number in full until it is left. Otherwise the record shows it masked (``services/masking``)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import REASON_MAX
from outlet_desk.i18n import N_, _
from outlet_desk.screens.answer import Answer
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.personal_reads import show_citizen_number
from outlet_desk.services.persons import PersonDetail
from outlet_desk.widgets.keys import localise_bindings
from outlet_desk.widgets.plain import Label, Static
from outlet_desk.widgets.shell import shell


class NumberShown(Answer[str]):
    """The full number, or why it cannot be shown."""


class FullNumberScreen(ModalScreen[str | None]):
    """Asks the reason for showing ``person``'s full citizen number; dismissed with the number (the read
    audited with the reason) or ``None`` (Esc: it stays masked)."""

    DEFAULT_CSS = """
    FullNumberScreen { align: center middle; }
    #full-number-box { width: 64; max-width: 100%; height: auto; padding: 1 2; border: round $warning;
                       background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, person: PersonDetail) -> None:
        super().__init__()
        localise_bindings(self)
        self.person = person

    def compose(self) -> ComposeResult:
        with Vertical(id="full-number-box"):
            yield Static(Text(_("Show {name}'s full citizen number and phone").format(name=self.person.name),
                              style="bold"))
            yield Static(_("The reason is kept in the audit trail with your name."), classes="hint")
            yield Label(_("Reason"))
            yield Input(id="full-number-reason", max_length=REASON_MAX)
            yield Static("", id="full-number-message", classes="problem")
            yield Static(_("Enter: show   Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#full-number-reason", Input).focus()

    @on(Input.Submitted, "#full-number-reason")
    def _reason_given(self, event: Input.Submitted) -> None:
        self.show(event.value)

    @work(thread=True, exclusive=True)
    def show(self, reason: str) -> None:
        app = shell(self.app)
        actor = app.actor
        if actor is None:
            return
        try:
            self.post_message(NumberShown(show_citizen_number(app.desk, actor, self.person.id, reason)))
        except (DomainError, ServiceError) as error:
            self.post_message(NumberShown(None, error.message))

    def on_number_shown(self, message: NumberShown) -> None:
        if message.value is not None:
            self.dismiss(message.value)
        else:
            self.query_one("#full-number-message", Static).update(message.problem)

    def action_cancel(self) -> None:
        self.dismiss(None)
