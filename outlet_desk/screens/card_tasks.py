"""The counter tasks on one card of a person, each after its identity check: the formal loss report,
the withdrawal of a loss report (card found), the reissue application, and the collection of a new card.

Each screen shows who and which card it acts on, runs its service in a worker, and ends with the
receipt; then the person's record is shown again, reloaded. Screens that need the card in the reader
set ``takes_cards``: the app hands them each card read (:class:`ChipRead`) instead of opening its holder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from typing import ClassVar, Generic, Protocol, TypeVar, cast

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
from outlet_desk.domain.fees import ReissueReason, format_yuan, parse_yuan, payment_method_label, reason_label
from outlet_desk.domain.request_status import request_status_label
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.errors import PinBlocked
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.flow_support import (
    REFUSALS,
    ChipRead,
    CoSignScreen,
    card_ops,
    refusal_text,
    show_receipt,
)
from outlet_desk.services.approval_requests import RequestState
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
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.loss import (
    WITHDRAW_LOSS,
    LossResult,
    check_withdrawal_signer,
    report_loss_counter,
    withdraw_loss,
)
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.services.receipts import ReceiptData
from outlet_desk.services.records import CardNow, card_now
from outlet_desk.services.reissue import (
    ReceivedCard,
    ReissueResult,
    apply_reissue,
    check_waiver_signer,
    complete_instant_issue,
    fee_for,
    instant_card_data,
)
from outlet_desk.services.waiver import WaiverState, open_waiver, request_waiver, waiver_state, withdraw_waiver
from outlet_desk.services.withdrawal_request import (
    cancel_withdrawal,
    open_withdrawal,
    request_withdrawal,
    withdrawal_state,
)
from outlet_desk.widgets.tasks import CARD_TASKS, CardTask, task_title

REQUEST_POLL_SECONDS = 1.5
"""How often a screen asks whether the supervisors decided the request it sent (a waiver, a withdrawal)."""

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


class CardScreen(DeskScreen):
    """Work on ``card`` of ``person``: the worker that runs each step, its outcome, the record read again when
    another counter changed it, and the way back to the person's record."""

    DEFAULT_CSS = """
    .task-box { height: auto; padding: 0 1; }
    .task-box Label { margin: 1 0 0 0; color: $text-muted; }
    #task-outcome { margin: 1 0 0 0; height: auto; }
    #chip-table { height: auto; max-height: 8; }
    """
    takes_cards = False
    TASK_ID: ClassVar[str] = ""
    """The person view's task (``screens.tasks.CARD_TASKS``) this screen does: whether it still applies to the
    card after another counter changed it."""

    def __init__(self, person: PersonDetail, card: CardLine) -> None:
        super().__init__()
        self.person = person
        self.card = card
        self.busy = False
        self.replaced_by: int | None = None
        """A reissue request applied for this card meanwhile (read again after another counter changed it)."""

    @property
    def card_task(self) -> CardTask | None:
        return next((t for t in CARD_TASKS if t.id == self.TASK_ID), None)

    def task_applies(self) -> bool:
        """The task still applies to the card as it is now (its status; no reissue applied for meanwhile)."""
        task = self.card_task
        return task is None or task.offered_for(self.card)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and not self.task_applies():
            return None  # shown, but disabled: the record changed and the task no longer applies
        return True

    def summary(self) -> Text:
        text = Text()
        text.append(f"{self.person.name}  {mask_citizen_id(self.person.citizen_number)}\n", style="bold")
        text.append(_("Card {number}: {status}").format(number=self.card.card_number,
                                                        status=status_label(self.card.status)))
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
        if message.step == "reload" and isinstance(message.value, CardNow):
            self._reloaded(message.value)
            return
        if message.refusal:
            self.refuse(message.refusal)
            if isinstance(message.error, RecordChanged):
                self._reload()
                return
            self.step_refused(message.step, message.error)
            return
        self.step_done(message.step, message.value)

    # -- another counter changed the record: read it again and say what changed -----------------------------
    def _reload(self) -> None:
        desk, card_id = self.desk_app.desk, self.card.id
        self.busy = False
        self.run("reload", lambda: card_now(desk, card_id))

    def _reloaded(self, now: CardNow) -> None:
        before, self.card = self.card, now.card
        if now.replacing_request_id is not None and now.replacing_request_id != self.replaced_by:
            self.replaced_by = now.replacing_request_id
        self.query_one("#task-summary", Static).update(self.summary())
        if before.status is now.card.status:
            say = _("Another counter changed card {card} a moment ago; it is still {status}.").format(
                card=now.card.card_number, status=status_label(now.card.status))
        else:
            say = _("Another counter changed card {card} a moment ago: it was {before}, it is now {status}.").format(
                card=now.card.card_number, before=status_label(before.status), status=status_label(now.card.status))
        if self.replaced_by is not None and now.replacing_request_status is not None:
            say += " " + _("A new card has been applied for (request {id}: {status}).").format(
                id=self.replaced_by, status=request_status_label(now.replacing_request_status))
        applies = self.task_applies()
        task = self.card_task
        if applies:
            say += " " + _("Nothing was saved here: check it and try again.")
        elif task is not None:
            say += " " + _("\"{task}\" no longer applies to it: nothing was saved here. F4 goes back to the "
                          "record.").format(task=task_title(task))
        self.refresh_bindings()
        self.outcome(say, "bold yellow" if applies else "bold red")
        self.record_reloaded(applies)

    def record_reloaded(self, applies: bool) -> None:
        """The card was read again after another counter changed it; override to refresh more of the task."""

    def step_done(self, step: str, value: object) -> None:
        raise NotImplementedError

    def step_refused(self, step: str, error: Exception | None) -> None:
        """A step was refused (the message is shown); override to go back to an earlier step."""

    def finish(self, receipt: ReceiptData, say: str = "") -> None:
        """Show the receipt, then the person's record again, reloaded."""
        show_receipt(self.app, receipt, say, lambda _result: self._back_to_person())

    def _back_to_person(self) -> None:
        self.app.pop_screen()  # the person view reads the record again when it comes back (PersonScreen)

    def on_chip_read(self, message: ChipRead) -> None:
        self.card_in_reader(message.card)

    def card_in_reader(self, card: CardData) -> None:
        """A card was read while this task waits for one."""


