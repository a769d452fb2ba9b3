"""The clerk's day at a glance: what I did today and what waits (read only, not audited).

Lists that name citizens are only given to a role that may open a card holder's record; the others
(administrator, auditor) see their own counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from outlet_desk.db.tables import AuditEvent, Card, LossReport, Person, ReissueRequest
from outlet_desk.domain.audit_actions import SESSION_ACTIONS
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.request_status import CLOSED_REQUESTS, RequestStatus
from outlet_desk.domain.roles import Action, can
from outlet_desk.services import queries
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_open import closed_at

LAPSING_WINDOW = timedelta(hours=48)
LIST_LIMIT = 50


@dataclass(frozen=True)
class ActionCount:
    action: str
    count: int


@dataclass(frozen=True)
class ReadyLine:
    person_id: int
    name: str
    masked_number: str
    card_number: str
    request_id: int
    due_date: date | None


@dataclass(frozen=True)
class LapsingLine:
    person_id: int
    name: str
    masked_number: str
    card_number: str
    loss_id: int
    lapses_at: datetime


@dataclass(frozen=True)
class OverdueLine:
    person_id: int
    name: str
    masked_number: str
    request_id: int
    status: str
    due_date: date


@dataclass(frozen=True)
class HomeView:
    day: date
    counts: tuple[ActionCount, ...]
    ready: tuple[ReadyLine, ...]
    lapsing: tuple[LapsingLine, ...]
    overdue: tuple[OverdueLine, ...]
    lists_shown: bool
    """False for roles that may not open a holder's record: the three lists are then empty."""
    closed_at: datetime | None = None
    """When a supervisor closed today, or None while the day is open."""

    @property
    def total_today(self) -> int:
        return sum(c.count for c in self.counts)


def day_bounds(desk: Desk, day: date) -> tuple[datetime, datetime]:
    """The outlet's local day as an aware [start, end) interval."""
    start = datetime.combine(day, time(0), tzinfo=desk.tz)
    return start, start + timedelta(days=1)




def counts_today(desk: Desk, actor: Actor) -> tuple[ActionCount, ...]:
    start, end = day_bounds(desk, desk.local_now().date())
    with Session(desk.engine) as s:
        rows = s.execute(
            select(col(AuditEvent.action), func.count())
            .where(
                col(AuditEvent.outlet_code) == desk.outlet_code,
                col(AuditEvent.operator_id) == actor.operator_id,
                col(AuditEvent.at) >= start,
                col(AuditEvent.at) < end,
                col(AuditEvent.action).not_in(SESSION_ACTIONS),
            )
            .group_by(col(AuditEvent.action))
            .order_by(func.count().desc(), col(AuditEvent.action))
        ).all()
    return tuple(ActionCount(str(action), int(n)) for action, n in rows)


def ready_for_collection(desk: Desk, limit: int = LIST_LIMIT) -> tuple[ReadyLine, ...]:
    with Session(desk.engine) as s:
        rows = s.execute(
            queries.ready_for_collection(desk.outlet_code)
            .where(col(Card.status) == CardStatus.READY)
            .order_by(col(ReissueRequest.created_at).desc(), col(ReissueRequest.id).desc())
            .limit(limit)
        ).all()
    return tuple(
        ReadyLine(p.id or 0, p.name, mask_citizen_id(p.citizen_number), c.card_number, r.id or 0, r.due_date)
        for r, c, p in rows
    )


def lapsing_soon(desk: Desk, limit: int = LIST_LIMIT) -> tuple[LapsingLine, ...]:
    """Temporary loss reports still running that lapse within the next 48 hours."""
    now = desk.now()
    with Session(desk.engine) as s:
        rows = s.execute(
            select(LossReport, Card, Person)
            .join(Card, col(Card.id) == col(LossReport.card_id))
            .join(Person, col(Person.id) == col(Card.person_id))
            .where(
                *queries.report_is_open(temporary=True),
                col(LossReport.formal_at).is_(None),
                col(LossReport.lapses_at) >= now,
                col(LossReport.lapses_at) < now + LAPSING_WINDOW,
            )
            .order_by(col(LossReport.lapses_at), col(LossReport.id))
            .limit(limit)
        ).all()
    return tuple(
        LapsingLine(p.id or 0, p.name, mask_citizen_id(p.citizen_number), c.card_number, lr.id or 0,
                    lr.lapses_at or now)
        for lr, c, p in rows
    )


def overdue_requests(desk: Desk, limit: int = LIST_LIMIT) -> tuple[OverdueLine, ...]:
    """Applications whose new card has not arrived by the date the holder was given (a card that arrived
    and waits for its holder is in the ready queue, not here)."""
    today = desk.local_now().date()
    with Session(desk.engine) as s:
        rows = s.execute(
            select(ReissueRequest, Person)
            .join(Person, col(Person.id) == col(ReissueRequest.person_id))
            .where(
                col(ReissueRequest.outlet_code) == desk.outlet_code,
                col(ReissueRequest.status).not_in((*CLOSED_REQUESTS, RequestStatus.READY)),
                col(ReissueRequest.due_date) < today,
            )
            .order_by(col(ReissueRequest.due_date), col(ReissueRequest.id))
            .limit(limit)
        ).all()
    return tuple(
        OverdueLine(p.id or 0, p.name, mask_citizen_id(p.citizen_number), r.id or 0, r.status, r.due_date or today)
        for r, p in rows
    )


def clerk_home(desk: Desk, actor: Actor) -> HomeView:
    counts = counts_today(desk, actor)
    day = desk.local_now().date()
    with Session(desk.engine) as s:
        closed = closed_at(s, desk.outlet_code, day)
    if not can(actor.role, Action.OPEN_PERSON):
        return HomeView(day, counts, (), (), (), lists_shown=False, closed_at=closed)
    return HomeView(day, counts, ready_for_collection(desk), lapsing_soon(desk), overdue_requests(desk),
                    lists_shown=True, closed_at=closed)
