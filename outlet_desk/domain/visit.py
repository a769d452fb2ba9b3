"""A visit: the person at the counter, checked once, for every task they came for.

The clerk opens a visit with one identity check (of the holder, or of a proxy with the holder's
authorisation); each counter task of that visit stands on that check until the clerk ends the visit or it
expires (``[identity] visit_minutes`` after the check). A proxy's visit allows only the tasks a proxy may
do at the outlet (``[collection] proxy_allowed``). These are the visit's rules, in one place: the services
refuse a task on a check they break, and the desk says so before the clerk types anything.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import IN_PERSON_ONLY, counter_task_label, proxy_may_do
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _

VISIT_MINUTES = 30
"""How long a visit's identity check lasts when the outlet does not say (``[identity] visit_minutes``)."""


class Presenter(Worded):
    """Who is at the counter (or on the phone) for the card: the holder, or a proxy acting for them."""

    HOLDER = "holder", N_("the holder")
    PROXY = "proxy", N_("a proxy")


class VisitRefused(DomainError):
    """The visit's identity check does not stand for this task: why, and what to do."""

    code = "visit_refused"


def visit_ends_at(checked_at: datetime, minutes: int) -> datetime:
    """When the visit whose identity was checked at ``checked_at`` expires."""
    return checked_at + timedelta(minutes=minutes)


def visit_expired(checked_at: datetime, now: datetime, minutes: int) -> bool:
    return now >= visit_ends_at(checked_at, minutes)


def task_refusal(presenter: str, task: str, proxy_allowed: Collection[str]) -> VisitRefused | None:
    """Why the visit's check does not allow ``task`` (a proxy for a task done in person only, or where the
    outlet lets no proxy act: :func:`outlet_desk.domain.roles.proxy_may_do`), or None."""
    if presenter != Presenter.PROXY:
        return None
    if task in IN_PERSON_ONLY:
        return VisitRefused(
            _("A {flow} is done in person only, never by a proxy: the holder must come to the counter.").format(
                flow=counter_task_label(task)), "proxy_not_allowed")
    if not proxy_may_do(task, proxy_allowed):
        return VisitRefused(
            _("A proxy may not do a {flow} at this outlet: the holder must come in person.").format(
                flow=counter_task_label(task)), "proxy_not_allowed")
    return None


def check_visit(presenter: str, task: str, proxy_allowed: Collection[str], checked_at: datetime, now: datetime,
                minutes: int) -> None:
    """Raise :class:`VisitRefused` unless the visit's check (by ``presenter`` at ``checked_at``) stands for
    ``task`` at ``now``: the visit has not expired and the presenter may do the task."""
    if visit_expired(checked_at, now, minutes):
        raise VisitRefused(
            _("The visit ended {minutes} minutes after its identity check; check the identity again.").format(
                minutes=minutes), "visit_expired")
    refusal = task_refusal(presenter, task, proxy_allowed)
    if refusal is not None:
        raise refusal
