"""A blocked card was put into the reader (suspended, lost, replaced, returned, spoiled or cancelled): whatever
screen is open, this dialog names its status and holder, why a cancelled card was cancelled, and what the clerk
does with the card: R retains it (recorded, and a voucher receipt for whoever handed it in), Enter only
acknowledges it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from outlet_desk.domain.card_lifecycle import status_label
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Action, can
from outlet_desk.i18n import N_, _
from outlet_desk.screens.flow_support import show_receipt
from outlet_desk.screens.notice import NoticeScreen
from outlet_desk.services.collection import PresentedCard
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.receipts import ReceiptData
from outlet_desk.services.retained_card import retain_card
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import shell


class BlockedCardScreen(NoticeScreen):
    DEFAULT_CSS = "#blocked-box { border: heavy $error; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retain", N_("Retain, voucher")),
        Binding("enter", "close", N_("Understood")), Binding("escape", "close", N_("Understood")),
    ]

    def __init__(self, card: PresentedCard, retained_rule: str) -> None:
        super().__init__()
        self.card = card
        self.retained_rule = retained_rule
        self.retaining = False

    def compose(self) -> ComposeResult:
        c = self.card
        with Vertical(id="blocked-box"):
            yield Static(Text(_("Blocked card: {status}").format(status=status_label(c.status)),
                              style="bold red"), id="blocked-title")
            yield Static(_("Card {card}, holder {name} ({number}). This card must not be used.").format(
                card=c.card_number, name=c.holder_name, number=c.masked_citizen_number))
            if c.why:
                yield Static(c.why, id="blocked-why")
            yield Static(self.retained_rule or _("Keep the card and follow the outlet's rules for retained cards."),
                         id="blocked-rule")
            yield Static(_("This was recorded in the audit. R: retain the card and print a voucher; "
                           "Enter: understood"), classes="hint", id="blocked-hint")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retain":
            actor = shell(self.app).actor
            return actor is not None and can(actor.role, Action.RETAIN_CARD) and not self.retaining
        return True

    def action_retain(self) -> None:
        self.retaining = True
        self.refresh_bindings()
        self._retain()

    @work(thread=True, exclusive=True, group="retain")
    def _retain(self) -> None:
        app = shell(self.app)
        actor = app.actor
        if actor is None:
            return
        try:
            receipt = retain_card(app.desk, actor, self.card.card_number)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self._refused, error.message)
            return
        self.app.call_from_thread(self._retained, receipt)

    def _refused(self, message: str) -> None:
        self.retaining = False
        self.refresh_bindings()
        self.query_one("#blocked-hint", Static).update(Text(message, style="bold red"))

    def _retained(self, receipt: ReceiptData) -> None:
        self.dismiss(None)
        show_receipt(self.app, receipt, _("Card {card} is retained; give the voucher to whoever handed it in.").format(
            card=self.card.card_number))
