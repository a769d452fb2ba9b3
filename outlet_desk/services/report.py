"""The daily report of an outlet: one definition behind the CLI and the supervisor's screen.

Every figure that both records can give is counted twice, once from the audit events (the
tamper-evident record) and once from the operational tables (loss_report, reissue_request, payment,
collection, card); the report shows the audit figure and, per figure, whether the two agree. A
disagreement is a finding for the supervisor, never an exception. The audit chain's verification
result rides along: the quick one, from the newest checkpoint (recorded by the day close's full
verification, or by ``outlet-desk audit verify``), so the report stays fast on a year of events.
Reads run in one snapshot (a read transaction; REPEATABLE READ on PostgreSQL), so a counter writing
meanwhile cannot make the two sides disagree.

The JSON form and its keys are described in docs/report.md; the renderers are in ``report_export``,
the SQL in ``report_queries``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from outlet_desk.db.tables import DayClose, Operator, Outlet
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.fees import PaymentMethod
from outlet_desk.domain.roles import Action, require
from outlet_desk.i18n import _
from outlet_desk.services import report_queries as q
from outlet_desk.services.audit import check_chain
from outlet_desk.services.audit.verify import verify_in
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.home import day_bounds
from outlet_desk.services.outlet_bindings import require_belongs_to
from outlet_desk.services.report_model import (
    AGE_BUCKETS,
    CLOSE_EDGE,
    COMPLETIONS,
    DAY_ACTIONS,
    LOSS_EVENTS,
    LOSS_KEYS,
    PRESENTERS,
    REASONS,
    TRANSACTIONS,
    TREND_ACTIONS,
    TREND_SERIES,
    AfterClose,
    ChainResult,
    Check,
    ClerkLine,
    CloseInfo,
    DailyReport,
    LateEvent,
    TrendDay,
)
from outlet_desk.services.report_queries import TREND_DAYS
from outlet_desk.services.report_services import service_figures, services_of_outlets


@dataclass
class _Tally:
    """Figures of one side, by flat key (``loss_reports.hotline``, ``clerks.7.transactions``...)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n


FIRST_REPORT_DAY = date(1900, 1, 1)
LAST_REPORT_DAY = date(9998, 12, 31)
"""The days a report can be asked for: every date the report reckons from one (its trend's first day, the
ages of waiting cards, the day's edges in any time zone) stays a date Python can represent."""


class ReportDayOutOfRange(ServiceError):
    code = "report_day_out_of_range"


class UnknownOutlet(ServiceError):
    code = "unknown_outlet"


def check_report_day(day: date) -> date:
    """``day`` if a report can be made for it; else the refusal naming the day and the allowed range."""
    if not FIRST_REPORT_DAY <= day <= LAST_REPORT_DAY:
        raise ReportDayOutOfRange(_("{day} is outside the days a report can cover: {first} to {last}.").format(
            day=day.isoformat(), first=FIRST_REPORT_DAY.isoformat(), last=LAST_REPORT_DAY.isoformat()))
    return day


def daily_report(
    desk: Desk,
    day: date | None = None,
    *,
    outlet_code: str | None = None,
    actor: Actor | None = None,
    verify: bool = True,
) -> DailyReport:
    """The report of ``day`` (default: today in the outlet's time zone) for ``outlet_code`` (default:
    this desk's outlet). With ``actor``, the role must allow viewing reports. ``verify`` verifies the
    audit chain since its newest checkpoint (only possible for this desk's outlet, whose key it holds); the
    report records no checkpoint (it only reads)."""
    outlet = outlet_code or desk.outlet_code
    if actor is not None:
        require(actor.role, Action.VIEW_REPORTS)
    day = check_report_day(day or desk.local_now().date())
    start, end = day_bounds(desk, day)
    with q.snapshot(desk) as conn:
        outlet_row = conn.execute(select(col(Outlet.name)).where(col(Outlet.code) == outlet)).scalar_one_or_none()
        if outlet_row is None:
            raise UnknownOutlet(_("There is no outlet {code} in this database; give the code of one that is.").format(
                code=outlet))
        if actor is not None:
            require_belongs_to(desk, actor, outlet)
        names = _operators(conn)
        close = _close_info(conn, outlet, day, names)
        if close is not None:  # the closed day as it was closed; anything later is the next day's report's
            end = min(end, close.closed_at + CLOSE_EDGE)
        audit, timing, extra = _audit_side(conn, outlet, start, end)
        table = _table_side(conn, outlet, start, end)
        ages = _uncollected(conn, outlet, desk, day)
        audit.counts.update(ages[0].counts)
        table.counts.update(ages[1].counts)
        pending = _pending_temporary(conn, outlet, end)
        trend = _trend(conn, outlet, desk, day)
        after_close = _after_close(conn, outlet, desk, day - timedelta(days=1), names)
        chain = _chain(conn, desk, outlet) if verify else None
        services = service_figures(conn, outlet, start, end)
    return _assemble(desk, outlet, outlet_row, day, (audit, timing, extra), table, pending, trend, chain, close,
                     after_close, names, services)


