"""The counter's other services on the daily report: cards cancelled (by why) and PINs reset or unblocked,
counted from the day's audit events (one grouped read); they are counted one way only, so they stand beside
the reconciled figures, not in the reconciliation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable
from sqlmodel import col

from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.i18n import N_
from outlet_desk.services import report_queries as q

SERVICE_EVENTS: Mapping[str, str] = MappingProxyType({
    AuditAction.CARD_CANCELLED_DEATH: "cancellations.death",
    AuditAction.CARD_CANCELLED_EMIGRATION: "cancellations.emigration",
    AuditAction.CARD_CANCELLED_DUPLICATE: "cancellations.duplicate",
    AuditAction.PIN_RESET: "pin_resets.reset",
    AuditAction.PIN_UNBLOCKED: "pin_resets.unblock",
})
"""The audit event each figure counts (one event: one cancellation at the counter, or one PIN set)."""

SERVICE_LABELS: Mapping[str, str] = MappingProxyType({
    "cancellations.death": N_("Cancellations: the holder died"),
    "cancellations.emigration": N_("Cancellations: the holder emigrated"),
    "cancellations.duplicate": N_("Cancellations: a duplicate card"),
    "pin_resets.reset": N_("PINs reset"),
    "pin_resets.unblock": N_("Blocked PINs unblocked"),
})


@lru_cache(maxsize=1)
def _several_statement() -> Executable:
    return (
        select(col(AuditEvent.outlet_code), col(AuditEvent.action), col(AuditEvent.at))
        .where(col(AuditEvent.outlet_code).in_(q.bindparam_outlets()), col(AuditEvent.action).in_(list(SERVICE_EVENTS)),
               q.in_day(col(AuditEvent.at)))
    )


def services_of_outlets(conn: Connection, outlets: list[str], start: datetime, ends: Mapping[str, datetime]
                        ) -> dict[str, dict[str, int]]:
    """:func:`service_figures` for several outlets in one read (the city report), each outlet's day ending at its
    own ``ends`` (its close, when it closed early)."""
    figures = {outlet: {key: 0 for key in SERVICE_EVENTS.values()} for outlet in outlets}
    day_end = max(ends.values(), default=start)
    for outlet, action, at in conn.execute(_several_statement(), {"outlets": outlets, "start": start, "end": day_end}):
        if at < ends[outlet]:
            figures[outlet][SERVICE_EVENTS[action]] += 1
    return figures


def service_figures(conn: Connection, outlet: str, start: datetime, end: datetime) -> dict[str, int]:
    """Each figure of the day (0 when nothing happened), in :data:`SERVICE_EVENTS`' order."""
    return services_of_outlets(conn, [outlet], start, {outlet: end})[outlet]