class CardTaskScreen(CardScreen):
    """One task on ``card`` of ``person``, standing on the identity check ``check``."""

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card)
        self.check = check

    def summary(self) -> Text:
        text = super().summary()
        who = _("the holder") if self.check.presenter == "holder" else _("a proxy: {name} ({relation})").format(
            name=self.check.proxy_name, relation=self.check.proxy_relationship)
        text.append("\n" + _("At the counter: {who}; identity check no. {id}").format(who=who, id=self.check.check_id),
                    style="green")
        return text


# -- formal loss --------------------------------------------------------------------------------------
class ReportLostScreen(CardTaskScreen):
    TITLE_MSGID = N_("Report the card lost")
    TASK_ID = "report_lost"
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


# -- a request sent to the supervisors -------------------------------------------------------------------
class SentRequest(Protocol):
    """What the screen needs of a request it sent: its number and where it stands."""

    @property
    def approval_id(self) -> int: ...

    @property
    def status(self) -> str: ...


S = TypeVar("S", bound=SentRequest)


class RequestChecked(Message):
    """Where the request sent to the supervisors stands (or why that could not be found out)."""

    def __init__(self, state: SentRequest | None, refusal: str = "") -> None:
        super().__init__()
        self.state = state
        self.refusal = refusal


class RequestTaskScreen(CardTaskScreen, Generic[S]):
    """A task that may be sent to the supervisors' desks instead of being signed here: the screen asks every
    ``REQUEST_POLL_SECONDS`` in a worker for the decision while the request waits, picks up one sent earlier
    today when opened, and withdraws a request still waiting when it is left."""

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.sent: S | None = None
        """The request sent to the supervisors (pending, approved, rejected or withdrawn), if any."""

    def watch_requests(self, earlier: Callable[[], S | None]) -> None:
        """Start watching; ``earlier`` finds the request sent earlier today (not yet used), if any."""
        self._poll_timer = self.set_interval(REQUEST_POLL_SECONDS, self._poll, pause=True)
        self.check_request(earlier)

    def state_call(self, approval_id: int) -> Callable[[], S]:
        """The service call (for a worker) that says where the request stands now."""
        raise NotImplementedError

    def cancel_call(self, approval_id: int) -> Callable[[], S]:
        """The service call (for a worker) that withdraws the request still waiting."""
        raise NotImplementedError

    def task_done(self) -> bool:
        """The task was saved: a request is no longer withdrawn when the screen is left."""
        return False

    def request_changed(self, state: S) -> None:
        """The request was sent, decided or withdrawn: say so."""

    def request_open(self) -> bool:
        """A request sent to the supervisors is waiting, or approved and not yet used."""
        return self.sent is not None and self.sent.status in ("pending", "approved")

    def request_waiting(self) -> bool:
        return self.sent is not None and self.sent.status == "pending"

    def on_unmount(self) -> None:
        """Leaving the screen while the supervisors have not decided: the request leaves their list."""
        sent = self.sent
        if sent is None or sent.status != "pending" or self.task_done():
            return
        cancel = self.cancel_call(sent.approval_id)

        def withdraw() -> None:
            with suppress(*REFUSALS):  # decided meanwhile: it stays as decided, and lapses tonight unused
                cancel()

        self.app.run_worker(withdraw, thread=True, group="request-withdraw", exit_on_error=False)

    def withdraw_request(self) -> None:
        sent = self.sent
        if sent is not None:
            self.check_request(self.cancel_call(sent.approval_id))

    def _poll(self) -> None:
        sent = self.sent
        if sent is None or sent.status != "pending":
            self._poll_timer.pause()
            return
        self.check_request(self.state_call(sent.approval_id))

    @work(thread=True, exclusive=True, group="request")
    def check_request(self, call: Callable[[], S | None]) -> None:
        try:
            self.post_message(RequestChecked(call()))
        except REFUSALS as error:
            self.post_message(RequestChecked(None, refusal_text(error)))

    def on_request_checked(self, message: RequestChecked) -> None:
        if message.refusal:
            self.outcome(message.refusal, "bold red")
            return
        state, before = cast("S | None", message.state), self.sent
        if state is None or (before is not None and before.approval_id == state.approval_id
                             and before.status == state.status):
            return  # nothing sent earlier today, or no decision yet
        self.sent = state
        self.refresh_bindings()
        if state.status == "pending":
            self._poll_timer.resume()
        else:
            self._poll_timer.pause()
        self.request_changed(state)


