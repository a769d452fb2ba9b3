"""The daily report's SQL: each statement built once with bind parameters and reused, so SQLAlchemy
finds its compiled form in its cache instead of building and compiling a dozen selects per report.
Every range is one outlet over [start, end) on an (outlet_code, time) index (migration 0002)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy import select as _select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable, Select
from sqlmodel import col

from outlet_desk.db.engine import read_snapshot
from outlet_desk.db.tables import (
    AuditEvent,
    Card,
    Collection,
    IdentityCheck,
    LossReport,
    Payment,
    ReissueRequest,
    StockItem,
)
from outlet_desk.db.types import UTCDateTime
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.loss import LossChannel
from outlet_desk.services.context import Desk

TREND_DAYS = 30


@contextmanager
def snapshot(desk: Desk) -> Iterator[Connection]:
    """A read transaction over one consistent snapshot of the store."""
    with read_snapshot(desk.engine) as conn:
        yield conn


_OUTLET = bindparam("outlet", type_=String())
_OUTLETS: BindParameter[Any] = bindparam("outlets", expanding=True)
"""Several outlets' codes (the city report's statements, one query for all the city's outlets)."""
_START = bindparam("start", type_=UTCDateTime())
_END = bindparam("end", type_=UTCDateTime())
_EDGES = [bindparam(f"edge{i}", type_=UTCDateTime()) for i in range(TREND_DAYS + 1)]


