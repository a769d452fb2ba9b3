"""A counter task that may be sent to the supervisors' desks instead of being signed at the counter (a fee
waiver, a withdrawal of a loss report): the request sent, the decision watched for, the request withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from textual import work
from textual.widgets import Input

from outlet_desk.domain.approvals import OPEN_APPROVALS, ApprovalStatus
from outlet_desk.i18n import _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.card_tasks.base import CardTaskScreen
from outlet_desk.screens.flow_support import REFUSALS, refusal_text
from outlet_desk.services.approvals.requests import RequestState
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.persons import CardLine, PersonDetail

REQUEST_POLL_SECONDS = 1.5
"""How often a screen asks whether the supervisors decided the request it sent (a waiver, a withdrawal)."""

S = TypeVar("S", bound=RequestState)


@dataclass(frozen=True)
class RequestWords:
    """What a screen says of its request at each turn (message ids, translated when said): ``approved`` names
    the supervisor (``{name}``), ``rejected`` also their reason (``{why}``)."""

    pending: str
    approved: str
    rejected: str
    cancelled: str
    set_aside: str
    """An approved request the clerk set aside (Escape): it goes unused and lapses tonight."""
    withdrawing: str


@dataclass(frozen=True)
class RequestService(Generic[S]):
    """The service calls of one kind of request, each with the desk and the clerk: ``earlier`` finds the request
    sent earlier today for the card (not yet used), ``state`` says where a request stands now, ``cancel``
    withdraws one still waiting."""

    earlier: Callable[[Desk, Actor, int], S | None]
    state: Callable[[Desk, Actor, int], S]
    cancel: Callable[[Desk, Actor, int], S]


class RequestChecked(Answer[RequestState]):
    """Where the request sent to the supervisors stands (or why that could not be found out)."""


class RequestTaskScreen(CardTaskScreen, Generic[S]):
    """A task that may be sent to the supervisors' desks instead of being signed here: the screen asks every
    ``REQUEST_POLL_SECONDS`` in a worker for the decision while the request waits, picks up one sent earlier
    today when opened, and withdraws a request still waiting when it is left."""

    WORDS: ClassVar[RequestWords]
    SERVICE: ClassVar[RequestService[Any]]
    REASON_INPUT: ClassVar[str]
    """The input (its id) holding the clerk's words with the request: filled in with a request picked up."""

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.sent: S | None = None
        """The request sent to the supervisors (pending, approved, rejected or withdrawn), if any."""

    def watch_requests(self) -> None:
        """Start watching, with the request sent earlier today for this card (not yet used), if any."""
        self._poll_timer = self.set_interval(REQUEST_POLL_SECONDS, self._poll, pause=True)
        desk, actor, card_id, earlier = self.desk_app.desk, self.operator, self.card.id, self.SERVICE.earlier
        self.check_request(lambda: cast("S | None", earlier(desk, actor, card_id)))

    def state_call(self, approval_id: int) -> Callable[[], S]:
        """The service call (for a worker) that says where the request stands now."""
        desk, actor, state = self.desk_app.desk, self.operator, self.SERVICE.state
        return lambda: cast("S", state(desk, actor, approval_id))

    def cancel_call(self, approval_id: int) -> Callable[[], S]:
        """The service call (for a worker) that withdraws the request still waiting."""
        desk, actor, cancel = self.desk_app.desk, self.operator, self.SERVICE.cancel
        return lambda: cast("S", cancel(desk, actor, approval_id))

    def typed_reason(self, missing: str) -> str | None:
        """The clerk's words for the request (``REASON_INPUT``), or None: then ``missing`` is said and the input
        takes the focus."""
        field = self.query_one(f"#{self.REASON_INPUT}", Input)
        text = field.value.strip()
        if not text:
            self.refuse(missing)
            field.focus()
            return None
        return text

    def task_done(self) -> bool:
        """The task was saved: a request is no longer withdrawn when the screen is left."""
        return False

    def request_shown(self) -> None:
        """The request changed or was set aside: override to show more of what depends on it."""

    def request_open(self) -> bool:
        """A request sent to the supervisors is waiting, or approved and not yet used."""
        return self.sent is not None and self.sent.status in OPEN_APPROVALS

    def request_waiting(self) -> bool:
        return self.sent is not None and self.sent.status == ApprovalStatus.PENDING

    def on_unmount(self) -> None:
        """Leaving the screen while the supervisors have not decided: the request leaves their list."""
        sent = self.sent
        if sent is None or sent.status != ApprovalStatus.PENDING or self.task_done():
            return
        cancel = self.cancel_call(sent.approval_id)

        def withdraw() -> None:
            with suppress(*REFUSALS):  # decided meanwhile: it stays as decided, and lapses tonight unused
                cancel()

        self.app.run_worker(withdraw, thread=True, group="request-withdraw", exit_on_error=False)

    def set_aside_or_withdraw(self) -> None:
        """Escape: an approved request is set aside (the decision stands; it goes unused and lapses tonight), a
        waiting one is withdrawn from the supervisors' list."""
        sent = self.sent
        if sent is None:
            return
        if sent.status == ApprovalStatus.APPROVED:
            self.sent = None
            self.request_shown()
            self.refresh_bindings()
            self.outcome(_(self.WORDS.set_aside))
            return
        self.outcome(_(self.WORDS.withdrawing))
        self.check_request(self.cancel_call(sent.approval_id))

    def _poll(self) -> None:
        sent = self.sent
        if sent is None or sent.status != ApprovalStatus.PENDING:
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
        if message.problem:
            self.outcome(message.problem, "bold red")
            return
        state, before = cast("S | None", message.value), self.sent
        if state is None or (before is not None and before.approval_id == state.approval_id
                             and before.status == state.status):
            return  # nothing sent earlier today, or no decision yet
        self.sent = state
        self.refresh_bindings()
        if state.status == ApprovalStatus.PENDING:
            self._poll_timer.resume()
        else:
            self._poll_timer.pause()
        self.request_changed(state)

    def request_changed(self, state: S) -> None:
        """The request was sent, decided or withdrawn: say so."""
        self.request_shown()
        words = self.WORDS
        if state.status == ApprovalStatus.PENDING:
            self.query_one(f"#{self.REASON_INPUT}", Input).value = state.reason
            self.outcome(_(words.pending), "bold yellow")
        elif state.status == ApprovalStatus.APPROVED:
            self.outcome(_(words.approved).format(name=state.checker), "bold green")
        elif state.status == ApprovalStatus.REJECTED:
            self.outcome(_(words.rejected).format(name=state.checker, why=state.decision), "bold red")
        elif state.status == ApprovalStatus.CANCELLED:
            self.outcome(_(words.cancelled))
