"""Cancelling the holder's cards: the holder died (a relative reports it, with the death certificate), emigrated
(with the document), or holds a duplicate card (the clerk chooses the card that stays)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Select

from outlet_desk.domain.cancellation import CancelReason
from outlet_desk.domain.card_lifecycle import is_terminal, status_label
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import AUTHORISATION_REF_MAX
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import N_, _
from outlet_desk.screens.card_tasks.base import CardTaskScreen
from outlet_desk.services.cancellation import CancellationResult, cancel_cards, refund_words
from outlet_desk.widgets.plain import Label, Static


class CancelCardScreen(CardTaskScreen):
    TITLE_MSGID = N_("Cancel the holder's cards")
    TASK_ID = Action.CANCEL_CARD
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Cancel the cards"), key_display="F9")]

    def compose_task(self) -> Iterable[Widget]:
        first = CancelReason.DEATH if self.check.presenter == Presenter.PROXY else CancelReason.EMIGRATION
        yield Label(_("Why"))
        yield Select([(r.label, r.value) for r in CancelReason], value=first.value, allow_blank=False,
                     id="cancel-reason")
        yield Label(_("Document reference (death certificate, emigration document)"), id="cancel-document-label")
        yield Input(id="cancel-document", max_length=AUTHORISATION_REF_MAX)
        yield Label(_("The card that stays"), id="cancel-keep-label")
        yield Select([(f"{c.card_number} ({status_label(c.status)})", c.id) for c in self.person.cards
                      if not is_terminal(c.status)], value=self.card.id, allow_blank=False, id="cancel-keep")
        yield Static("", id="cancel-effect")
        yield Static(_("F9: cancel the cards"), classes="hint")

    def on_mount(self) -> None:
        self._show_reason()
        self.query_one("#cancel-document", Input).focus()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self._show_reason()

    def reason(self) -> CancelReason:
        """The reason chosen (a duplicate asks for the card that stays, the others for a document)."""
        return CancelReason(str(self.query_one("#cancel-reason", Select).value))

    def _show_reason(self) -> None:
        duplicate = self.reason() is CancelReason.DUPLICATE
        for widget in ("#cancel-keep-label", "#cancel-keep"):
            self.query_one(widget).display = duplicate
        for widget in ("#cancel-document-label", "#cancel-document"):
            self.query_one(widget).display = not duplicate
        self.query_one("#cancel-effect", Static).update(
            _("Every other card of the holder is cancelled and blocked; the chosen card stays in use.") if duplicate
            else _("Every card of the holder is cancelled and blocked like a lost card; pending requests are "
                   "cancelled and a fee not yet spent is paid back."))

    def action_confirm(self) -> None:
        desk, actor, reason = self.desk_app.desk, self.operator, self.reason()
        document = self.query_one("#cancel-document", Input).value
        keep = self.query_one("#cancel-keep", Select).value if reason is CancelReason.DUPLICATE else None
        self.outcome(_("Saving…"))
        self.run(lambda: cancel_cards(desk, actor, self.card.id, self.card.version, reason, self.check.check_id,
                                      document_ref=document, keep_card_id=keep if isinstance(keep, int) else None),
                 self._cancelled)

    def _cancelled(self, result: CancellationResult) -> None:
        say = _("Cancelled: {cards}.").format(cards=", ".join(result.cancelled))
        if result.kept:
            say += " " + _("Card {card} stays in use.").format(card=result.kept)
        if result.requests_cancelled:
            say += " " + _("Requests cancelled: {ids}.").format(ids=", ".join(map(str, result.requests_cancelled)))
        if refund := refund_words(result):
            say += " " + refund
        self.outcome(say, "bold green")
        self.finish(result.receipt, say)