def day_figures(conn: Connection, desk: Desk, day: date, outlets: Mapping[str, str],
                names: Mapping[int, tuple[str, str]]) -> dict[str, DailyReport]:
    """The reports of ``day`` for several ``outlets`` (code -> name) of this database, read set-based in the
    caller's snapshot: one statement per figure for all of them, split by outlet here, so the cost grows with
    the day's rows, not with the number of outlets (the city report). Each report holds the same figures,
    reconciliation and close as :func:`daily_report`'s for that outlet, without its 30-day trend, its loss
    reports after the previous day's close and its chain (the city report shows checkpoints).

    A closed day ends for its outlet at its close (as in :func:`daily_report`): the table side of an outlet
    whose close ends its day early is read for that outlet alone; its other figures are cut in Python."""
    if not outlets:
        return {}
    codes = sorted(outlets)
    start, day_end = day_bounds(desk, day)
    several = {"outlets": codes, "start": start, "end": day_end}
    closes = {str(o): _close_of((at, by, reason, blockers), names) for o, at, by, reason, blockers in conn.execute(
        select(col(DayClose.outlet_code), col(DayClose.closed_at), col(DayClose.closed_by), col(DayClose.reason),
               col(DayClose.blockers)).where(col(DayClose.outlet_code).in_(codes), col(DayClose.day) == day))}
    ends = {o: min(day_end, c.closed_at + CLOSE_EDGE) if (c := closes.get(o)) else day_end for o in codes}
    events: dict[str, list[Any]] = defaultdict(list)
    for outlet, *row in conn.execute(q.audit_days_statement(DAY_ACTIONS), several):
        if row[3] < ends[outlet]:
            events[outlet].append(row)
    tables: dict[str, _Tally] = defaultdict(_Tally)
    for outlet, kind, sub, n in conn.execute(q.tables_statement(), several):
        if n and ends[outlet] == day_end:
            tables[outlet].add(_TABLE_KEYS[kind].format(sub), int(n))
    for outlet in codes:
        if ends[outlet] < day_end:
            tables[outlet] = _table_side(conn, outlet, start, ends[outlet])
    waiting: dict[str, list[Any]] = defaultdict(list)
    for outlet, *row in conn.execute(q.uncollected_statement(several=True), {"outlets": codes}):
        waiting[outlet].append(row)
    services = services_of_outlets(conn, codes, start, ends)
    pending: Counter[str] = Counter()
    for outlet, reported, *closed in conn.execute(q.pending_rows_statement(), several):
        end = ends[outlet]
        if reported < end and all(at is None or at >= end for at in closed):
            pending[outlet] += 1
    reports = {}
    for outlet in codes:
        audit_side = _audit_tally(events[outlet])
        ages = _ages(waiting[outlet], desk, day)
        audit_side[0].counts.update(ages[0].counts)
        tables[outlet].counts.update(ages[1].counts)
        reports[outlet] = _assemble(desk, outlet, outlets[outlet], day, audit_side, tables[outlet], pending[outlet],
                                    (), None, closes.get(outlet), None, names, services[outlet])
    return reports


