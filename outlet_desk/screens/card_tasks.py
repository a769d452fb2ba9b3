"""The counter tasks on one card of a person, each after its identity check: the formal loss report,
the withdrawal of a loss report (card found), the reissue application, and the collection of a new card.

Each screen shows who and which card it acts on, runs its service in a worker, and ends with the
receipt; then the person's record is shown again, reloaded. Screens that need the card in the reader
set ``takes_cards``: the app hands them each card read (:class:`ChipRead`) instead of opening its holder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static

from outlet_desk.domain.card_lifecycle import CardStatus, status_label
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.fees import ReissueReason, format_yuan, parse_yuan, reason_label
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.flow_support import (
    REFUSALS,
    ChipRead,
    CoSignScreen,
    card_ops,
    refusal_text,
    show_receipt,
)
from outlet_desk.services.collection import (
    ChipComparison,
    CollectionRefused,
    CollectionResult,
    PendingCollection,
    check_chip,
    complete_collection,
    pending_collection,
)
from outlet_desk.services.context import Actor
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.loss import LossResult, report_loss_counter, withdraw_loss
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.services.receipts import ReceiptData
from outlet_desk.services.reissue import (
    ReissueResult,
    apply_reissue,
    complete_instant_issue,
    fee_for,
    instant_card_data,
)
from outlet_desk.services.waiver import WaiverState, open_waiver, request_waiver, waiver_state, withdraw_waiver

WAIVER_POLL_SECONDS = 1.5
"""How often the reissue screen asks whether the supervisors decided the waiver it sent."""

PIN_LENGTH = 6
INITIAL_PIN = "123456"


class Done(Message):
    """A worker's outcome: a value, or the refusal's message."""

    def __init__(self, step: str, value: object = None, error: Exception | None = None) -> None:
        super().__init__()
        self.step = step
        self.value = value
        self.error = error
        self.refusal = refusal_text(error) if error is not None else ""


class CardTaskScreen(DeskScreen):
    """One task on ``card`` of ``person``, standing on the identity check ``check``."""

    DEFAULT_CSS = """
    .task-box { height: auto; padding: 0 1; }
    .task-box Label { margin: 1 0 0 0; color: $text-muted; }
    #task-outcome { margin: 1 0 0 0; height: auto; }
    #chip-table { height: auto; max-height: 8; }
    """
    takes_cards = False

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__()
        self.person = person
        self.card = card
        self.check = check
        self.busy = False

    def summary(self) -> Text:
        text = Text()
        text.append(f"{self.person.name}  {mask_citizen_id(self.person.citizen_number)}\n", style="bold")
        text.append(_("Card {number}: {status}").format(number=self.card.card_number,
                                                        status=status_label(self.card.status)))
        who = _("the holder") if self.check.presenter == "holder" else _("a proxy: {name} ({relation})").format(
            name=self.check.proxy_name, relation=self.check.proxy_relationship)
        text.append("\n" + _("At the counter: {who}; identity check no. {id}").format(who=who, id=self.check.check_id),
                    style="green")
        return text

    def compose_body(self) -> Iterable[Widget]:
        with Vertical(classes="task-box"):
            yield Static(self.summary(), id="task-summary")
            yield from self.compose_task()
            yield Static("", id="task-outcome")

    def compose_task(self) -> Iterable[Widget]:
        return ()

    def outcome(self, text: str, style: str = "bold") -> None:
        self.query_one("#task-outcome", Static).update(Text(text, style=style))

    def refuse(self, text: str) -> None:
        self.busy = False
        self.outcome(text, "bold red")

    def run(self, step: str, call: Callable[[], object]) -> None:
        """Run ``call`` (a service or reader operation) in a worker; its outcome comes back as :class:`Done`."""
        if self.busy:
            return
        self.busy = True
        self._worker(step, call)

    @work(thread=True, exclusive=True)
    def _worker(self, step: str, call: Callable[[], object]) -> None:
        try:
            self.post_message(Done(step, call()))
        except REFUSALS as error:
            self.post_message(Done(step, None, error))

    def on_done(self, message: Done) -> None:
        self.busy = False
        if message.refusal:
            self.refuse(message.refusal)
            self.step_refused(message.step, message.error)
            return
        self.step_done(message.step, message.value)

    def step_done(self, step: str, value: object) -> None:
        raise NotImplementedError

    def step_refused(self, step: str, error: Exception | None) -> None:
        """A step was refused (the message is shown); override to go back to an earlier step."""

    def finish(self, receipt: ReceiptData, say: str = "") -> None:
        """Show the receipt, then the person's record again, reloaded."""
        show_receipt(self.desk_app, receipt, say, lambda _result: self._back_to_person())

    def _back_to_person(self) -> None:
        from outlet_desk.screens.person import PersonScreen

        self.app.pop_screen()
        if isinstance(self.app.screen, PersonScreen):
            self.app.screen.load(self.operator)

    def on_chip_read(self, message: ChipRead) -> None:
        self.card_in_reader(message.card)

    def card_in_reader(self, card: CardData) -> None:
        """A card was read while this task waits for one."""


