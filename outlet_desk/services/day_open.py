"""Whether the outlet's day is still open: the rule the unit of work applies before every use case.

Closing the day (:mod:`outlet_desk.services.day_close`) records a ``DayClose`` row; from then on the
use cases in :data:`DAY_BOUND_ACTIONS` (the counter's money and stock) are refused for that day, while
loss reports (:data:`ALWAYS_ACCEPTED`) are still taken. The unit of work
(:mod:`outlet_desk.services.uow`) calls :func:`check_day_open`; this module imports neither of them, so
both import it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from outlet_desk.db.tables import DayClose
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError

#: Use cases that are transactions dated to the day they happen: refused once that day is closed.
#: (Sign-in, screen lock, opening a record, operator management and the close itself are not.)
DAY_BOUND_ACTIONS: frozenset[Action] = frozenset({
    Action.WITHDRAW_LOSS, Action.APPLY_REISSUE, Action.WAIVE_FEE, Action.COLLECT_CARD, Action.RECEIVE_STOCK,
    Action.SPOIL_CARD, Action.CASH_UP,
})

#: The outlet's duty, not the counter's money: a card is stopped whenever its holder asks, the day closed or
#: not. What these record after the close is reported on the next day's report, under its own heading.
ALWAYS_ACCEPTED: frozenset[Action] = frozenset({Action.REPORT_LOSS_HOTLINE, Action.REPORT_LOSS_COUNTER})


class DayClosed(ServiceError):
    code = "day_closed"


_CLOSED = select(col(DayClose.id)).where(col(DayClose.outlet_code) == bindparam("outlet"),
                                         col(DayClose.day) == bindparam("day"))
"""Built once: every use case asks it (a statement built per call costs more CPU than it takes to run)."""


def is_closed(session: Session, outlet_code: str, day: date) -> bool:
    return session.execute(_CLOSED, {"outlet": outlet_code, "day": day}).first() is not None


def day_is_closed(desk: Desk, day: date) -> bool:
    with Session(desk.engine) as s:
        return is_closed(s, desk.outlet_code, day)


def closed_at(session: Session, outlet_code: str, day: date) -> datetime | None:
    """When ``day`` was closed, or None while it is open."""
    return session.execute(select(col(DayClose.closed_at)).where(
        col(DayClose.outlet_code) == outlet_code, col(DayClose.day) == day)).scalar_one_or_none()


def ensure_day_open(session: Session, desk: Desk) -> None:
    """Refuse (``DayClosed``) when the outlet's current local day has been closed."""
    today = desk.local_now().date()
    if is_closed(session, desk.outlet_code, today):
        raise day_closed(today)


def day_closed(day: date) -> DayClosed:
    """The refusal of a day-bound use case on ``day``, closed."""
    return DayClosed(_("The day {day} has been closed by a supervisor: only loss reports can still be "
                       "recorded for it.").format(day=day.isoformat()))


def day_to_keep_open(desk: Desk, actor: Actor | None, action: Action | None) -> date | None:
    """The day that must still be open for this use case (the outlet's local day), or None when the rule
    does not apply: the same rule as :func:`check_day_open`, for the unit of work to check it with the audit
    head (one statement at the commit, not a query of its own)."""
    if actor is not None and action in DAY_BOUND_ACTIONS:
        return desk.local_now().date()
    return None


def check_day_open(session: Session, desk: Desk, actor: Actor | None, action: Action | None) -> None:
    """The unit of work's hook: only an operator's day-bound use case is refused on a closed day."""
    if day_to_keep_open(desk, actor, action) is not None:
        ensure_day_open(session, desk)
