"""What the counter tasks share: the card in the reader, the second operator's signature, the receipt."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.errors import ReaderError
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.notice import NoticeScreen
from outlet_desk.services import operators
from outlet_desk.services.context import Actor
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.receipts import ReceiptData, SavedReceipt, render_text, save_receipt
from outlet_desk.widgets.keys import localise_bindings
from outlet_desk.widgets.plain import Label, Static
from outlet_desk.widgets.shell import DeskShell, shell

if TYPE_CHECKING:
    from textual.app import App

REFUSALS = (DomainError, ServiceError, ReaderError)
"""Everything a counter task can be refused with; each carries a message a clerk can act on."""


class CardOps(Protocol):
    """The reader operations a task needs (the reader supervisor has them)."""

    def last_card(self, reader: str | None = None) -> CardData | None: ...

    def read_card(self, reader: str | None = None, timeout: float | None = None) -> CardData: ...

    def verify_pin(self, pin: str, reader: str | None = None, timeout: float | None = None) -> None: ...

    def change_pin(self, old_pin: str, new_pin: str, reader: str | None = None,
                   timeout: float | None = None) -> None: ...

    def personalise(self, data: CardData, issuer_key: Any, reader: str | None = None,
                    timeout: float | None = None) -> CardData: ...

    def pin_tries_left(self, reader: str | None = None, timeout: float | None = None) -> int: ...

    def reset_pin(self, new_pin: str, issuer: Any, reader: str | None = None,
                  timeout: float | None = None) -> None: ...


def card_ops(app: DeskShell) -> CardOps | None:
    """The reader's operations, or None when the desk has no reader."""
    return cast("CardOps | None", getattr(app.reader, "supervisor", None))


class ChipRead(Message):
    """The card in the reader was read while a task waits for a card (the app routes it here)."""

    def __init__(self, card: CardData) -> None:
        super().__init__()
        self.card = card


class ChipGone(Message):
    """The card was pulled out while a task had it."""


def refusal_text(error: Exception) -> str:
    return str(getattr(error, "message", "")) or str(error)


class SignedBy(Answer[Actor]):
    """The second operator who signed, or why the signature was refused."""


class CoSignScreen(ModalScreen[Actor | None]):
    """A second operator signs in at this terminal to approve one action; never the same operator."""

    DEFAULT_CSS = """
    CoSignScreen { align: center middle; }
    #cosign-box { width: 60; max-width: 100%; height: auto; padding: 1 2; border: round $warning;
                  background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, purpose: str, maker: Actor, may_sign: Callable[[Actor], None] | None = None) -> None:
        """``may_sign(signer)`` raises the refusal when the rule of the action does not let them sign (another
        clerk for a fee waiver, say): they are told here, at once, not when the action is saved."""
        super().__init__()
        localise_bindings(self)
        self.purpose = purpose
        self.maker = maker
        self.may_sign = may_sign

    def compose(self) -> ComposeResult:
        with Vertical(id="cosign-box"):
            yield Static(Text(self.purpose, style="bold"))
            yield Static(_("A second operator signs here; {name} cannot sign for themselves.").format(
                name=self.maker.display_name), classes="hint")
            yield Label(_("User name"))
            yield Input(id="cosign-user", max_length=32)
            yield Label(_("Password"))
            yield Input(id="cosign-password", password=True, max_length=128)
            yield Static("", id="cosign-message", classes="problem")
            yield Static(_("Enter: sign   Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#cosign-user", Input).focus()

    @on(Input.Submitted, "#cosign-user")
    def _user_done(self) -> None:
        self.query_one("#cosign-password", Input).focus()

    @on(Input.Submitted, "#cosign-password")
    def _password_done(self) -> None:
        username = self.query_one("#cosign-user", Input).value.strip()
        if username.lower() == self.maker.username:
            self.query_one("#cosign-message", Static).update(_("The second operator must be someone else."))
            return
        self.sign(username, self.query_one("#cosign-password", Input).value)

    @work(thread=True, exclusive=True)
    def sign(self, username: str, password: str) -> None:
        app = shell(self.app)
        try:
            signer = operators.authenticate(app.desk, username, password)
            if self.may_sign is not None:
                self.may_sign(signer)
            self.post_message(SignedBy(signer))
        except REFUSALS as error:
            self.post_message(SignedBy(None, refusal_text(error)))

    def on_signed_by(self, message: SignedBy) -> None:
        self.query_one("#cosign-password", Input).value = ""
        if message.value is None:
            self.query_one("#cosign-message", Static).update(message.problem)
            return
        self.dismiss(message.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReceiptSaved(Answer[SavedReceipt]):
    """Where the receipt was saved and whether it printed, or why it could not be saved."""


class ReceiptScreen(NoticeScreen):
    """The task is done: its receipt, where it was saved, whether it printed, and what to say."""

    DEFAULT_CSS = "#receipt-box { border: round $success; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "close", N_("Done")), Binding("escape", "close", N_("Done")),
        Binding("r", "rules", N_("Rules sheet")),
    ]

    def __init__(self, receipt: ReceiptData, say: str = "", *, offer_rules: bool = False) -> None:
        super().__init__()
        self.receipt = receipt
        self.say = say
        self.offer_rules = offer_rules
        """The end of a loss report or a reissue: the rules sheet is offered to the citizen (R)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="receipt-box"):
            if self.say:
                yield Static(Text(self.say, style="bold"), id="receipt-say")
            yield Static(render_text(self.receipt), id="receipt-text")
            yield Static(_("Saving the receipt…"), id="receipt-saved", classes="hint")
            if self.offer_rules:
                yield Static(_("R: the rules for the citizen, to read and print"), id="receipt-rules", classes="hint")
            yield Static(_("Enter: done"), classes="hint")

    def on_mount(self) -> None:
        self.save()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.offer_rules if action == "rules" else True

    def action_rules(self) -> None:
        from outlet_desk.screens.rules import RulesScreen

        self.app.push_screen(RulesScreen())

    @work(thread=True, exclusive=True)
    def save(self) -> None:
        app = shell(self.app)
        try:
            self.post_message(ReceiptSaved(save_receipt(app.desk, self.receipt)))
        except (OSError, RuntimeError, ValueError) as error:
            self.post_message(ReceiptSaved(None, str(error)))

    def on_receipt_saved(self, message: ReceiptSaved) -> None:
        line = self.query_one("#receipt-saved", Static)
        if message.value is None:
            line.update(Text(_("The receipt could not be saved: {e}. Its code still verifies.").format(
                e=message.problem), style="bold red"))
            return
        text = _("Saved: {path}").format(path=message.value.pdf_path.name)
        if message.value.printed:
            text += "  " + _("Printed.")
        elif message.value.print_error:
            text += "  " + message.value.print_error
        line.update(text)


def show_receipt(app: App[Any], receipt: ReceiptData, say: str = "",
                 then: Callable[[None], None] | None = None, *, offer_rules: bool = False) -> None:
    app.push_screen(ReceiptScreen(receipt, say, offer_rules=offer_rules), then)
