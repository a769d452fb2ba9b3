"""The visit the desk holds for the person at the counter: their identity check, whose it is, until when.

A visit opens when an identity check passes (:func:`visit_of`) and is held by the operator's session, so
leaving a task, or the record, does not lose it; the clerk ends it, or it expires by the outlet's
``[identity] visit_minutes`` (:mod:`outlet_desk.domain.visit`). Before a counter task opens,
:func:`refusal_before_typing` says why it cannot succeed on this visit and card, so nothing is typed in vain.
No store is read here: the services check the same rules again when the task is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import Presenter, task_refusal, visit_ends_at, visit_expired
from outlet_desk.i18n import _
from outlet_desk.services.masking import mask_name

if TYPE_CHECKING:  # the header reads a visit before the store is open: no store library loads with this module
    from outlet_desk.services.context import Desk
    from outlet_desk.services.identity import IdentityCheckResult
    from outlet_desk.services.persons import CardLine, PersonDetail


@dataclass(frozen=True)
class Visit:
    """The person at the counter, checked once: the check every task of the visit stands on."""

    check: IdentityCheckResult
    holder: str
    """The holder's name, masked."""
    holder_number: str
    """The holder's citizen number, masked."""
    ends_at: datetime

    @property
    def person_id(self) -> int:
        return self.check.person_id

    @property
    def by_proxy(self) -> bool:
        return self.check.presenter == Presenter.PROXY


def visit_of(desk: Desk, person: PersonDetail, check: IdentityCheckResult) -> Visit:
    """The visit a passed identity check of ``person`` opens."""
    return Visit(check, mask_name(person.name), mask_citizen_id(person.citizen_number),
                 visit_ends_at(check.checked_at, desk.settings.identity.visit_minutes))


def visit_open(desk: Desk, visit: Visit | None, person_id: int | None = None) -> bool:
    """Whether ``visit`` is still open (not expired), for ``person_id`` when one is given."""
    if visit is None or (person_id is not None and visit.person_id != person_id):
        return False
    return not visit_expired(visit.check.checked_at, desk.now(), desk.settings.identity.visit_minutes)


def visit_line(visit: Visit) -> str:
    """Whose visit is open (and whether a proxy stands for the holder): the header's words, short enough for
    80 columns (the record says until when)."""
    if visit.by_proxy:
        return _("Visit {name} {number} by a proxy").format(name=visit.holder, number=visit.holder_number)
    return _("Visit {name} {number}").format(name=visit.holder, number=visit.holder_number)


def applied_for(person: PersonDetail, card: CardLine) -> int | None:
    """The reissue request (not cancelled) that already replaces ``card``, if any."""
    return next((r.id for r in person.requests
                 if r.old_card_id == card.id and r.status != RequestStatus.CANCELLED), None)


def offered_beyond_status(person: PersonDetail, card: CardLine, task: Action, card_due: bool) -> bool:
    """Whether the record offers ``task`` on ``card`` once its status allows it: never a reissue already applied
    for (it would be refused at once), unless that request's instant card is paid for and still to be written
    (``card_due``: F8 writes it)."""
    return task is not Action.APPLY_REISSUE or card_due or applied_for(person, card) is None


def refusal_before_typing(desk: Desk, visit: Visit | None, person: PersonDetail, card: CardLine,
                          task: Action) -> str | None:
    """Why ``task`` on ``card`` cannot succeed now, said before the clerk types anything (an identity check
    included): a reissue already applied for, or a visit by a proxy where proxies may not act."""
    if task is Action.APPLY_REISSUE:
        request = applied_for(person, card)
        if request is not None:
            return _("A reissue has already been applied for card {card} (request {id}); it cannot be applied "
                     "for twice.").format(card=card.card_number, id=request)
    if visit_open(desk, visit, person.id):
        assert visit is not None
        refusal = task_refusal(visit.check.presenter, task.value, desk.settings.collection.proxy_allowed)
        if refusal is not None:
            return refusal.message
    return None
