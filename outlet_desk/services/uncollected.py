"""Cards ready for collection and nobody came for yet: the supervisor's list (each card's ageing against the
day promised to its holder and ``collection.retention_days``, and the last time the outlet tried to tell them:
``services/holder_contacts.py``), and the return to the issuing centre of a card kept past the retention period
(``ready -> returned``; the request is cancelled), signed by a second operator. The supervisor keeps the card
stock, so both need the stock permission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from outlet_desk.db.contact_tables import CardContact
from outlet_desk.db.tables import Card, Operator, Person, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus
from outlet_desk.domain.card_numbers import validate_card_number
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome
from outlet_desk.domain.outlet_rules import OutletBound
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.retention import Ageing, ageing, check_return
from outlet_desk.domain.roles import Action, require
from outlet_desk.i18n import _
from outlet_desk.services.approvals.kinds import RETURN_WITNESS, ReturnRefused
from outlet_desk.services.approvals.requests import check_signer
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.queries import not_on_its_way
from outlet_desk.services.records import load_card, move_card
from outlet_desk.services.request_stages import record_stage
from outlet_desk.services.transfers import require_held_here
from outlet_desk.services.uow import UnitOfWork


@dataclass(frozen=True)
class Contact:
    """One entry of a card's contact log: who tried to tell the holder, when (local time), how, what came of it."""

    at: datetime
    operator: str
    method: ContactMethod
    outcome: ContactOutcome
    coming_on: date | None
    note: str

    def summary(self) -> str:
        """The entry in a few words: ``2026-12-05 phone call: holder said when they will come (2026-12-09)``."""
        said = f"{self.at:%Y-%m-%d} {self.method.label}: {self.outcome.label}"
        return f"{said} ({self.coming_on.isoformat()})" if self.coming_on else said


@dataclass(frozen=True)
class UncollectedCard:
    card_id: int
    version: int
    card_number: str
    holder: str
    citizen_number_masked: str
    ageing: Ageing
    request_id: int | None
    contacts: tuple[Contact, ...] = ()
    """The contact log, oldest first."""

    @property
    def last_contact(self) -> Contact | None:
        return self.contacts[-1] if self.contacts else None

    def ageing_cells(self) -> tuple[str, str, str, str]:
        """Ready since, days waiting, return from, the last contact: as the lists show them."""
        a, last = self.ageing, self.last_contact
        return (a.ready_on.isoformat(), str(a.days_waiting), a.return_from.isoformat(),
                last.summary() if last else _("none yet"))


def uncollected_cards(desk: Desk, actor: Actor) -> list[UncollectedCard]:
    """The outlet's cards ready for collection with their ageing and contact log, the longest waiting first."""
    require(actor.role, Action.RECEIVE_STOCK)
    today = desk.local_now().date()
    days = desk.settings.collection.retention_days
    with Session(desk.engine) as s:
        rows = s.exec(
            select(Card, Person, col(ReissueRequest.id), col(ReissueRequest.due_date))
            .join(Person, col(Person.id) == col(Card.person_id))
            .outerjoin(ReissueRequest, col(ReissueRequest.new_card_id) == col(Card.id))
            .where(col(Card.outlet_code) == desk.outlet_code, col(Card.status) == CardStatus.READY, not_on_its_way())
            .order_by(col(Card.status_changed_at), col(Card.id))
        ).all()
        logs = _contact_logs(s, desk)
    cards = []
    for card, person, request_id, due_date in rows:
        assert card.id is not None
        ready_on = card.status_changed_at.astimezone(desk.tz).date()
        cards.append(UncollectedCard(card.id, card.version, card.card_number, person.name,
                                     mask_citizen_id(person.citizen_number),
                                     ageing(ready_on, due_date, today, days), request_id,
                                     tuple(logs.get(card.id, ()))))
    return cards


def _contact_logs(s: Session, desk: Desk) -> dict[int, list[Contact]]:
    """The contact logs of the outlet's cards ready for collection, by card, oldest entry first."""
    rows = s.exec(
        select(CardContact, Operator.display_name)
        .join(Card, col(Card.id) == col(CardContact.card_id))
        .join(Operator, col(Operator.id) == col(CardContact.operator_id))
        .where(col(Card.outlet_code) == desk.outlet_code, col(Card.status) == CardStatus.READY)
        .order_by(col(CardContact.at), col(CardContact.id))
    ).all()
    logs: dict[int, list[Contact]] = {}
    for entry, operator in rows:
        logs.setdefault(entry.card_id, []).append(contact_view(desk, entry, operator))
    return logs


def contact_view(desk: Desk, entry: CardContact, operator: str) -> Contact:
    return Contact(entry.at.astimezone(desk.tz), operator, ContactMethod(entry.method),
                   ContactOutcome(entry.outcome), entry.coming_on, entry.note)


def cards_due_for_return(desk: Desk, actor: Actor) -> list[UncollectedCard]:
    """The outlet's cards ready for collection whose retention period is over, the longest waiting first."""
    return [c for c in uncollected_cards(desk, actor) if c.ageing.due_for_return]


def find_uncollected(desk: Desk, actor: Actor, card_number: str) -> UncollectedCard:
    """The card ready for collection at this outlet with this number (typed: checked first)."""
    number = validate_card_number(card_number)
    for card in uncollected_cards(desk, actor):
        if card.card_number == number:
            return card
    raise NotFound(_("Card {card} is not waiting for collection at this outlet.").format(card=number))


def return_uncollected(desk: Desk, actor: Actor, witness: Actor | None, card_id: int, version: int
                       ) -> UncollectedCard:
    """Return one card past its retention period, with ``witness`` (a second operator, signed in) beside the
    supervisor: the card becomes ``returned``, its request ``cancelled`` (the holder applies again if they still
    want a card). One audit event, naming the witness."""
    if witness is None:
        raise ReturnRefused(_("A card is returned to the card centre with a second operator beside you: they sign "
                              "in at this counter."))
    check_signer(RETURN_WITNESS, actor, witness)
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
            record_stage(s, request, RequestStatus.CANCELLED, desk.now(), actor.operator_id, StageSource.SUPERVISOR,
                         note=card.card_number)
        person = s.get(Person, card.person_id)
        assert person is not None and card.id is not None
        request_id = request.id if request is not None else None
        uow.audit(AuditAction.CARD_RETURNED_UNCOLLECTED, "card", card.id, person_id=card.person_id,
                  before={"status": before, "ready_on": ready_on.isoformat()},
                  after={"status": after, "days_waiting": (today - ready_on).days, "request_id": request_id,
                         "witness": witness.username})
        uow.commit()
        return UncollectedCard(card.id, card.version, card.card_number, person.name,
                               mask_citizen_id(person.citizen_number),
                               ageing(ready_on, request.due_date if request else None, today, days), request_id)
