"""Uncollected cards: a card ready for collection is kept ``collection.retention_days`` days, then it may be
returned to the issuing centre (``ready -> returned`` in the card life cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _


class RetentionNotOver(DomainError):
    code = "retention_not_over"


def return_from(ready_on: date, retention_days: int) -> date:
    """The first day a card ready since ``ready_on`` may be returned uncollected."""
    if retention_days < 1:
        raise ValueError(f"retention_days must be at least 1, got {retention_days}")
    return ready_on + timedelta(days=retention_days)


def is_due_for_return(ready_on: date, today: date, retention_days: int) -> bool:
    return today >= return_from(ready_on, retention_days)


def check_return(ready_on: date, today: date, retention_days: int) -> None:
    """Refuse returning a card before its retention period is over, naming the first day it may go."""
    first = return_from(ready_on, retention_days)
    if today < first:
        raise RetentionNotOver(
            _("This card has waited {n} days of the {days} it is kept for its holder: it can be returned from {d}.")
            .format(n=(today - ready_on).days, days=retention_days, d=first.isoformat()))


@dataclass(frozen=True)
class Ageing:
    """How long a card ready for collection has waited, against the day promised to its holder (the request's
    due date) and the retention period."""

    ready_on: date
    due_date: date | None
    days_waiting: int
    days_past_due: int | None
    """Days since the day promised to the holder (0 before it; None when no day was promised)."""
    return_from: date
    days_to_return: int
    """Days left until it may be returned (0: the retention period is over)."""

    @property
    def due_for_return(self) -> bool:
        return self.days_to_return == 0


def ageing(ready_on: date, due_date: date | None, today: date, retention_days: int) -> Ageing:
    first = return_from(ready_on, retention_days)
    past_due = None if due_date is None else max(0, (today - due_date).days)
    return Ageing(ready_on, due_date, (today - ready_on).days, past_due, first, max(0, (first - today).days))
