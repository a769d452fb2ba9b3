"""Loading the rows a use case acts on, with the checks every flow repeats (one place for each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from outlet_desk.db.tables import Card, IdentityCheck, Person, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus, status_label, transition
from outlet_desk.domain.record_ids import is_record_id
from outlet_desk.domain.request_status import request_status_label
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import check_visit
from outlet_desk.i18n import _
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import NotFound, RecordChanged, ServiceError
from outlet_desk.services.persons import CardLine, card_line, on_their_way
from outlet_desk.services.queries import open_request_for_card
from outlet_desk.services.uow import UnitOfWork


class IdentityCheckMissing(ServiceError):
    code = "identity_check_missing"


def load_card(session: Session, card_id: int, expected_version: int | None) -> Card:
    """The card, or ``RecordChanged`` if another counter changed it since the screen showed it.

    With ``expected_version`` (the card the use case is about to change) the row is locked for the rest of
    the use case (PostgreSQL; SQLite's write transaction is already exclusive): a counter acting on it at the
    same moment waits, then finds the new version and is told, instead of reading half of the other
    counter's work (the request before it, the card after it)."""
    card = session.get(Card, card_id, with_for_update=expected_version is not None) if is_record_id(card_id) else None
    if card is None:
        raise NotFound(_("No card with this record number."))
    if expected_version is not None and card.version != expected_version:
        raise RecordChanged(
            _("Another counter changed this card a moment ago: it is now {status}. Check it and try again.").format(
                status=status_label(CardStatus(card.status))
            )
        )
    return card


def load_request(session: Session, request_id: int, expected_version: int | None) -> ReissueRequest:
    """The request, or ``RecordChanged``; locked like :func:`load_card` when ``expected_version`` is given."""
    request = (session.get(ReissueRequest, request_id, with_for_update=expected_version is not None)
               if is_record_id(request_id) else None)
    if request is None:
        raise NotFound(_("No reissue request with number {id}.").format(id=request_id))
    if expected_version is not None and request.version != expected_version:
        raise RecordChanged(
            _("Another counter changed this request a moment ago: it is now {status}. Check it and try again.").format(
                status=request_status_label(request.status)
            )
        )
    return request


def load_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id) if is_record_id(person_id) else None
    if person is None:
        raise NotFound(_("No person with this record number."))
    return person


def lock_person(session: Session, person_id: int) -> Person:
    """The person, locked for the rest of the use case (PostgreSQL; SQLite's write transaction is exclusive):
    every use case that changes which of a person's cards is usable (a hand-over, a cancellation) takes this
    lock first, so two counters acting for one person run one after the other."""
    person = session.get(Person, person_id, with_for_update=True) if is_record_id(person_id) else None
    if person is None:
        raise NotFound(_("No person with this record number."))
    return person


def move_card(desk: Desk, card: Card, event: CardEvent) -> tuple[str, str]:
    """Apply a life-cycle event (refused by the domain with the card's status named); returns (before, after)."""
    before = card.status
    card.status = transition(CardStatus(card.status), event).value
    card.status_changed_at = desk.now()
    return before, card.status


def require_identity_check(uow: UnitOfWork, check_id: int | None, person_id: int, task: Action) -> IdentityCheck:
    """The identity check of the visit this task stands on: passed, for this person, at this outlet, and by the
    visit's rules (:mod:`outlet_desk.domain.visit`) still standing for ``task``. The use case's audit event
    names it (``identity_check`` in its detail)."""
    desk = uow.desk
    if check_id is None:
        raise IdentityCheckMissing(_("Check the identity of the person at the counter first."))
    check = uow.session.get(IdentityCheck, check_id) if is_record_id(check_id) else None
    if check is None or not check.passed or check.person_id != person_id or check.outlet_code != desk.outlet_code:
        raise IdentityCheckMissing(
            _("There is no passed identity check for this person at this visit; check the identity again."))
    check_visit(check.presenter, task.value, desk.settings.collection.proxy_allowed, check.checked_at, desk.now(),
                desk.settings.identity.visit_minutes)
    uow.stands_on(check_id)
    return check


def claim(row: Card | ReissueRequest) -> None:
    """Bump the row's version even when nothing else of it changes, so two counters acting on the same
    card or request at once cannot both commit (the second one's UPDATE finds another version)."""
    flag_modified(row, "status")


def card_facts(card: Card) -> dict[str, Any]:
    return {"card_number": card.card_number, "status": card.status, "version": card.version}


@dataclass(frozen=True)
class CardNow:
    """A card as it is now, read again after another counter changed it: the line the person's record shows,
    and the reissue request that replaces it, if one was applied for."""

    card: CardLine
    replacing_request_id: int | None
    replacing_request_status: str | None


def card_now(desk: Desk, card_id: int) -> CardNow:
    """Read a card again (no audit: it only tells a task screen what another counter did)."""
    with Session(desk.engine) as s:
        card = s.get(Card, card_id)
        if card is None:
            raise NotFound(_("No card with this record number."))
        request = open_request_for_card(s, card_id)
        line = card_line(card, desk, on_their_way(s, [card_id]).get(card_id, ""))
        return CardNow(line, request.id if request else None, request.status if request else None)