# -- formal loss --------------------------------------------------------------------------------------
class ReportLostScreen(CardTaskScreen):
    TITLE_MSGID = N_("Report the card lost")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Report lost"), key_display="F9")]

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("The card is reported lost for good: it stays blocked, with all its functions, until a "
                       "new card is collected or the card is found and the report withdrawn."))
        yield Static(_("F9: report the card lost"), classes="hint")

    def action_confirm(self) -> None:
        desk, actor = self.desk_app.desk, self.operator
        self.outcome(_("Saving…"))
        self.run("report", lambda: report_loss_counter(desk, actor, self.card.id, self.card.version,
                                                       self.check.check_id))

    def step_done(self, step: str, value: object) -> None:
        assert isinstance(value, LossResult)
        say = _("Card {card} is now reported lost. A new card can be applied for now (F8 on the record).").format(
            card=value.card_number)
        if value.became_formal:
            say += " " + _("The hotline's temporary report was made formal.")
        self.outcome(say, "bold green")
        self.finish(value.receipt, say)


# -- withdrawal ---------------------------------------------------------------------------------------
class WithdrawLossScreen(CardTaskScreen):
    TITLE_MSGID = N_("Withdraw the loss report")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Withdraw"), key_display="F9")]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.chip: CardData | None = None

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("The card was found: put it into the reader. It must be the reported card {card}.").format(
            card=self.card.card_number), id="withdraw-step")
        yield Static(_("F9: withdraw the report once the card is read"), classes="hint")

    def on_mount(self) -> None:
        ops = card_ops(self.desk_app)
        last = ops.last_card() if ops is not None else None
        if last is not None:
            self.card_in_reader(last)

    def card_in_reader(self, card: CardData) -> None:
        self.chip = card
        same = card.card_number == self.card.card_number
        self.query_one("#withdraw-step", Static).update(Text(
            _("Card in the reader: {chip}.").format(chip=card.card_number) + " "
            + (_("It is the reported card: F9 withdraws the report.") if same
               else _("This is NOT the reported card {card}.").format(card=self.card.card_number)),
            style="bold green" if same else "bold red"))

    def action_confirm(self) -> None:
        if self.chip is None:
            self.refuse(_("Put the found card into the reader first."))
            return
        if "withdraw_loss" in self.desk_app.desk.settings.security.dual_control:
            self.app.push_screen(CoSignScreen(_("Second operator: withdraw the loss report"), self.operator),
                                 self._withdraw)
        else:
            self._withdraw(None)

    def _withdraw(self, second: Actor | None) -> None:
        if "withdraw_loss" in self.desk_app.desk.settings.security.dual_control and second is None:
            self.refuse(_("Not withdrawn: a second operator did not sign."))
            return
        chip = self.chip
        assert chip is not None
        desk, actor = self.desk_app.desk, self.operator
        self.outcome(_("Saving…"))
        self.run("withdraw", lambda: withdraw_loss(desk, actor, self.card.id, self.card.version,
                                                   self.check.check_id, chip, second))

    def step_done(self, step: str, value: object) -> None:
        assert isinstance(value, LossResult)
        say = _("The loss report is withdrawn: card {card} is in use again, all its functions restored.").format(
            card=value.card_number)
        self.outcome(say, "bold green")
        self.finish(value.receipt, say)