def params(outlet: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {"outlet": outlet, "start": start, "end": end}


def _in(column: Any) -> Any:
    return and_(column >= _START, column < _END)


def bindparam_outlet() -> Any:
    """The outlet's bind parameter, for a statement of the report built in another module."""
    return _OUTLET


def bindparam_outlets() -> Any:
    """Several outlets' expanding bind parameter, for a statement of the report built in another module."""
    return _OUTLETS


def in_day(column: Any) -> Any:
    """``column`` within the report's [start, end), for a statement built in another module."""
    return _in(column)


@lru_cache(maxsize=1)
def audit_days_statement(actions: tuple[str, ...]) -> Executable:
    """:func:`audit_day_statement` for the outlets ``outlets``, each row led by its outlet's code."""
    return (
        select(col(AuditEvent.outlet_code), col(AuditEvent.action), col(AuditEvent.operator_id),
               col(AuditEvent.person_id), col(AuditEvent.at), col(AuditEvent.after))
        .where(col(AuditEvent.outlet_code).in_(_OUTLETS), col(AuditEvent.action).in_(actions),
               _in(col(AuditEvent.at)))
        .order_by(col(AuditEvent.outlet_code), col(AuditEvent.seq))
    )


@lru_cache(maxsize=1)
def audit_day_statement(actions: tuple[str, ...]) -> Executable:
    """The day's events of ``actions``, in chain order.

    Ordered by ``seq + 0``, not ``seq``: a store never analysed (SQLite's planner without ``sqlite_stat1``, as
    at every outlet) would otherwise walk the (outlet, seq) key to skip the sort, that is every event the outlet
    ever had, and the daily report would grow with the outlet's age. With the expression it reads the day's
    range of ``ix_audit_outlet_action_at`` and sorts the day's events."""
    return (
        select(col(AuditEvent.action), col(AuditEvent.operator_id), col(AuditEvent.person_id),
               col(AuditEvent.at), col(AuditEvent.after))
        .where(col(AuditEvent.outlet_code) == _OUTLET, col(AuditEvent.action).in_(actions),
               _in(col(AuditEvent.at)))
        .order_by(col(AuditEvent.seq) + 0)
    )


def _labelled(kind: str, sub: Any, n: Any) -> tuple[Any, ...]:
    return (literal(kind, String).label("kind"), cast(sub, String).label("sub"), n.label("n"))


@lru_cache(maxsize=1)
def table_statement() -> Executable:
    """Each figure as one small aggregate over an (outlet, time) index, sent as one UNION ALL."""
    return _table(several=False)


@lru_cache(maxsize=1)
def tables_statement() -> Executable:
    """:func:`table_statement` for the outlets ``outlets``: each row led by its outlet's code (``outlet``)."""
    return _table(several=True)


def _table(*, several: bool) -> Executable:
    lr, rr, pay, coll, ic = LossReport, ReissueRequest, Payment, Collection, IdentityCheck
    mine = col(lr.outlet_code).in_(_OUTLETS) if several else col(lr.outlet_code) == _OUTLET
    count = func.count()

    def select(kind: str, sub: Any, n: Any, outlet: Any) -> Select[Any]:
        """One figure's select: grouped by outlet too when it is for several outlets."""
        if not several:
            return _select(*_labelled(kind, sub, n))
        return _select(outlet.label("outlet"), *_labelled(kind, sub, n)).group_by(outlet)

    def own(column: Any) -> Any:
        return column.in_(_OUTLETS) if several else column == _OUTLET

    stmts: list[Select[Any]] = [
        select("loss", col(lr.channel), count, col(lr.outlet_code))
        .where(mine, _in(col(lr.reported_at))).group_by(col(lr.channel)),
        select("loss", literal("made_formal"), count, col(lr.outlet_code))
        .where(mine, col(lr.channel) == LossChannel.HOTLINE, _in(col(lr.formal_at))),
        select("loss", literal("lapsed"), count, col(lr.outlet_code)).where(mine, _in(col(lr.lapsed_at))),
        select("loss", literal("withdrawn"), count, col(lr.outlet_code)).where(mine, _in(col(lr.withdrawn_at))),
        select("reissue", col(rr.reason), count, col(rr.outlet_code))
        .where(own(col(rr.outlet_code)), _in(col(rr.created_at))).group_by(col(rr.reason)),
        select("fees", literal("waived_fen"), func.coalesce(func.sum(col(rr.fee_fen)), 0), col(rr.outlet_code))
        .where(own(col(rr.outlet_code)), col(rr.waived).is_(True), _in(col(rr.created_at))),
        select("fees", literal("taken_fen"), func.coalesce(func.sum(col(pay.amount_fen)), 0), col(pay.outlet_code))
        .where(own(col(pay.outlet_code)), _in(col(pay.paid_at))),
        select("fees", col(pay.method) + "_fen", func.coalesce(func.sum(col(pay.amount_fen)), 0),
               col(pay.outlet_code))
        .where(own(col(pay.outlet_code)), _in(col(pay.paid_at))).group_by(col(pay.method)),
        select("spoiled_cards", literal(""), count, col(StockItem.outlet_code))
        .where(own(col(StockItem.outlet_code)), _in(col(StockItem.spoiled_at))),
        select("collection", col(ic.presenter), count, col(coll.outlet_code))
        .select_from(coll).join(ic, col(ic.id) == col(coll.identity_check_id))
        .where(own(col(coll.outlet_code)), _in(col(coll.collected_at)))
        .group_by(col(ic.presenter)),
        # Transactions per operator: who completed each flow according to the tables.
        select("clerk", col(lr.operator_id), count, col(lr.outlet_code))
        .where(mine, _in(col(lr.reported_at))).group_by(col(lr.operator_id)),
        select("clerk", col(ic.operator_id), count, col(lr.outlet_code))
        .select_from(lr).join(ic, col(ic.id) == col(lr.identity_check_id))
        .where(mine, col(lr.channel) == LossChannel.HOTLINE, _in(col(lr.formal_at)))
        .group_by(col(ic.operator_id)),
        select("clerk", col(lr.withdrawn_by), count, col(lr.outlet_code))
        .where(mine, _in(col(lr.withdrawn_at))).group_by(col(lr.withdrawn_by)),
        select("clerk", col(rr.operator_id), count, col(rr.outlet_code))
        .where(own(col(rr.outlet_code)), _in(col(rr.created_at))).group_by(col(rr.operator_id)),
        select("clerk", col(coll.operator_id), count, col(coll.outlet_code))
        .where(own(col(coll.outlet_code)), _in(col(coll.collected_at)))
        .group_by(col(coll.operator_id)),
    ]
    return union_all(*stmts)


@lru_cache(maxsize=2)
def uncollected_statement(*, several: bool = False) -> Executable:
    """The outlet's cards ready for collection: when each became ready, and when its request's card was
    received (None if the audit has no such event). ``several``: for the outlets ``outlets``, each row led by
    its outlet's code."""
    outlet = col(Card.outlet_code)
    led: tuple[Any, ...] = (outlet,) if several else ()
    return (
        select(*led, col(Card.status_changed_at), col(AuditEvent.at))
        .select_from(Card)
        .outerjoin(ReissueRequest, col(ReissueRequest.new_card_id) == col(Card.id))
        .outerjoin(AuditEvent, and_(
            col(AuditEvent.entity) == "reissue_request",
            col(AuditEvent.entity_id) == cast(col(ReissueRequest.id), String),
            col(AuditEvent.action) == AuditAction.CARD_RECEIVED,
        ))
        .where(outlet.in_(_OUTLETS) if several else outlet == _OUTLET, col(Card.status) == CardStatus.READY)
    )


@lru_cache(maxsize=1)
def pending_rows_statement() -> Executable:
    """The hotline loss reports of the outlets ``outlets`` made before ``end`` and still open at ``start``
    (not made formal, lapsed or withdrawn before it), with those times: which were still open at each
    outlet's own end of day is decided from them."""
    lr = LossReport

    def open_at_start(column: Any) -> Any:
        return or_(column.is_(None), column >= _START)

    return select(col(lr.outlet_code), col(lr.reported_at), col(lr.formal_at), col(lr.lapsed_at),
                  col(lr.withdrawn_at)).where(
        col(lr.outlet_code).in_(_OUTLETS), col(lr.channel) == LossChannel.HOTLINE, col(lr.reported_at) < _END,
        open_at_start(col(lr.formal_at)), open_at_start(col(lr.lapsed_at)), open_at_start(col(lr.withdrawn_at)),
    )


@lru_cache(maxsize=1)
def pending_statement() -> Executable:
    lr = LossReport

    def open_at_end(column: Any) -> Any:
        return or_(column.is_(None), column >= _END)

    return select(func.count()).select_from(lr).where(
        col(lr.outlet_code) == _OUTLET, col(lr.channel) == LossChannel.HOTLINE, col(lr.reported_at) < _END,
        open_at_end(col(lr.formal_at)), open_at_end(col(lr.lapsed_at)), open_at_end(col(lr.withdrawn_at)),
    )


@lru_cache(maxsize=1)
def trend_statement(actions: tuple[str, ...]) -> Executable:
    """Counts per (day index, action) between the edges ``edge0`` ... ``edge30``."""
    at = col(AuditEvent.at)
    bucket = _bucket_of(at, _EDGES, 0, TREND_DAYS).label("bucket")
    return (
        select(bucket, col(AuditEvent.action), func.count())
        .where(col(AuditEvent.outlet_code) == _OUTLET, col(AuditEvent.action).in_(actions),
               at >= _EDGES[0], at < _EDGES[-1])
        .group_by(literal_column("bucket"), col(AuditEvent.action))
    )


def _bucket_of(at: Any, edges: list[Any], lo: int, hi: int) -> Any:
    """The index i in [lo, hi) with edges[i] <= at < edges[i + 1], as nested CASEs halving the range:
    five comparisons a row for 30 days instead of up to thirty."""
    if hi - lo == 1:
        return literal(lo)
    mid = (lo + hi) // 2
    return case((at < edges[mid], _bucket_of(at, edges, lo, mid)), else_=_bucket_of(at, edges, mid, hi))
