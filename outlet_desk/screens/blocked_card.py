"""A blocked card was put into the reader (suspended, lost, replaced, returned, spoiled or cancelled): whatever
screen is open, this dialog names its status and holder, why a cancelled card was cancelled, and what the clerk
does with the card."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from outlet_desk.domain.card_lifecycle import status_label
from outlet_desk.i18n import N_, _
from outlet_desk.screens.notice import NoticeScreen
from outlet_desk.services.collection import PresentedCard
from outlet_desk.widgets.plain import Static


class BlockedCardScreen(NoticeScreen):
    DEFAULT_CSS = "#blocked-box { border: heavy $error; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "close", N_("Understood")), Binding("escape", "close", N_("Understood")),
    ]

    def __init__(self, card: PresentedCard, retained_rule: str) -> None:
        super().__init__()
        self.card = card
        self.retained_rule = retained_rule

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
            yield Static(_("This was recorded in the audit. Enter: understood"), classes="hint")
