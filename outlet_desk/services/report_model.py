"""What a daily report holds: its figures' keys and the frozen views the report service returns, the CLI
prints and the supervisor's screen shows (the service that fills them is :mod:`outlet_desk.services.report`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.loss import LossChannel
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import Presenter
from outlet_desk.services.audit import ChainReport
from outlet_desk.services.context import Desk

SCHEMA = "outlet-desk/daily-report/1"

#: The event that completes each counter flow, and the identity-check flow it stands on.
COMPLETIONS: Mapping[str, Action] = {
    AuditAction.LOSS_REPORTED_COUNTER: Action.REPORT_LOSS_COUNTER,
    AuditAction.LOSS_MADE_FORMAL: Action.REPORT_LOSS_COUNTER,
    AuditAction.LOSS_WITHDRAWN: Action.WITHDRAW_LOSS,
    AuditAction.REISSUE_APPLIED: Action.APPLY_REISSUE,
    AuditAction.CARD_COLLECTED: Action.COLLECT_CARD,
}
#: A transaction is a completed counter flow, or a loss report taken by the hotline.
TRANSACTIONS: tuple[str, ...] = (*COMPLETIONS, AuditAction.LOSS_REPORTED_HOTLINE)
LOSS_EVENTS: Mapping[str, str] = {
    AuditAction.LOSS_REPORTED_HOTLINE: LossChannel.HOTLINE,
    AuditAction.LOSS_REPORTED_COUNTER: LossChannel.COUNTER,
    AuditAction.LOSS_MADE_FORMAL: "made_formal",
    AuditAction.LOSS_LAPSED: "lapsed",
    AuditAction.LOSS_LAPSE_ESCALATED: "lapsed",
    AuditAction.LOSS_WITHDRAWN: "withdrawn",
}
LOSS_KEYS: tuple[str, ...] = (LossChannel.HOTLINE, LossChannel.COUNTER, "made_formal", "lapsed", "withdrawn")
REASONS: tuple[str, ...] = tuple(r.value for r in ReissueReason)
PRESENTERS: tuple[str, ...] = tuple(Presenter)
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), ("over_90", 91, None),
)
DAY_ACTIONS: tuple[str, ...] = (
    *LOSS_EVENTS, AuditAction.REISSUE_APPLIED, AuditAction.CARD_COLLECTED, AuditAction.IDENTITY_CHECKED,
    AuditAction.CHIP_CHECK_FAILED, AuditAction.BLOCKED_CARD_PRESENTED, AuditAction.CARD_SPOILED,
)
TREND_SERIES: Mapping[str, tuple[str, ...]] = {
    "transactions": TRANSACTIONS,
    "loss_reports": (AuditAction.LOSS_REPORTED_HOTLINE, AuditAction.LOSS_REPORTED_COUNTER),
    "reissues": (AuditAction.REISSUE_APPLIED,),
    "collections": (AuditAction.CARD_COLLECTED,),
}
TREND_ACTIONS: tuple[str, ...] = tuple(sorted({a for actions in TREND_SERIES.values() for a in actions}))

Status = Literal["agree", "disagree"]


@dataclass(frozen=True)
class Check:
    """One figure counted from both records."""

    key: str
    audit: int
    table: int

    @property
    def status(self) -> Status:
        return "agree" if self.audit == self.table else "disagree"


@dataclass(frozen=True)
class ClerkLine:
    operator_id: int
    username: str
    display_name: str
    transactions: int
    timed: int
    """Transactions whose identity check (same operator, same person, same flow, same day) was found."""
    avg_handling_seconds: float | None


@dataclass(frozen=True)
class TrendDay:
    day: date
    transactions: int
    loss_reports: int
    reissues: int
    collections: int


@dataclass(frozen=True)
class ChainResult:
    intact: bool
    events_checked: int
    """Events recomputed: all of them (``full``), else those after the checkpoint ``since_seq``."""
    broken_seq: int | None
    problem: str
    message: str
    full: bool = True
    """True: recomputed from event 1; False: from the checkpoint at ``since_seq`` (made at ``since_at``)."""
    since_seq: int | None = None
    since_at: datetime | None = None
    last_full_at: datetime | None = None
    """When the newest full verification (the one the quick one stands on) was made; None if never."""
    checkpoint_seq: int | None = None
    """The checkpoint recorded after this verification, if any (the day close and ``audit verify`` record)."""
    witness_fingerprint: str = ""
    """The fingerprint of the witness file's line for that checkpoint (printed on the day-close report)."""

    @classmethod
    def of(cls, report: ChainReport, desk: Desk) -> ChainResult:
        since, full_cp = report.since, report.last_full
        return cls(report.intact, report.events_checked, report.broken_seq, report.problem,
                   report.message(desk.tz), report.full, since.seq if since else None,
                   since.verified_at if since else None, full_cp.verified_at if full_cp else None,
                   report.recorded.seq if report.recorded else None, report.witness_fingerprint)