# -- withdrawal ---------------------------------------------------------------------------------------
class WithdrawLossScreen(RequestTaskScreen[RequestState]):
    """The found card in the reader, then F9. Under dual control a second operator signs here (F9), or the
    withdrawal is sent to the supervisors' desks (F8, with where the card was found) and F9 withdraws the
    report once one approves it."""

    TITLE_MSGID = N_("Withdraw the loss report")
    TASK_ID = "withdraw_loss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "send_request", N_("Ask supervisors"), key_display="F8"),
        Binding("escape", "cancel_withdrawal", N_("Withdraw request"), key_display="Esc"),
        Binding("f9", "confirm", N_("Withdraw"), key_display="F9"),
    ]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.chip: CardData | None = None
        self.done = False

    @property
    def dual(self) -> bool:
        return WITHDRAW_LOSS in self.desk_app.desk.settings.security.dual_control

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
            desk, actor, card_id = self.desk_app.desk, self.operator, self.card.id
            self.watch_requests(lambda: open_withdrawal(desk, actor, card_id))  # one sent earlier today

    def state_call(self, approval_id: int) -> Callable[[], RequestState]:
        desk, actor = self.desk_app.desk, self.operator
        return lambda: withdrawal_state(desk, actor, approval_id)

    def cancel_call(self, approval_id: int) -> Callable[[], RequestState]:
        desk, actor = self.desk_app.desk, self.operator
        return lambda: cancel_withdrawal(desk, actor, approval_id)

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
        return (chip is not None and chip.card_number == self.card.card_number
                and chip.identification_code == (self.card.identification_code or ""))

    def _not_the_reported_card(self, chip: CardData) -> str:
        """Which of the two differs, each as the chip says and as the record says."""
        if chip.card_number != self.card.card_number:
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
        reason = self.query_one("#withdraw-reason", Input)
        why = reason.value.strip()
        if not why:
            self.refuse(_("Type where and how the card was found first, then F8."))
            reason.focus()
            return
        desk, actor, card_id, check_id = self.desk_app.desk, self.operator, self.card.id, self.check.check_id
        self.outcome(_("Sending the withdrawal to the supervisors…"))
        self.check_request(lambda: request_withdrawal(desk, actor, card_id, check_id, chip, why))

    def action_cancel_withdrawal(self) -> None:
        sent = self.sent
        if sent is None:
            return
        if sent.status == "approved":  # the supervisor's decision stands; it just goes unused (lapses tonight)
            self.sent = None
            self.refresh_bindings()
            self.outcome(_("The approved withdrawal is set aside: a second operator signs here instead (F9)."))
            return
        self.outcome(_("Withdrawing the request…"))
        self.withdraw_request()

    def request_changed(self, state: RequestState) -> None:
        if state.status == "pending":
            self.query_one("#withdraw-reason", Input).value = state.reason
            self.outcome(_("Sent to the supervisors; waiting for a decision… (Esc withdraws the request)"),
                         "bold yellow")
        elif state.status == "approved":
            self.outcome(_("Approved by {name}: F9 withdraws the report.").format(name=state.checker), "bold green")
        elif state.status == "rejected":
            self.outcome(_("Rejected by {name}: {why}. The report stays; nothing was withdrawn.").format(
                name=state.checker, why=state.decision), "bold red")
        elif state.status == "cancelled":
            self.outcome(_("Request withdrawn: the report stays."))

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
                                              partial(check_withdrawal_signer, self.operator)),
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
        self.run("withdraw", lambda: withdraw_loss(desk, actor, self.card.id, self.card.version,
                                                   self.check.check_id, chip, second, approval_id))

    def step_done(self, step: str, value: object) -> None:
        assert isinstance(value, LossResult)
        self.done = True
        self.refresh_bindings()
        say = _("The loss report is withdrawn: card {card} is in use again, all its functions restored.").format(
            card=value.card_number)
        self.outcome(say, "bold green")
        self.finish(value.receipt, say)