def operator_names(conn: Connection) -> dict[int, tuple[str, str]]:
    """Every operator of the database: id -> (username, display name)."""
    return _operators(conn)


def _assemble(desk: Desk, outlet: str, name: str, day: date,
              audit_side: tuple[_Tally, dict[int, list[float]], Counter[str]], table: _Tally, pending: int,
              trend: tuple[TrendDay, ...], chain: ChainResult | None, close: CloseInfo | None,
              after_close: AfterClose | None, names: Mapping[int, tuple[str, str]], services: Mapping[str, int]
              ) -> DailyReport:
    audit, timing, extra = audit_side
    return DailyReport(
        outlet_code=outlet, outlet_name=name, timezone=str(desk.tz), day=day,
        generated_at=desk.now().astimezone(desk.tz),
        loss_reports={k: audit.counts[f"loss_reports.{k}"] for k in LOSS_KEYS},
        reissues={r: audit.counts[f"reissues.{r}"] for r in REASONS},
        collections={p: audit.counts[f"collections.{p}"] for p in PRESENTERS},
        chip_check_failures=extra[AuditAction.CHIP_CHECK_FAILED],
        blocked_cards_presented=extra[AuditAction.BLOCKED_CARD_PRESENTED],
        fees_taken_fen=audit.counts["fees.taken_fen"],
        fees_waived_fen=audit.counts["fees.waived_fen"],
        fees_by_method={m.value: audit.counts[f"fees.{m.value}_fen"] for m in PaymentMethod},
        clerks=_clerk_lines(audit, timing, names),
        uncollected={b: table.counts[f"uncollected.{b}"] for b, _lo, _hi in AGE_BUCKETS},  # the cards waiting
        pending_temporary_losses=pending,
        trend=trend,
        reconciliation=_reconcile(audit, table, names),
        chain=chain,
        close=close,
        after_close=after_close,
        spoiled_cards=audit.counts["spoiled_cards"],
        counter_services=services,
    )


def _operators(conn: Connection) -> dict[int, tuple[str, str]]:
    rows = conn.execute(select(col(Operator.id), col(Operator.username), col(Operator.display_name)))
    return {int(i or 0): (u, d) for i, u, d in rows}


def _audit_side(
    conn: Connection, outlet: str, start: datetime, end: datetime
) -> tuple[_Tally, dict[int, list[float]], Counter[str]]:
    """The day's figures from the audit events: one indexed range read, JSON parsed only where needed."""
    return _audit_tally(conn.execute(q.audit_day_statement(DAY_ACTIONS), q.params(outlet, start, end)))


def _audit_tally(rows: Iterable[Any]) -> tuple[_Tally, dict[int, list[float]], Counter[str]]:
    """The audit side's figures from the day's events (action, operator, person, time, after), in chain order."""
    tally, extra = _Tally(), Counter[str]()
    checked: dict[tuple[int | None, int | None, str], datetime] = {}
    timing: dict[int, list[float]] = defaultdict(list)
    for action, operator_id, person_id, at, after in rows:
        if action in LOSS_EVENTS:
            tally.add(f"loss_reports.{LOSS_EVENTS[action]}")
        if action in TRANSACTIONS and operator_id is not None:
            tally.add(f"clerks.{operator_id}.transactions")
        if action == AuditAction.IDENTITY_CHECKED:
            checked[(operator_id, person_id, _json(after).get("flow", ""))] = at
        elif action in COMPLETIONS:
            began = checked.pop((operator_id, person_id, COMPLETIONS[action]), None)
            if began is not None and operator_id is not None:
                timing[operator_id].append((at - began).total_seconds())
            if action == AuditAction.REISSUE_APPLIED:
                data = _json(after)
                tally.add(f"reissues.{data.get('reason', '')}")
                tally.add("fees.taken_fen", int(data.get("paid_fen") or 0))
                if data.get("payment_method"):
                    tally.add(f"fees.{data['payment_method']}_fen", int(data.get("paid_fen") or 0))
                if data.get("waived"):
                    tally.add("fees.waived_fen", int(data.get("fee_fen") or 0))
            elif action == AuditAction.CARD_COLLECTED:
                tally.add(f"collections.{_json(after).get('presenter', '')}")
        elif action == AuditAction.CARD_SPOILED:
            tally.add("spoiled_cards")
        elif action in (AuditAction.CHIP_CHECK_FAILED, AuditAction.BLOCKED_CARD_PRESENTED):
            extra[action] += 1
    return tally, timing, extra


