"""The reissue application: the reason, the fee and its payment, a waiver signed here or sent to the
supervisors; an instant card is then written on its own screen (``write_card``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Select

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.fees import (
    PAYMENT_REFERENCE_MAX,
    PaymentMethod,
    ReissueReason,
    default_reissue_reason,
    format_yuan,
    parse_yuan,
)
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.card_tasks.personal_change_form import PersonalChangeForm
from outlet_desk.screens.card_tasks.request_watch import RequestService, RequestTaskScreen, RequestWords
from outlet_desk.screens.card_tasks.write_card import WriteCardScreen
from outlet_desk.screens.flow_support import REFUSALS, CoSignScreen, refusal_text, show_receipt
from outlet_desk.services.approvals.kinds import WAIVER
from outlet_desk.services.approvals.requests import check_signer
from outlet_desk.services.approvals.waiver import (
    WaiverState,
    open_waiver,
    request_waiver,
    waiver_state,
    withdraw_waiver,
)
from outlet_desk.services.context import Actor
from outlet_desk.services.reissue import ReissueResult, apply_reissue, fee_for
from outlet_desk.widgets.plain import Label, Static


class ReissueScreen(RequestTaskScreen[WaiverState]):
    """The fee first; a waiver either signed here by a supervisor (F7) or sent to the supervisors' desks (F8),
    where one approves or rejects it while this screen watches for the decision."""

    TITLE_MSGID = N_("Reissue application")
    TASK_ID = Action.APPLY_REISSUE
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "waive", N_("Waive fee"), key_display="F7"),
        Binding("f8", "send_waiver", N_("Ask supervisors"), key_display="F8"),
        Binding("escape", "withdraw_waiver", N_("Withdraw waiver"), key_display="Esc"),
        Binding("f9", "confirm", N_("Apply"), key_display="F9"),
    ]
    takes_cards = True
    REASON_INPUT = "reissue-waiver-reason"
    SERVICE = RequestService(open_waiver, waiver_state, withdraw_waiver)
    WORDS = RequestWords(
        pending=N_("Waiver sent to the supervisors; waiting for a decision… (Esc withdraws it)"),
        approved=N_("Fee waived: approved by {name}. F9 takes the application."),
        rejected=N_("Waiver rejected by {name}: {why}. The fee is due."),
        cancelled=N_("Waiver withdrawn: the fee is due."),
        set_aside=N_("The approved waiver is set aside: the fee is due."),
        withdrawing=N_("Withdrawing the waiver…"),
    )

    waiver: Actor | None = None
    """The supervisor who signed the waiver here (F7)."""
    result: ReissueResult | None = None
    """The application, once saved."""

    def compose_task(self) -> Iterable[Widget]:
        settings = self.desk_app.desk.settings
        reason = default_reissue_reason(self.card.status, self.card.expiry_date, self.desk_app.local_today(),
                                        settings.reissue.expiry_exchange_days_before)
        yield Label(_("Reason"))
        yield Select([(r.label, r.value) for r in ReissueReason], value=reason.value, allow_blank=False,
                     id="reissue-reason", compact=True)
        yield PersonalChangeForm(self.person, id="reissue-change")
        yield Static("", id="reissue-fee")
        yield Label(_("Paid by"))
        yield Select([(method.label, method.value) for method in settings.fees.payment_methods],
                     value=settings.fees.payment_methods[0], allow_blank=False, id="reissue-method", compact=True)
        yield Label(_("Payment reference"), id="reissue-reference-label")
        yield Input(id="reissue-reference", max_length=PAYMENT_REFERENCE_MAX,
                    placeholder=_("the transaction number on the payment confirmation"))
        yield Label(_("Amount received (yuan)"))
        yield Input(id="reissue-amount", max_length=10)
        yield Label(_("Waiver reason (then F7 or F8)"))
        yield Input(id="reissue-waiver-reason", max_length=200)
        yield Static(_("F9: apply   F7: a supervisor signs here   F8: send to the supervisors"), classes="hint")

    def on_mount(self) -> None:
        self._reason_changed()
        self._show_reference()
        self.query_one("#reissue-amount", Input).focus()
        self.watch_requests()

    def task_done(self) -> bool:
        return self.result is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "withdraw_waiver":
            return self.request_open()
        if action in ("send_waiver", "waive"):
            return self.result is None and not self.request_open() and self.task_applies()
        return super().check_action(action, parameters)

    def task_applies(self) -> bool:
        return super().task_applies() and self.replaced_by is None

    def _waived_by_request(self) -> WaiverState | None:
        """The approved waiver that applies to the application as it stands (same reason), if any."""
        sent = self.sent
        return sent if sent is not None and sent.usable and sent.reissue_reason is self.reason() else None

    def reason(self) -> ReissueReason:
        return ReissueReason(str(self.query_one("#reissue-reason", Select).value))

    @on(Select.Changed, "#reissue-reason")
    def _reason_changed(self) -> None:
        """Another reason: its fee, its own fields (the changed personal data), and the refusal of the one
        before no longer stands."""
        self.query_one(PersonalChangeForm).display = self.reason() is ReissueReason.INFO_CHANGE
        if not self.request_open():
            self.outcome("")
        self._show_fee()

    def method(self) -> PaymentMethod:
        return PaymentMethod(str(self.query_one("#reissue-method", Select).value))

    @on(Select.Changed, "#reissue-method")
    def _show_reference(self) -> None:
        """The transaction reference is asked for an electronic payment only (cash has none)."""
        electronic = self.method().electronic
        self.query_one("#reissue-reference-label", Label).display = electronic
        self.query_one("#reissue-reference", Input).display = electronic

    def _show_fee(self) -> None:
        try:
            fee = fee_for(self.desk_app.desk, self.reason())
        except REFUSALS as error:
            self.refuse(refusal_text(error))
            return
        approved = self._waived_by_request()
        if fee.free:
            text = _("No fee for this reason.")
        elif self.waiver is not None:
            text = _("Fee {yuan} yuan, waived with the signature of {name}.").format(
                yuan=format_yuan(fee.amount_fen), name=self.waiver.display_name)
        elif approved is not None:
            text = _("Fee {yuan} yuan, waived: approved by {name}.").format(
                yuan=format_yuan(fee.amount_fen), name=approved.checker)
        else:
            text = _("Fee: {yuan} yuan (from the outlet's rules).").format(yuan=format_yuan(fee.amount_fen))
        self.query_one("#reissue-fee", Static).update(Text(text, style="bold"))
        waived = self.waiver is not None or approved is not None
        amount = self.query_one("#reissue-amount", Input)
        amount.value = "" if fee.free or waived else format_yuan(fee.amount_fen)
        amount.disabled = fee.free or waived

    def card_in_reader(self, card: CardData) -> None:
        """A damaged card that still answers is read: the clerk sees whether its chip still works."""
        if card.card_number == self.card.card_number:
            self.outcome(_("The old card still answers: its chip reads as card {card}.").format(card=card.card_number))
        else:
            self.outcome(_("The card in the reader is {chip}, not this card {card}.").format(
                chip=card.card_number, card=self.card.card_number), "bold red")

    def _waiver_reason(self) -> str | None:
        """The waiver reason typed, or None (the clerk is told to type it first)."""
        return self.typed_reason(_("Type the reason for the waiver first, then F7 or F8."))

    def action_waive(self) -> None:
        if self.request_open():
            self.refuse(_("The waiver is with the supervisors: Escape withdraws it first."))
            return
        if self._waiver_reason() is None:
            return
        self.app.push_screen(CoSignScreen(_("Supervisor: waive the reissue fee"), self.operator,
                                        partial(check_signer, WAIVER.signer, self.operator)), self._signed)

    def _signed(self, actor: Actor | None) -> None:
        if actor is not None:
            self.waiver = actor
            self._show_fee()
            self.outcome(_("Waiver signed by {name}. F9 applies.").format(name=actor.display_name))

    # -- the waiver sent to the supervisors --------------------------------------------------------------
    def action_send_waiver(self) -> None:
        if self.waiver is not None:
            self.refuse(_("The fee is already waived with the signature of {name}.").format(
                name=self.waiver.display_name))
            return
        why = self._waiver_reason()
        if why is None:
            return
        desk, actor, card_id, reason = self.desk_app.desk, self.operator, self.card.id, self.reason()
        self.outcome(_("Sending the waiver to the supervisors…"))
        self.check_request(lambda: request_waiver(desk, actor, card_id, reason, why))

    def action_withdraw_waiver(self) -> None:
        self.set_aside_or_withdraw()

    def request_shown(self) -> None:
        self._show_fee()

    def action_confirm(self) -> None:
        if self.result is not None:
            return  # saved: an instant card is written on its own screen, reached from the receipt or the record
        amount_text = self.query_one("#reissue-amount", Input).value.strip()
        amount = None
        if amount_text:
            try:
                amount = parse_yuan(amount_text)
            except DomainError as error:
                self.refuse(error.message)
                self.query_one("#reissue-amount", Input).focus()
                return
        if self.request_waiting():
            self.refuse(_("The waiver is still with the supervisors: wait for the decision, or Escape withdraws it "
                          "and the fee is due."))
            return
        method = self.method()
        reference = self.query_one("#reissue-reference", Input).value if method.electronic else ""
        waiver_reason = self.query_one("#reissue-waiver-reason", Input).value
        desk, actor, reason, waiver = self.desk_app.desk, self.operator, self.reason(), self.waiver
        approved = self._waived_by_request()
        approval_id = approved.approval_id if approved is not None else None
        new_data, document = (self.query_one(PersonalChangeForm).typed() if reason is ReissueReason.INFO_CHANGE
                              else (None, ""))
        self.outcome(_("Saving…"))
        self.run(lambda: apply_reissue(
            desk, actor, self.card.id, self.card.version, reason, self.check.check_id,
            payment_method=method.value, amount_paid_fen=amount, payment_reference=reference, waiver_by=waiver,
            waiver_reason=waiver_reason,
            waiver_approval_id=approval_id, new_data=new_data, change_document=document), self._applied)

    def _applied(self, value: ReissueResult) -> None:
        self.result = value
        self.refresh_bindings()
        if value.production_mode == "instant":  # the payment's receipt now, whatever happens to the blank card
            say = _("Application saved (request {id}). Paid: {yuan} yuan. Next: the new card is written here on a "
                    "blank card.").format(id=value.request_id, yuan=format_yuan(value.paid_fen))
            self.outcome(say, "bold green")
            show_receipt(self.app, value.receipt, say, lambda _result: self._write_card(value.request_id))
            return
        say = _("Application saved (request {id}); the new card is due on {due}. Paid: {yuan} yuan.").format(
            id=value.request_id, due=value.due_date.isoformat(), yuan=format_yuan(value.paid_fen))
        self.outcome(say, "bold green")
        self.finish(value.receipt, say, offer_rules=True)

    def _write_card(self, request_id: int) -> None:
        self.app.switch_screen(WriteCardScreen(self.person, self.card, request_id))