# -- reissue ------------------------------------------------------------------------------------------
def default_reason(status: CardStatus) -> ReissueReason:
    return {CardStatus.LOST: ReissueReason.LOST, CardStatus.DAMAGED: ReissueReason.DAMAGED}.get(
        status, ReissueReason.EXPIRED)


class ReissueScreen(RequestTaskScreen[WaiverState]):
    """The fee first; a waiver either signed here by a supervisor (F7) or sent to the supervisors' desks (F8),
    where one approves or rejects it while this screen watches for the decision."""

    TITLE_MSGID = N_("Reissue application")
    TASK_ID = "reissue"
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
        self.result: ReissueResult | None = None

    def compose_task(self) -> Iterable[Widget]:
        settings = self.desk_app.desk.settings
        reason = default_reason(self.card.status)
        yield Label(_("Reason"))
        yield Select([(reason_label(r), r.value) for r in ReissueReason], value=reason.value, allow_blank=False,
                     id="reissue-reason", compact=True)
        yield Static("", id="reissue-fee")
        yield Label(_("Paid by"))
        yield Select([(payment_method_label(method), method) for method in settings.fees.payment_methods],
                     value=settings.fees.payment_methods[0], allow_blank=False, id="reissue-method", compact=True)
        yield Label(_("Amount received (yuan)"))
        yield Input(id="reissue-amount", max_length=10)
        yield Label(_("Waiver reason (then F7 or F8)"))
        yield Input(id="reissue-waiver-reason", max_length=200)
        yield Static(_("F9: apply   F7: a supervisor signs here   F8: send to the supervisors"), classes="hint")

    def on_mount(self) -> None:
        self._show_fee()
        self.query_one("#reissue-amount", Input).focus()
        desk, actor, card_id = self.desk_app.desk, self.operator, self.card.id
        self.watch_requests(lambda: open_waiver(desk, actor, card_id))  # one sent earlier today, not yet used

    def state_call(self, approval_id: int) -> Callable[[], WaiverState]:
        desk, actor = self.desk_app.desk, self.operator
        return lambda: waiver_state(desk, actor, approval_id)

    def cancel_call(self, approval_id: int) -> Callable[[], WaiverState]:
        desk, actor = self.desk_app.desk, self.operator
        return lambda: withdraw_waiver(desk, actor, approval_id)

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
        if self.request_open():
            self.refuse(_("The waiver is with the supervisors: Escape withdraws it first."))
            return
        if self._waiver_reason() is None:
            return
        self.app.push_screen(CoSignScreen(_("Supervisor: waive the reissue fee"), self.operator,
                                        partial(check_waiver_signer, self.operator)), self._signed)

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
        sent = self.sent
        if sent is None:
            return
        if sent.status == "approved":  # the supervisor's decision stands; it just goes unused (lapses tonight)
            self.sent = None
            self._show_fee()
            self.refresh_bindings()
            self.outcome(_("The approved waiver is set aside: the fee is due."))
            return
        self.outcome(_("Withdrawing the waiver…"))
        self.withdraw_request()

    def request_changed(self, state: WaiverState) -> None:
        self._show_fee()
        if state.status == "pending":
            self.query_one("#reissue-waiver-reason", Input).value = state.waiver_reason
            self.outcome(_("Waiver sent to the supervisors; waiting for a decision… (Esc withdraws it)"),
                         "bold yellow")
        elif state.status == "approved":
            self.outcome(_("Fee waived: approved by {name}. F9 takes the application.").format(name=state.checker),
                         "bold green")
        elif state.status == "rejected":
            self.outcome(_("Waiver rejected by {name}: {why}. The fee is due.").format(
                name=state.checker, why=state.decision), "bold red")
        elif state.status == "cancelled":
            self.outcome(_("Waiver withdrawn: the fee is due."))

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

    def step_done(self, step: str, value: object) -> None:
        assert isinstance(value, ReissueResult)
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
        self.finish(value.receipt, say)

    def _write_card(self, request_id: int) -> None:
        self.app.switch_screen(WriteCardScreen(self.person, self.card, request_id))


