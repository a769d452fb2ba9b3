"""Closing the day: the supervisor checks what is still open, the day's report is written as PDF and
CSV into the reports folder, and the close is recorded. A closed day takes no new transactions
(:func:`~outlet_desk.services.day_open.ensure_day_open`, called by the unit of work for the use cases
in :data:`~outlet_desk.services.day_open.DAY_BOUND_ACTIONS`; that rule lives in ``day_open`` because the
unit of work imports it and this module imports the unit of work; its names stay importable from here).

Blocking items: approvals still pending, clerks with payments whose cash is not counted, a broken audit
chain, figures on which the audit and the tables disagree. Temporary losses that lapse tomorrow are listed
for the supervisor, not a reason to refuse: no one can resolve them today. The close closes the counter's
money, not the outlet's duty: loss reports are still taken afterwards (see ``day_open``).
With any of them the day closes only with the supervisor's reason (and, when
``close_day_with_blockers`` is under dual control, a second supervisor's signature); the report
carries the reason and the items.

The close verifies the audit chain in FULL (every event recomputed from the first, once a day) and, when
it is intact, records a checkpoint: the anchor the next days' reports stand on, which verify only the
events after it. An old event edited in place is found here, not by those reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from outlet_desk.db.tables import Approval, Card, DayClose, LossReport, Person
from outlet_desk.domain.approvals import ApprovalStatus, DualControl
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.counted import differences, unexplained
from outlet_desk.domain.fees import format_yuan
from outlet_desk.domain.roles import Action, require
from outlet_desk.domain.stock import StockFigure
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _, ngettext
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.cashup import uncounted
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_open import DAY_BOUND_ACTIONS as DAY_BOUND_ACTIONS
from outlet_desk.services.day_open import DayClosed as DayClosed
from outlet_desk.services.day_open import check_day_open as check_day_open
from outlet_desk.services.day_open import day_is_closed as day_is_closed
from outlet_desk.services.day_open import ensure_day_open as ensure_day_open
from outlet_desk.services.day_open import is_closed as is_closed
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.home import day_bounds
from outlet_desk.services.masking import mask_name
from outlet_desk.services.output_files import files_in
from outlet_desk.services.queries import report_is_open
from outlet_desk.services.report import chain_result, daily_report
from outlet_desk.services.report_export import CLOSE_FILES, file_stem, render_pdf, to_csv
from outlet_desk.services.report_model import DailyReport
from outlet_desk.services.stock_count import count_in
from outlet_desk.services.uow import UnitOfWork


class DayCloseRefused(ServiceError):
    code = "day_close_refused"

    def __init__(self, message: str, blockers: tuple[Blocker, ...] = ()) -> None:
        super().__init__(message)
        self.blockers = blockers


@dataclass(frozen=True)
class Blocker:
    kind: str  # pending_approvals | cash_not_counted | audit_chain | records_disagree
    message: str


@dataclass(frozen=True)
class LapsingLoss:
    """A temporary loss report that lapses tomorrow: listed at the close, for the next day's counter."""

    card_number: str
    masked_name: str
    lapses_at: datetime


@dataclass(frozen=True)
class CloseResult:
    day: date
    report: DailyReport
    pdf_path: Path
    csv_path: Path
    blockers: tuple[Blocker, ...]
    lapsing: tuple[LapsingLoss, ...] = ()


def blockers(desk: Desk, day: date, report: DailyReport | None = None) -> tuple[Blocker, ...]:
    """What stands in the way of closing ``day``; ``report`` (with its chain verified) if already made.
    Without it, the day's report is made with the quick chain verification (since the newest
    checkpoint); :func:`close_day` passes one carrying the full verification."""
    report = report or daily_report(desk, day)
    found: list[Blocker] = []
    with Session(desk.engine) as s:
        pending = int(s.execute(select(func.count()).select_from(Approval).where(
            col(Approval.outlet_code) == desk.outlet_code, col(Approval.status) == ApprovalStatus.PENDING,
        )).scalar_one())
    if pending:
        found.append(Blocker("pending_approvals", ngettext(
            "{n} approval is still waiting for a decision.", "{n} approvals are still waiting for a decision.",
            pending).format(n=pending)))
    for line in uncounted(desk, day):
        found.append(Blocker("cash_not_counted", _(
            "The cash of {u} ({yuan} yuan in {n} cash payments; {e} electronic payments listed) is not counted.")
            .format(u=line.username, yuan=format_yuan(line.expected_fen), n=line.cash_payments,
                    e=len(line.electronic))))
    if report.chain is not None and not report.chain.intact:
        found.append(Blocker("audit_chain", report.chain.message))
    if report.disagreements:
        found.append(Blocker("records_disagree", _("Audit events and tables disagree on: {keys}").format(
            keys=", ".join(c.key for c in report.disagreements))))
    return tuple(found)


@dataclass(frozen=True)
class OpenItems:
    """What the supervisor sees before closing: what blocks the close, and what is only listed."""

    blockers: tuple[Blocker, ...]
    lapsing: tuple[LapsingLoss, ...]


def open_items(desk: Desk, day: date) -> OpenItems:
    return OpenItems(blockers(desk, day), lapsing_tomorrow(desk, day))


