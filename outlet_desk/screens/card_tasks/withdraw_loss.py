"""The withdrawal of a loss report when the card is found: the found card must be the reported card."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.loss import reported_card_mismatch
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.card_tasks.request_watch import RequestService, RequestTaskScreen, RequestWords
from outlet_desk.screens.flow_support import CoSignScreen, card_ops
from outlet_desk.services.approvals.kinds import WITHDRAWAL
from outlet_desk.services.approvals.requests import RequestState, check_signer
from outlet_desk.services.approvals.withdrawal import (
    cancel_withdrawal,
    open_withdrawal,
    request_withdrawal,
    withdrawal_state,
)
from outlet_desk.services.context import Actor
from outlet_desk.services.loss import LossResult, withdraw_loss, withdrawal_under_dual_control
from outlet_desk.widgets.plain import Label, Static


class WithdrawLossScreen(RequestTaskScreen[RequestState]):
    """The found card in the reader, then F9. Under dual control a second operator signs here (F9), or the
    withdrawal is sent to the supervisors' desks (F8, with where the card was found) and F9 withdraws the
    report once one approves it."""

    TITLE_MSGID = N_("Withdraw the loss report")
    TASK_ID = Action.WITHDRAW_LOSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "send_request", N_("Ask supervisors"), key_display="F8"),
        Binding("escape", "cancel_withdrawal", N_("Withdraw request"), key_display="Esc"),
        Binding("f9", "confirm", N_("Withdraw"), key_display="F9"),
    ]
    takes_cards = True
    REASON_INPUT = "withdraw-reason"
    SERVICE = RequestService(open_withdrawal, withdrawal_state, cancel_withdrawal)
    WORDS = RequestWords(
        pending=N_("Sent to the supervisors; waiting for a decision… (Esc withdraws the request)"),
        approved=N_("Approved by {name}: F9 withdraws the report."),
        rejected=N_("Rejected by {name}: {why}. The report stays; nothing was withdrawn."),
        cancelled=N_("Request withdrawn: the report stays."),
        set_aside=N_("The approved withdrawal is set aside: a second operator signs here instead (F9)."),
        withdrawing=N_("Withdrawing the request…"),
    )

    chip: CardData | None = None
    """The card in the reader, read while this screen is open."""
    done = False
    """The report was withdrawn here."""

    @property
    def dual(self) -> bool:
        return withdrawal_under_dual_control(self.desk_app.desk)

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("The card was found: put it into the reader. It must be the reported card {card}.").format(
            card=self.card.card_number), id="withdraw-step")
        if not self.dual:
            yield Static(_("F9: withdraw the report once the card is read"), classes="hint")
            return
        yield Label(_("Where and how the card was found (for the supervisors, then F8)"))
        yield Input(id="withdraw-reason", max_length=200)
        yield Static(_("F9: a second operator signs here   F8: send to the supervisors"), classes="hint")

    def on_mount(self) -> None:
        ops = card_ops(self.desk_app)
        last = ops.last_card() if ops is not None else None
        if last is not None:
            self.card_in_reader(last)
        if self.dual:
            self.query_one("#withdraw-reason", Input).focus()
            self.watch_requests()

    def task_done(self) -> bool:
        return self.done

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_request":
            return self.dual and self._reported_card_in_reader() and not self.done and not self.request_open()
        if action == "cancel_withdrawal":
            return self.request_open()
        return super().check_action(action, parameters)

    def _reported_card_in_reader(self) -> bool:
        """The card in the reader is the reported card: its card number and its chip identification code."""
        chip = self.chip
        return chip is not None and reported_card_mismatch(
            chip.card_number, chip.identification_code, self.card.card_number, self.card.identification_code) is None

    def _not_the_reported_card(self, chip: CardData) -> str:
        """Which of the two differs, each as the chip says and as the record says."""
        if reported_card_mismatch(chip.card_number, chip.identification_code, self.card.card_number,
                                  self.card.identification_code) == "card_number":
            return _("This is NOT the reported card: its card number is {chip}, the reported card's is {card}.").format(
                chip=chip.card_number, card=self.card.card_number)
        return _("This is NOT the reported card: the card number {card} is the same, but its chip identification "
                 "code is {chip}, the reported card's is {code}.").format(
            card=chip.card_number, chip=chip.identification_code, code=self.card.identification_code or "-")

    def card_in_reader(self, card: CardData) -> None:
        self.chip = card
        same = self._reported_card_in_reader()
        self.query_one("#withdraw-step", Static).update(Text(
            _("Card in the reader: {chip}.").format(chip=card.card_number) + " "
            + ((_("It is the reported card (card number and chip identification code): F9 for a second operator's "
                  "signature here, or F8 to send it to the supervisors.") if self.dual
                else _("It is the reported card (card number and chip identification code): F9 withdraws the "
                       "report.")) if same
               else self._not_the_reported_card(card)),
            style="bold green" if same else "bold red"))
        self.refresh_bindings()

    def on_chip_gone(self) -> None:
        """The card was pulled out: F9 waits until it is back (the chip read is checked again then)."""
        if self.chip is None:
            return
        self.chip = None
        self.query_one("#withdraw-step", Static).update(Text(
            _("The card was taken out: put the found card {card} back into the reader to withdraw the report.").format(
                card=self.card.card_number), style="bold yellow"))
        self.refresh_bindings()

    # -- the withdrawal sent to the supervisors ------------------------------------------------------------
    def action_send_request(self) -> None:
        chip = self.chip
        if chip is None or not self._reported_card_in_reader():
            self.refuse(_("Put the found card into the reader first; it must be the reported card."))
            return
        why = self.typed_reason(_("Type where and how the card was found first, then F8."))
        if why is None:
            return
        desk, actor, card_id, check_id = self.desk_app.desk, self.operator, self.card.id, self.check.check_id
        self.outcome(_("Sending the withdrawal to the supervisors…"))
        self.check_request(lambda: request_withdrawal(desk, actor, card_id, check_id, chip, why))

    def action_cancel_withdrawal(self) -> None:
        self.set_aside_or_withdraw()

    def action_confirm(self) -> None:
        if self.chip is None:
            self.refuse(_("Put the found card into the reader first."))
            return
        if not self._reported_card_in_reader():
            self.refuse(self._not_the_reported_card(self.chip))
            return
        if self.request_waiting():
            self.refuse(_("The withdrawal is still with the supervisors: wait for the decision, or Escape withdraws "
                          "the request."))
            return
        sent = self.sent
        if sent is not None and sent.usable:
            self._withdraw(None, sent.approval_id)
        elif self.dual:
            self.app.push_screen(CoSignScreen(_("Second operator: withdraw the loss report"), self.operator,
                                              partial(check_signer, WITHDRAWAL.signer, self.operator)),
                                 self._withdraw)
        else:
            self._withdraw(None)

    def _withdraw(self, second: Actor | None, approval_id: int | None = None) -> None:
        if self.dual and second is None and approval_id is None:
            self.refuse(_("Not withdrawn: a second operator did not sign."))
            return
        chip = self.chip
        assert chip is not None
        desk, actor = self.desk_app.desk, self.operator
        self.outcome(_("Saving…"))
        self.run(lambda: withdraw_loss(desk, actor, self.card.id, self.card.version, self.check.check_id, chip,
                                       second, approval_id),
                 self._withdrawn)

    def _withdrawn(self, result: LossResult) -> None:
        self.done = True
        self.refresh_bindings()
        say = _("The loss report is withdrawn: card {card} is in use again, all its functions restored.").format(
            card=result.card_number)
        self.outcome(say, "bold green")
        self.finish(result.receipt, say)