# -- instant issuance: the blank card written at the counter -------------------------------------------------
class WriteCardScreen(CardScreen):
    """An instant reissue, paid for: a blank card goes into the reader and F9 writes the holder's data on it.
    Opened after the application's receipt, or later from the person's record (F8 on the old card) when the
    write failed or the clerk left: the application is not taken again."""

    TITLE_MSGID = N_("Write the new card")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Write card"), key_display="F9")]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, request_id: int) -> None:
        super().__init__(person, card)
        self.request_id = request_id
        self.written = False

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("Request {id} is paid for: put a blank card into the reader, then F9 writes the holder's data "
                       "on it.").format(id=self.request_id), id="write-step")
        yield Static(_("F9: write the new card"), classes="hint")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and self.written:
            return None
        return super().check_action(action, parameters)

    def action_confirm(self) -> None:
        ops = card_ops(self.desk_app)
        if ops is None:
            self.refuse(_("There is no card reader: the blank card cannot be written."))
            return
        desk, actor, request_id = self.desk_app.desk, self.operator, self.request_id

        def write() -> object:
            data = instant_card_data(desk, request_id)
            written = ops.personalise(data, desk.settings.issuer_key_path())
            return complete_instant_issue(desk, actor, request_id, written)

        self.outcome(_("Writing the new card…"))
        self.run("personalise", write)

    def step_done(self, step: str, value: object) -> None:
        assert isinstance(value, ReceivedCard)
        self.written = True
        self.refresh_bindings()
        say = _("The new card {card} is written and ready: collect it now (F9 on the record).").format(
            card=value.card_number)
        self.outcome(say, "bold green")
        self.app.notify(say)
        self._back_to_person()

    def step_refused(self, step: str, error: Exception | None) -> None:
        self.query_one("#write-step", Static).update(Text(
            _("The card was not written; request {id} stays paid for. Put a blank card into the reader and press F9 "
              "again, or come back to it later from the record (F8 on card {card}).").format(
                id=self.request_id, card=self.card.card_number), style="bold yellow"))