def _json(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_TABLE_KEYS = {"loss": "loss_reports.{}", "reissue": "reissues.{}", "fees": "fees.{}",
               "collection": "collections.{}", "clerk": "clerks.{}.transactions",
               "spoiled_cards": "spoiled_cards"}


def _table_side(conn: Connection, outlet: str, start: datetime, end: datetime) -> _Tally:
    tally = _Tally()
    for kind, sub, n in conn.execute(q.table_statement(), q.params(outlet, start, end)):
        if n:
            tally.add(_TABLE_KEYS[kind].format(sub), int(n))
    return tally


def _bucket(age_days: int) -> str:
    for name, low, high in AGE_BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return name
    return AGE_BUCKETS[0][0]  # a card received after the report day's end is not counted (see caller)


def _uncollected(conn: Connection, outlet: str, desk: Desk, day: date) -> tuple[_Tally, _Tally]:
    """Cards waiting for collection now (status ready), aged at the end of ``day``: from the card's
    ``card_received`` event (audit) and from its ``status_changed_at`` (table)."""
    return _ages(conn.execute(q.uncollected_statement(), {"outlet": outlet}), desk, day)


def _ages(rows: Iterable[Any], desk: Desk, day: date) -> tuple[_Tally, _Tally]:
    audit, table = _Tally(), _Tally()
    for changed_at, received_at in rows:
        for side, at in ((table, changed_at), (audit, received_at)):
            if at is None:
                continue
            age = (day - at.astimezone(desk.tz).date()).days
            if age >= 0:
                side.add(f"uncollected.{_bucket(age)}")
    return audit, table


def _pending_temporary(conn: Connection, outlet: str, end: datetime) -> int:
    """Hotline (temporary) loss reports still pending at the end of the day: not yet made formal,
    lapsed or withdrawn by then."""
    return int(conn.execute(q.pending_statement(), {"outlet": outlet, "end": end}).scalar_one())


def _trend(conn: Connection, outlet: str, desk: Desk, day: date) -> tuple[TrendDay, ...]:
    """Per-day counts of the last ``TREND_DAYS`` days (ending with ``day``), bucketed in SQL by the
    outlet's local midnights (correct across daylight-saving changes)."""
    days = [day - timedelta(days=TREND_DAYS - 1 - i) for i in range(TREND_DAYS)]
    edges = [day_bounds(desk, d)[0] for d in days] + [day_bounds(desk, day)[1]]
    edge_params = {f"edge{i}": edge for i, edge in enumerate(edges)}
    rows = conn.execute(q.trend_statement(TREND_ACTIONS), {"outlet": outlet, **edge_params})
    per_day: list[Counter[str]] = [Counter() for _ in days]
    for i, action, n in rows:
        if 0 <= i < TREND_DAYS:
            for series, actions in TREND_SERIES.items():
                if action in actions:
                    per_day[i][series] += int(n)
    return tuple(TrendDay(d, c["transactions"], c["loss_reports"], c["reissues"], c["collections"])
                 for d, c in zip(days, per_day, strict=True))


def _close_info(conn: Connection, outlet: str, day: date, names: Mapping[int, tuple[str, str]]) -> CloseInfo | None:
    row = conn.execute(
        select(col(DayClose.closed_at), col(DayClose.closed_by), col(DayClose.reason), col(DayClose.blockers))
        .where(col(DayClose.outlet_code) == outlet, col(DayClose.day) == day)
    ).first()
    return _close_of(row, names)


def _close_of(row: Any, names: Mapping[int, tuple[str, str]]) -> CloseInfo | None:
    if row is None:
        return None
    closed_at, closed_by, reason, blockers = row
    return CloseInfo(closed_at, names.get(closed_by, (str(closed_by), ""))[0], reason,
                     tuple(b for b in blockers.split("\n") if b))


def _after_close(conn: Connection, outlet: str, desk: Desk, day: date,
                 names: Mapping[int, tuple[str, str]]) -> AfterClose | None:
    """The loss reports recorded on ``day`` after it was closed (None: not closed, or nothing late)."""
    if day < FIRST_REPORT_DAY:
        return None
    close = _close_info(conn, outlet, day, names)
    if close is None:
        return None
    _start, end = day_bounds(desk, day)
    rows = conn.execute(q.audit_day_statement(DAY_ACTIONS), q.params(outlet, close.closed_at + CLOSE_EDGE, end))
    events = tuple(
        LateEvent(at.astimezone(desk.tz), action, names.get(operator_id, (str(operator_id), ""))[0]
                  if operator_id is not None else "system")
        for action, operator_id, _person, at, _after in rows if action in LOSS_EVENTS)
    return AfterClose(day, close.closed_at.astimezone(desk.tz), events) if events else None


def chain_result(desk: Desk, outlet_code: str | None = None, *, full: bool = False, record: bool = False,
                 operator_id: int | None = None) -> ChainResult | None:
    """The audit chain's verification alone, or None for another outlet's chain. By default the quick one
    (since the newest checkpoint, as in the report); ``full`` recomputes every event. With ``record``, an
    intact result is recorded as a checkpoint (with ``operator_id``, who asked for it, if anyone)."""
    outlet = outlet_code or desk.outlet_code
    if outlet != desk.outlet_code:
        return None  # another outlet's chain is sealed with its own key
    report = check_chain(desk.engine, desk.audit_key, outlet, full=full, record=record, at=desk.now(),
                         operator_id=operator_id, witness=desk.settings.audit_witness_path(), tz=desk.tz)
    return ChainResult.of(report, desk)


def _chain(conn: Connection, desk: Desk, outlet: str) -> ChainResult | None:
    if outlet != desk.outlet_code:
        return None  # another outlet's chain is sealed with its own key
    return ChainResult.of(verify_in(conn, desk.audit_key, outlet, full=False,
                                    witness=desk.settings.audit_witness_path(), tz=desk.tz), desk)


def chain_in(conn: Connection, desk: Desk) -> ChainResult:
    """This desk's outlet's chain verified since its newest checkpoint, in the caller's snapshot (as in its
    daily report)."""
    result = _chain(conn, desk, desk.outlet_code)
    assert result is not None
    return result


def _clerk_lines(audit: _Tally, timing: Mapping[int, list[float]],
                 names: Mapping[int, tuple[str, str]]) -> tuple[ClerkLine, ...]:
    lines = []
    for key, n in audit.counts.items():
        if not key.startswith("clerks."):
            continue
        op = int(key.split(".")[1])
        times = timing.get(op, [])
        username, display = names.get(op, (str(op), str(op)))
        lines.append(ClerkLine(op, username, display, n, len(times),
                               round(sum(times) / len(times), 1) if times else None))
    return tuple(sorted(lines, key=lambda c: c.username))


def _reconcile(audit: _Tally, table: _Tally, names: Mapping[int, tuple[str, str]]) -> tuple[Check, ...]:
    fixed = [
        *(f"loss_reports.{k}" for k in LOSS_KEYS),
        *(f"reissues.{r}" for r in REASONS),
        *(f"collections.{p}" for p in PRESENTERS),
        "fees.taken_fen", "fees.waived_fen", *(f"fees.{m.value}_fen" for m in PaymentMethod), "spoiled_cards",
        *(f"uncollected.{b}" for b, _lo, _hi in AGE_BUCKETS),
    ]
    extra = sorted((set(audit.counts) | set(table.counts)) - set(fixed))
    checks = []
    for key in [*fixed, *extra]:
        shown = key
        if key.startswith("clerks."):
            op = key.split(".")[1]
            username = names.get(int(op), (op, ""))[0] if op.isdigit() else op
            shown = f"clerks.{username}.transactions"
        checks.append(Check(shown, audit.counts[key], table.counts[key]))
    return tuple(checks)
