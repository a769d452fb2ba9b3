"""Cards nobody came for: the ones kept past ``collection.retention_days`` and their return to the issuing
centre (``ready -> returned``; the reissue request is cancelled). The supervisor keeps the card stock, so
both need the stock permission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.outlet_rules import OutletBound
from outlet_desk.domain.request_status import RequestStatus, move_request
from outlet_desk.domain.retention import check_return, is_due_for_return, return_from
from outlet_desk.domain.roles import Action, require
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.queries import not_on_its_way
from outlet_desk.services.records import load_card, move_card
from outlet_desk.services.transfers import require_held_here
from outlet_desk.services.uow import UnitOfWork


@dataclass(frozen=True)
class UncollectedCard:
    card_id: int
    version: int
    card_number: str
    holder: str
    citizen_number_masked: str
    ready_on: date
    days_waiting: int
    return_from: date
    request_id: int | None


def cards_due_for_return(desk: Desk, actor: Actor) -> list[UncollectedCard]:
    """The outlet's cards ready for collection whose retention period is over, the longest waiting first."""
    require(actor.role, Action.RECEIVE_STOCK)
    today = desk.local_now().date()
    days = desk.settings.collection.retention_days
    with Session(desk.engine) as s:
        rows = s.exec(
            select(Card, Person, ReissueRequest.id)
            .join(Person, col(Person.id) == col(Card.person_id))
            .outerjoin(ReissueRequest, col(ReissueRequest.new_card_id) == col(Card.id))
            .where(col(Card.outlet_code) == desk.outlet_code, col(Card.status) == CardStatus.READY, not_on_its_way())
            .order_by(col(Card.status_changed_at), col(Card.id))
        ).all()
    due = []
    for card, person, request_id in rows:
        ready_on = card.status_changed_at.astimezone(desk.tz).date()
        if not is_due_for_return(ready_on, today, days):
            break  # ordered by the day it became ready: the rest waited less
        assert card.id is not None
        due.append(UncollectedCard(card.id, card.version, card.card_number, person.name,
                                   mask_citizen_id(person.citizen_number), ready_on, (today - ready_on).days,
                                   return_from(ready_on, days), request_id))
    return due


def return_uncollected(desk: Desk, actor: Actor, card_id: int, version: int) -> UncollectedCard:
    """Return one card past its retention period: the card becomes ``returned``, its request ``cancelled``
    (the holder applies again if they still want a card). One audit event."""
    today = desk.local_now().date()
    days = desk.settings.collection.retention_days
    with UnitOfWork(desk, actor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        card = load_card(s, card_id, version)
        require_held_here(s, desk.outlet_code, card, OutletBound.RETURN_CARD)
        ready_on = card.status_changed_at.astimezone(desk.tz).date()
        before, after = move_card(desk, card, CardEvent.RETURN_UNCOLLECTED)  # refuses a card not ready
        check_return(ready_on, today, days)
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.new_card_id) == card_id)).first()
        if request is not None:
            request.status = move_request(request.status, RequestStatus.CANCELLED)
        person = s.get(Person, card.person_id)
        assert person is not None and card.id is not None
        uow.audit(AuditAction.CARD_RETURNED_UNCOLLECTED, "card", card.id, person_id=card.person_id,
                  before={"status": before, "ready_on": ready_on.isoformat()},
                  after={"status": after, "days_waiting": (today - ready_on).days,
                         "request_id": request.id if request is not None else None})
        uow.commit()
        return UncollectedCard(card.id, card.version, card.card_number, person.name,
                               mask_citizen_id(person.citizen_number), ready_on, (today - ready_on).days,
                               return_from(ready_on, days), request.id if request is not None else None)