# -- collection ---------------------------------------------------------------------------------------
def _in_lines(value: str, width: int = 16) -> str:
    """A value too long to stand beside another on 80 columns (the 32-character chip identification code) in
    lines of ``width``, every character shown: the clerk compares it whole, never cut off."""
    if len(value) <= 18:
        return value
    return "\n".join(value[i:i + width] for i in range(0, len(value), width))


class CollectScreen(CardTaskScreen):
    """Card in the reader -> chip compared with the record -> the holder changes the PIN -> hand-over."""

    TITLE_MSGID = N_("Collect the new card")
    TASK_ID = "collect"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Hand over"), key_display="F9")]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.chip: CardData | None = None
        self.comparison: ChipComparison | None = None
        self.pin_changed = False
        self.pin_blocked = False
        self.request_id: int | None = None
        self.version = 0

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("Step 1: put the new card {card} into the reader.").format(card=self.card.card_number),
                     id="collect-step")
        yield DataTable(id="chip-table", cursor_type="none")
        with Vertical(id="pin-box"):
            yield Label(_("Step 2: the holder types the current PIN ({pin} on a new card)").format(pin=INITIAL_PIN))
            yield Input(id="pin-old", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
            yield Label(_("then a new PIN, twice"))
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
            record, chip = _in_lines(f.on_record), _in_lines(f.on_chip)
            table.add_row(f.label, record, chip,
                          Text("✓", style="bold green") if f.matches else Text("✗", style="bold red"),  # type: ignore[arg-type]
                          height=max(record.count("\n"), chip.count("\n")) + 1)
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
            if self.pin_blocked:
                self._say_pin_blocked()
                return
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
        if step == "pending-again":
            assert isinstance(value, PendingCollection)
            self.request_id, self.version = value.request_id, value.version
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
        if step == "pin" and isinstance(error, PinBlocked):
            self.pin_blocked = True
            self.query_one("#pin-box").display = False
            self._say_pin_blocked()
            self.refresh_bindings()
            return
        if step == "pin":
            for name in ("pin-old", "pin-new", "pin-again"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#pin-old", Input).focus()

    def _say_pin_blocked(self) -> None:
        self.query_one("#collect-step", Static).update(Text(
            _("The PIN of this card is blocked: do not hand it over. The holder must have it unblocked in person "
              "at the counter first."), style="bold red"))

    def record_reloaded(self, applies: bool) -> None:
        """Another counter changed the request: the card still waiting is collected with the request as it is
        now; a card handed over meanwhile is not handed over again (F9 is disabled)."""
        if applies:
            desk = self.desk_app.desk
            self.run("pending-again", lambda: pending_collection(desk, self.card.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and self.pin_blocked:
            return None
        return super().check_action(action, parameters)

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
            ops.verify_pin(old)  # a wrong PIN is refused with the tries left (WrongPin), a blocked one (PinBlocked)
            ops.change_pin(old, new)
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