def lapsing_tomorrow(desk: Desk, day: date) -> tuple[LapsingLoss, ...]:
    """The temporary loss reports of this outlet that lapse on the day after ``day`` (holder not yet come)."""
    _start, end = day_bounds(desk, day)
    with Session(desk.engine) as s:
        rows = s.execute(
            select(col(Card.card_number), col(Person.name), col(LossReport.lapses_at))
            .join(Card, col(Card.id) == col(LossReport.card_id))
            .join(Person, col(Person.id) == col(Card.person_id))
            .where(col(LossReport.outlet_code) == desk.outlet_code, *report_is_open(temporary=True),
                   col(LossReport.lapses_at) >= end, col(LossReport.lapses_at) < end + timedelta(days=1))
            .order_by(col(LossReport.lapses_at), col(LossReport.id))).all()
    return tuple(LapsingLoss(number, mask_name(name), at.astimezone(desk.tz)) for number, name, at in rows)


def close_day(
    desk: Desk,
    supervisor: Actor,
    day: date | None = None,
    *,
    reason: str = "",
    co_signer: Actor | None = None,
    stock_counted: Mapping[StockFigure, int] | None = None,
    stock_reason: str = "",
) -> CloseResult:
    """Close ``day`` (default today): refuse with the blocking items unless a reason is given; record
    the close with the outlet's stock count (and the figures counted by hand, ``stock_counted``: one that
    differs needs ``stock_reason``); write the day's report as PDF and CSV into the reports folder."""
    require(supervisor.role, Action.CLOSE_DAY)
    reason = clean_text(reason, _("The reason"), REASON_MAX, multi_line=True)
    stock_reason = clean_text(stock_reason, _("The reason"), REASON_MAX, multi_line=True).strip()
    today = desk.local_now().date()
    day = day or today
    if day > today:
        raise DayCloseRefused(_("The day {day} has not come yet; it cannot be closed.").format(day=day))
    with Session(desk.engine) as s:
        if is_closed(s, desk.outlet_code, day):
            raise DayCloseRefused(_("The day {day} is already closed.").format(day=day))
    if stock_counted:  # a count differing without its reason is refused before the long checks (and again below)
        with desk.engine.connect() as conn:
            stock_at_close(conn, desk, stock_counted, stock_reason)
    # The full verification (and the checkpoint it records when intact) is the close's own.
    chain = chain_result(desk, full=True, record=True, operator_id=supervisor.operator_id)
    checked = replace(daily_report(desk, day, verify=False), chain=chain)
    found = blockers(desk, day, checked)
    reason = reason.strip()
    if found and not reason:
        raise DayCloseRefused(
            _("The day cannot be closed yet: {items} Resolve them, or give the reason for closing anyway.").format(
                items=" ".join(b.message for b in found)), found)
    if found and DualControl.CLOSE_DAY_WITH_BLOCKERS in desk.settings.security.dual_control and (
        co_signer is None or not co_signer.is_another_supervisor(supervisor.operator_id)
    ):
        raise DayCloseRefused(
            _("Closing a day with open items needs a second supervisor to sign in and co-sign."), found)
    with UnitOfWork(desk, supervisor, Action.CLOSE_DAY) as uow:
        row = DayClose(outlet_code=desk.outlet_code, day=day, closed_by=supervisor.operator_id, closed_at=desk.now(),
                       reason=reason[:500] if found else "", blockers="\n".join(b.message for b in found)[:4000])
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise DayCloseRefused(_("The day {day} is already closed.").format(day=day)) from exc
        uow.audit(AuditAction.DAY_CLOSED, "day_close", row.id, after={
            "day": day.isoformat(), "reason": row.reason, "blockers": [b.kind for b in found],
            **stock_at_close(uow.session.connection(), desk, stock_counted or {}, stock_reason),
            "co_signer": co_signer.username if co_signer and found else None})
        uow.commit()
    # The report carries the close; its chain result is the one verified just before closing (one pass).
    report = replace(daily_report(desk, day, verify=False), chain=checked.chain)
    return CloseResult(day, report, *write_report_files(desk, report), found, lapsing_tomorrow(desk, day))


def stock_at_close(conn: Connection, desk: Desk, counted: Mapping[StockFigure, int], reason: str
                   ) -> dict[str, object]:
    """The close's stock facts: the outlet's count on record, the figures counted by hand, their differences
    and the reason; a count that differs without its reason is refused (the cash-up's rule: ``counted``)."""
    stock = next(iter(count_in(conn, desk.outlet_code)), None)
    recorded = dict(stock.figures) if stock else {}
    differ = differences(recorded, counted)
    if unexplained(differ, reason):
        raise DayCloseRefused(_("The stock counted differs from the record ({figures}): give the reason.").format(
            figures=", ".join(_("{figure} {recorded} on record, {counted} counted").format(
                figure=f.label, recorded=recorded.get(f, 0), counted=counted[f]) for f in differ)))
    facts: dict[str, object] = {"stock": stock.as_dict() if stock else {}}
    if counted:
        facts.update(stock_counted={f.value: n for f, n in counted.items()},
                     stock_differences={f.value: n for f, n in differ.items()}, stock_reason=reason if differ else "")
    return facts


def write_report_files(desk: Desk, report: DailyReport) -> tuple[Path, Path]:
    """The day's report as PDF and CSV in the reports folder, as the close made it; returns their paths."""
    stem = file_stem(CLOSE_FILES, report)
    pdf_path, csv_path = files_in(desk.settings.reports_dir(), stem, "pdf", "csv")
    write_atomically(csv_path, to_csv(report).encode("utf-8"))
    render_pdf(report, pdf_path)
    return pdf_path, csv_path