@dataclass(frozen=True)
class CloseInfo:
    closed_at: datetime
    closed_by: str
    reason: str
    blockers: tuple[str, ...]


CLOSE_EDGE = timedelta(microseconds=1)
"""A closed day's report covers up to and including the instant of its close; what follows is late."""


@dataclass(frozen=True)
class LateEvent:
    """A loss report recorded on a day after that day was closed."""

    at: datetime
    action: str
    operator: str

    @property
    def loss_key(self) -> str:
        return LOSS_EVENTS[self.action]


@dataclass(frozen=True)
class AfterClose:
    """What was recorded on ``day`` after its close (loss reports are taken whatever the hour): shown on the
    next day's report under its own heading, and left out of the closed day's figures."""

    day: date
    closed_at: datetime
    events: tuple[LateEvent, ...]

    @property
    def loss_reports(self) -> Mapping[str, int]:
        counts = Counter(e.loss_key for e in self.events)
        return {k: counts[k] for k in LOSS_KEYS}


@dataclass(frozen=True)
class DailyReport:
    outlet_code: str
    outlet_name: str
    timezone: str
    day: date
    generated_at: datetime
    loss_reports: Mapping[str, int]
    reissues: Mapping[str, int]
    collections: Mapping[str, int]
    chip_check_failures: int
    blocked_cards_presented: int
    fees_taken_fen: int
    fees_waived_fen: int
    clerks: tuple[ClerkLine, ...]
    uncollected: Mapping[str, int]
    pending_temporary_losses: int
    trend: tuple[TrendDay, ...]
    reconciliation: tuple[Check, ...]
    chain: ChainResult | None
    close: CloseInfo | None = None
    after_close: AfterClose | None = None
    """What the day before recorded after its close, if it was closed and anything was."""
    spoiled_cards: int = 0
    """Cards recorded spoiled (with a witness) that day."""
    counter_services: Mapping[str, int] = field(default_factory=dict)
    """Cancellations by why and PINs reset or unblocked that day (``services/report_services.py``)."""
    fees_by_method: Mapping[str, int] = field(default_factory=dict)
    """The fees taken, by payment method (every method, 0 where none was taken): the cash in the drawer apart."""

    @property
    def disagreements(self) -> tuple[Check, ...]:
        return tuple(c for c in self.reconciliation if c.status == "disagree")

    @property
    def reissues_total(self) -> int:
        return sum(self.reissues.values())

    @property
    def uncollected_total(self) -> int:
        return sum(self.uncollected.values())


def figure_rows(report: DailyReport) -> list[tuple[str, int | float | str | None]]:
    """Every figure of the report as (key, value): the one list the CSV, the table and the screen show."""
    rows: list[tuple[str, int | float | str | None]] = []
    rows += [(f"loss_reports.{k}", v) for k, v in report.loss_reports.items()]
    rows += [(f"reissues.{k}", v) for k, v in report.reissues.items()]
    rows += [("reissues.total", report.reissues_total)]
    rows += [(f"collections.{k}", v) for k, v in report.collections.items()]
    rows += [("chip_check_failures", report.chip_check_failures),
             ("blocked_cards_presented", report.blocked_cards_presented),
             ("spoiled_cards", report.spoiled_cards),
             ("fees.taken_fen", report.fees_taken_fen), ("fees.waived_fen", report.fees_waived_fen)]
    rows += [(f"fees.{method}_fen", fen) for method, fen in report.fees_by_method.items()]
    for c in report.clerks:
        rows += [(f"clerks.{c.username}.transactions", c.transactions),
                 (f"clerks.{c.username}.avg_handling_seconds", c.avg_handling_seconds)]
    rows += [(f"uncollected.{k}", v) for k, v in report.uncollected.items()]
    rows += [("uncollected.total", report.uncollected_total),
             ("pending_temporary_losses", report.pending_temporary_losses)]
    rows += list(report.counter_services.items())
    return rows