# -- reissue ------------------------------------------------------------------------------------------
def default_reason(status: CardStatus) -> ReissueReason:
    return {CardStatus.LOST: ReissueReason.LOST, CardStatus.DAMAGED: ReissueReason.DAMAGED}.get(
        status, ReissueReason.EXPIRED)


class WaiverChecked(Message):
    """Where the waiver sent to the supervisors stands (or why that could not be found out)."""

    def __init__(self, state: WaiverState | None, refusal: str = "") -> None:
        super().__init__()
        self.state = state
        self.refusal = refusal


class ReissueScreen(CardTaskScreen):
    """The fee first; a waiver either signed here by a supervisor (F7) or sent to the supervisors' desks (F8),
    where one approves or rejects it while this screen watches for the decision."""

    TITLE_MSGID = N_("Reissue application")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "waive", N_("Waive fee"), key_display="F7"),
        Binding("f8", "send_waiver", N_("Ask supervisors"), key_display="F8"),
        Binding("escape", "withdraw_waiver", N_("Withdraw waiver"), key_display="Esc"),
        Binding("f9", "confirm", N_("Apply"), key_display="F9"),
    ]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.waiver: Actor | None = None
        self.sent: WaiverState | None = None
        """The waiver sent to the supervisors (pending, approved, rejected or withdrawn), if any."""
        self.result: ReissueResult | None = None

    def compose_task(self) -> Iterable[Widget]:
        settings = self.desk_app.desk.settings
        reason = default_reason(self.card.status)
        yield Label(_("Reason"))
        yield Select([(reason_label(r), r.value) for r in ReissueReason], value=reason.value, allow_blank=False,
                     id="reissue-reason", compact=True)
        yield Static("", id="reissue-fee")
        yield Label(_("Paid by"))
        yield Select([(_(method), method) for method in settings.fees.payment_methods],
                     value=settings.fees.payment_methods[0], allow_blank=False, id="reissue-method", compact=True)
        yield Label(_("Amount received (yuan)"))
        yield Input(id="reissue-amount", max_length=10)
        yield Label(_("Waiver reason (then F7 or F8)"))
        yield Input(id="reissue-waiver-reason", max_length=200)
        yield Static(_("F9: apply   F7: a supervisor signs here   F8: send to the supervisors"), classes="hint")

    def on_mount(self) -> None:
        self._show_fee()
        self.query_one("#reissue-amount", Input).focus()
        self._poll_timer = self.set_interval(WAIVER_POLL_SECONDS, self._poll, pause=True)
        desk, actor, card_id = self.desk_app.desk, self.operator, self.card.id
        self._check_waiver(lambda: open_waiver(desk, actor, card_id))  # one sent earlier today, not yet used

    def on_unmount(self) -> None:
        """Leaving the screen while the supervisors have not decided: the request leaves their list."""
        sent = self.sent
        if sent is None or sent.status != "pending" or self.result is not None:
            return
        desk, actor = self.desk_app.desk, self.operator

        def withdraw() -> None:
            with suppress(*REFUSALS):  # decided meanwhile: it stays as decided, and lapses tonight unused
                withdraw_waiver(desk, actor, sent.approval_id)

        self.app.run_worker(withdraw, thread=True, group="waiver-withdraw", exit_on_error=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "withdraw_waiver":
            return self._waiver_open()
        if action in ("send_waiver", "waive"):
            return self.result is None and not self._waiver_open()
        return True

    def _waiver_open(self) -> bool:
        """A waiver sent to the supervisors is waiting, or approved and not yet used."""
        return self.sent is not None and self.sent.status in ("pending", "approved")

    def _waived_by_request(self) -> WaiverState | None:
        """The approved waiver that applies to the application as it stands (same reason), if any."""
        sent = self.sent
        return sent if sent is not None and sent.usable and sent.reason is self.reason() else None

    def reason(self) -> ReissueReason:
        return ReissueReason(str(self.query_one("#reissue-reason", Select).value))

    @on(Select.Changed, "#reissue-reason")
    def _reason_changed(self) -> None:
        self._show_fee()

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
        text = self.query_one("#reissue-waiver-reason", Input).value.strip()
        if not text:
            self.refuse(_("Type the reason for the waiver first, then F7 or F8."))
            self.query_one("#reissue-waiver-reason", Input).focus()
            return None
        return text

    def action_waive(self) -> None:
        if self._waiver_open():
            self.refuse(_("The waiver is with the supervisors: Escape withdraws it first."))
            return
        if self._waiver_reason() is None:
            return
        self.app.push_screen(CoSignScreen(_("Supervisor: waive the reissue fee"), self.operator), self._signed)

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
        self._check_waiver(lambda: request_waiver(desk, actor, card_id, reason, why))

    def action_withdraw_waiver(self) -> None:
        sent = self.sent
        if sent is None:
            return
        if sent.status == "approved":  # the supervisor's decision stands; it just goes unused (lapses tonight)
            self.sent = None
            self._show_fee()
            self.refresh_bindings()
            self.outcome(_("The approved waiver is set aside: the fee is due."))
            return
        desk, actor = self.desk_app.desk, self.operator
        self.outcome(_("Withdrawing the waiver…"))
        self._check_waiver(lambda: withdraw_waiver(desk, actor, sent.approval_id))

    def _poll(self) -> None:
        sent = self.sent
        if sent is None or sent.status != "pending":
            self._poll_timer.pause()
            return
        desk, actor = self.desk_app.desk, self.operator
        self._check_waiver(lambda: waiver_state(desk, actor, sent.approval_id))

    @work(thread=True, exclusive=True, group="waiver")
    def _check_waiver(self, call: Callable[[], WaiverState | None]) -> None:
        try:
            self.post_message(WaiverChecked(call()))
        except REFUSALS as error:
            self.post_message(WaiverChecked(None, refusal_text(error)))

    def on_waiver_checked(self, message: WaiverChecked) -> None:
        if message.refusal:
            self.outcome(message.refusal, "bold red")
            return
        state, before = message.state, self.sent
        if state is None or (before is not None and before.approval_id == state.approval_id
                             and before.status == state.status):
            return  # nothing sent earlier today, or no decision yet
        self.sent = state
        self.refresh_bindings()
        self._show_fee()
        if state.status == "pending":
            self.query_one("#reissue-waiver-reason", Input).value = state.waiver_reason
            self._poll_timer.resume()
            self.outcome(_("Waiver sent to the supervisors; waiting for a decision… (Esc withdraws it)"),
                         "bold yellow")
            return
        self._poll_timer.pause()
        if state.status == "approved":
            self.outcome(_("Fee waived: approved by {name}. F9 takes the application.").format(name=state.checker),
                         "bold green")
        elif state.status == "rejected":
            self.outcome(_("Waiver rejected by {name}: {why}. The fee is due.").format(
                name=state.checker, why=state.decision), "bold red")
        elif state.status == "cancelled":
            self.outcome(_("Waiver withdrawn: the fee is due."))

    def action_confirm(self) -> None:
        if self.result is not None:
            self._personalise()
            return
        amount_text = self.query_one("#reissue-amount", Input).value.strip()
        amount = None
        if amount_text:
            try:
                amount = parse_yuan(amount_text)
            except DomainError as error:
                self.refuse(error.message)
                self.query_one("#reissue-amount", Input).focus()
                return
        if self.sent is not None and self.sent.status == "pending":
            self.refuse(_("The waiver is still with the supervisors: wait for the decision, or Escape withdraws it "
                          "and the fee is due."))
            return
        method = str(self.query_one("#reissue-method", Select).value)
        waiver_reason = self.query_one("#reissue-waiver-reason", Input).value
        desk, actor, reason, waiver = self.desk_app.desk, self.operator, self.reason(), self.waiver
        approved = self._waived_by_request()
        approval_id = approved.approval_id if approved is not None else None
        self.outcome(_("Saving…"))
        self.run("apply", lambda: apply_reissue(
            desk, actor, self.card.id, self.card.version, reason, self.check.check_id,
            payment_method=method, amount_paid_fen=amount, waiver_by=waiver, waiver_reason=waiver_reason,
            waiver_approval_id=approval_id))

    def _personalise(self) -> None:
        ops, result = card_ops(self.desk_app), self.result
        assert result is not None
        if ops is None:
            self.refuse(_("There is no card reader: the blank card cannot be written."))
            return
        desk, actor = self.desk_app.desk, self.operator

        def write() -> object:
            data = instant_card_data(desk, result.request_id)
            written = ops.personalise(data, desk.settings.issuer_key_path())
            return complete_instant_issue(desk, actor, result.request_id, written)

        self.outcome(_("Writing the new card…"))
        self.run("personalise", write)

    def step_done(self, step: str, value: object) -> None:
        if step == "apply":
            assert isinstance(value, ReissueResult)
            self.result = value
            if value.production_mode == "instant":
                self.outcome(_("Application saved (request {id}). Put a blank card into the reader, then F9 writes "
                               "it.").format(id=value.request_id), "bold green")
                return
            say = _("Application saved (request {id}); the new card is due on {due}. Paid: {yuan} yuan.").format(
                id=value.request_id, due=value.due_date.isoformat(), yuan=format_yuan(value.paid_fen))
            self.outcome(say, "bold green")
            self.finish(value.receipt, say)
            return
        assert self.result is not None
        say = _("The new card {card} is written and ready: collect it now (F9 on the record).").format(
            card=getattr(value, "card_number", ""))
        self.outcome(say, "bold green")
        self.finish(self.result.receipt, say)


# -- collection ---------------------------------------------------------------------------------------
class CollectScreen(CardTaskScreen):
    """Card in the reader -> chip compared with the record -> the holder changes the PIN -> hand-over."""

    TITLE_MSGID = N_("Collect the new card")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Hand over"), key_display="F9")]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.chip: CardData | None = None
        self.comparison: ChipComparison | None = None
        self.pin_changed = False
        self.request_id: int | None = None
        self.version = 0

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("Step 1: put the new card {card} into the reader.").format(card=self.card.card_number),
                     id="collect-step")
        yield DataTable(id="chip-table", cursor_type="none")
        with Vertical(id="pin-box"):
            yield Label(_("Step 2: the holder types the current PIN (initial PIN {pin}) and a new PIN, twice").format(
                pin=INITIAL_PIN))
            yield Input(id="pin-old", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
            yield Input(id="pin-new", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
            yield Input(id="pin-again", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
        yield Static(_("F9: hand the card over once the chip matches and the PIN is changed"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#pin-box").display = False
        self.query_one("#chip-table").display = False
        desk = self.desk_app.desk
        self.run("pending", lambda: pending_collection(desk, self.card.id))

    def card_in_reader(self, card: CardData) -> None:
        if self.request_id is None or self.busy:
            return
        self.chip = card
        desk, actor, request_id = self.desk_app.desk, self.operator, self.request_id
        self.outcome(_("Comparing the chip with the record…"))
        self.run("chip", lambda: check_chip(desk, actor, request_id, card))

    def on_chip_gone(self) -> None:
        self.card_removed()

    def card_removed(self) -> None:
        """The card was pulled out: nothing was handed over; the step repeats when it comes back."""
        if self.chip is None:
            return
        self.chip = None
        self.comparison = None
        self.query_one("#collect-step", Static).update(Text(
            _("The card was taken out: put it back into the reader; nothing was handed over."), style="bold red"))

    def _show_comparison(self, comparison: ChipComparison) -> None:
        table: DataTable[str] = self.query_one("#chip-table", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Field"), _("On record"), _("On the chip"), "")
        for f in comparison.fields:
            table.add_row(f.label, f.on_record, f.on_chip,
                          Text("✓", style="bold green") if f.matches else Text("✗", style="bold red"))  # type: ignore[arg-type]
        table.display = True

    def step_done(self, step: str, value: object) -> None:
        if step == "pending":
            assert isinstance(value, PendingCollection)
            self.request_id, self.version = value.request_id, value.version
            ops = card_ops(self.desk_app)
            last = ops.last_card() if ops is not None else None
            if last is not None:
                self.card_in_reader(last)
            return
        if step == "chip":
            assert isinstance(value, ChipComparison)
            self.comparison = value
            self._show_comparison(value)
            if self.pin_changed:
                self.query_one("#collect-step", Static).update(Text(
                    _("The chip matches and the PIN was already changed: F9 hands the card over."),
                    style="bold green"))
                return
            self.query_one("#collect-step", Static).update(Text(
                _("The chip matches the record."), style="bold green"))
            self.query_one("#pin-box").display = True
            self.query_one("#pin-old", Input).focus()
            self.outcome(_("Step 2: the holder types the PIN on the keyboard (it is not shown)."))
            return
        if step == "pin":
            self.pin_changed = True
            self.query_one("#pin-box").display = False
            self.outcome(_("PIN changed on the chip. F9 hands the card over."), "bold green")
            return
        assert isinstance(value, CollectionResult)
        say = _("Card {card} is active and handed over.").format(card=value.card_number)
        if value.replaced_card_number:
            say += " " + _("The old card {old} is replaced and no longer works.").format(old=value.replaced_card_number)
        self.outcome(say, "bold green")
        self.finish(value.receipt, say)

    def step_refused(self, step: str, error: Exception | None) -> None:
        if step == "chip" and isinstance(error, CollectionRefused) and error.comparison is not None:
            self._show_comparison(error.comparison)  # side by side: what does not match, and why it stops
            self.query_one("#collect-step", Static).update(Text(
                _("Do not hand this card over."), style="bold red"))
        if step == "pin":
            for name in ("pin-old", "pin-new", "pin-again"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#pin-old", Input).focus()

    @on(Input.Submitted, "#pin-old")
    def _pin_old(self) -> None:
        self.query_one("#pin-new", Input).focus()

    @on(Input.Submitted, "#pin-new")
    def _pin_new(self) -> None:
        self.query_one("#pin-again", Input).focus()

    @on(Input.Submitted, "#pin-again")
    def _pin_again(self) -> None:
        old, new, again = (self.query_one(f"#{n}", Input).value for n in ("pin-old", "pin-new", "pin-again"))
        if len(new) != PIN_LENGTH or len(old) != PIN_LENGTH:
            self.refuse(_("A PIN has {n} digits.").format(n=PIN_LENGTH))
            return
        if new != again:
            self.refuse(_("The two new PINs differ; type them again."))
            self.query_one("#pin-new", Input).value = ""
            self.query_one("#pin-again", Input).value = ""
            self.query_one("#pin-new", Input).focus()
            return
        if new == INITIAL_PIN:
            self.refuse(_("The new PIN must not be the initial PIN."))
            return
        ops = card_ops(self.desk_app)
        if ops is None:
            self.refuse(_("There is no card reader."))
            return

        def change() -> object:
            ops.change_pin(old, new)  # a wrong PIN is refused with the tries left (WrongPin)
            return True

        self.outcome(_("Changing the PIN on the chip…"))
        self.run("pin", change)

    def action_confirm(self) -> None:
        if self.request_id is None or self.comparison is None or self.chip is None:
            self.refuse(_("Put the new card into the reader first."))
            return
        if not self.pin_changed:
            self.refuse(_("The holder must change the initial PIN first (step 2)."))
            return
        desk, actor, chip = self.desk_app.desk, self.operator, self.chip
        request_id, version = self.request_id, self.version
        self.outcome(_("Handing over…"))
        self.run("collect", lambda: complete_collection(desk, actor, request_id, version, self.check.check_id,
                                                        chip, pin_changed=True))
