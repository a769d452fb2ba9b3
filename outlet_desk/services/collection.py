"""Collecting a new card: the chip is compared with the record, field by field; only a card whose chip
check passed becomes active (and the card it replaces becomes ``replaced``). Also: a blocked card
presented at the counter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Collection, IdentityCheck, Person, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import BLOCKED_WHEN_PRESENTED, CardEvent, CardStatus, status_label
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.outlet_rules import OutletBound
from outlet_desk.domain.pin import check_new_pin, pin_change_required
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import RequestStatus, request_status_label
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.services.cancellation import cancellation_words, why_cancelled
from outlet_desk.services.chip_match import CHIP_GENDERS, FieldCheck, compare_chip, mismatch_words, mismatched
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.queries import card_by_number, ready_for_collection
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import (
    card_facts,
    load_card,
    load_request,
    lock_person,
    move_card,
    require_identity_check,
)
from outlet_desk.services.request_stages import record_stage
from outlet_desk.services.transfers import require_held_here
from outlet_desk.services.uow import UnitOfWork
from outlet_desk.services.usable_card import second_usable_card_refused


@dataclass(frozen=True)
class ChipComparison:
    request_id: int
    card_id: int
    fields: tuple[FieldCheck, ...]
    card_status: CardStatus

    @property
    def passed(self) -> bool:
        return all(f.matches for f in self.fields) and self.card_status is CardStatus.READY


class CollectionRefused(ServiceError):
    code = "collection_refused"

    def __init__(self, message: str, comparison: ChipComparison | None = None) -> None:
        super().__init__(message)
        self.comparison = comparison


def _compare(request_id: int, card: Card, person: Person, chip: CardData) -> ChipComparison:
    assert card.id is not None
    return ChipComparison(request_id, card.id, compare_chip(card, person, chip), CardStatus(card.status))


def _refusal(comparison: ChipComparison) -> str:
    if comparison.card_status is not CardStatus.READY:
        return _("This card is {status}, not ready for collection: it must not be handed over.").format(
            status=status_label(comparison.card_status))
    return _("The chip does not match the record ({fields}): do not hand this card over.").format(
        fields=mismatch_words(comparison.fields))


def _other_card_refusal(request: ReissueRequest, new: Card, presented: Card) -> str:
    """The card in the reader is another card on record (the holder's old card, most often)."""
    status = status_label(CardStatus(presented.status))
    if presented.id == request.old_card_id:
        return _("The card in the reader is {chip}, the holder's old card ({status}), not the new card {card}: it "
                 "must not be handed back. Put the new card into the reader.").format(
            chip=presented.card_number, status=status, card=new.card_number)
    return _("The card in the reader is {chip} ({status}), not the new card {card}: do not hand it over. Put the "
             "new card into the reader.").format(chip=presented.card_number, status=status, card=new.card_number)


def _not_ready_refusal(request: ReissueRequest, new: Card) -> str:
    status = status_label(CardStatus(new.status))
    if request.status == RequestStatus.COLLECTED:
        return _("Card {card} was already collected (request {id}) and is {status}: there is nothing to hand "
                 "over.").format(card=new.card_number, id=request.id, status=status)
    return _("Card {card} is {status} and request {id} is {request}: it is not ready for collection and must not be "
             "handed over.").format(card=new.card_number, status=status, id=request.id,
                                    request=request_status_label(request.status))


def _judge(s: Session, request: ReissueRequest, card: Card, person: Person, chip: CardData
           ) -> tuple[ChipComparison, str | None]:
    """The chip compared with the request's new card, and why it must not be handed over (None: it may): another
    card on record (the holder's old card, most often), a card not ready or already collected, a field that
    differs. A refusal is audited by the caller (``_audit_refusal``)."""
    assert request.id is not None
    comparison = _compare(request.id, card, person, chip)
    # The chip names the request's card most often: that row is in hand (card numbers are unique), not read again.
    presented = card if chip.card_number == card.card_number else card_by_number(s, chip.card_number)
    if presented is not None and presented.id != card.id:
        return comparison, _other_card_refusal(request, card, presented)
    if request.status != RequestStatus.READY or comparison.card_status is not CardStatus.READY:
        return comparison, _not_ready_refusal(request, card)
    return comparison, None if comparison.passed else _refusal(comparison)


def _audit_refusal(uow: UnitOfWork, request: ReissueRequest, card: Card, comparison: ChipComparison,
                   chip: CardData) -> None:
    presented = card_by_number(uow.session, chip.card_number)
    uow.audit(AuditAction.CHIP_CHECK_FAILED, "reissue_request", request.id, person_id=request.person_id,
              after={"card_status": card.status, "request_status": request.status,
                     "mismatched": mismatched(comparison.fields),
                     "chip_card_number": chip.card_number,
                     "chip_card_status": presented.status if presented is not None else None})
    uow.commit()


def check_chip(desk: Desk, actor: Actor, request_id: int, chip: CardData) -> ChipComparison:
    """Compare the chip of the card in the reader with the request's new card. A failed check (another card
    on record, a card not ready, already collected, or a field that differs) is audited with the card's
    status, and raises ``CollectionRefused`` carrying the side-by-side comparison. A check that passes writes
    nothing, so it is read without a writing transaction; a failed one is judged again in one, and audited."""
    with UnitOfWork(desk, actor, Action.COLLECT_CARD, writes=False) as look:
        comparison, refusal = _judge_request(look.session, desk.outlet_code, request_id, chip)
    if refusal is None:
        return comparison  # nothing written: the hand-over itself is the audited step
    with UnitOfWork(desk, actor, Action.COLLECT_CARD) as uow:
        comparison, refusal = _judge_request(uow.session, desk.outlet_code, request_id, chip)
        if refusal is None:
            return comparison  # put right in the meantime (another counter's arrival)
        request = load_request(uow.session, request_id, None)
        card = load_card(uow.session, request.new_card_id or 0, None)
        _audit_refusal(uow, request, card, comparison, chip)
    raise CollectionRefused(refusal, comparison)


def _judge_request(s: Session, outlet_code: str, request_id: int, chip: CardData
                   ) -> tuple[ChipComparison, str | None]:
    """:func:`_judge` for the request ``request_id`` as the store holds it now (its card held at this outlet)."""
    request = load_request(s, request_id, None)
    if request.new_card_id is None:
        raise CollectionRefused(_("Request {id} has no card ready for collection.").format(id=request_id))
    card = load_card(s, request.new_card_id, None)
    require_held_here(s, outlet_code, card, OutletBound.COLLECT_CARD)
    person = s.get(Person, request.person_id)
    assert person is not None
    return _judge(s, request, card, person, chip)


class PinPad(Protocol):
    """The chip's PIN operations (the reader supervisor has them)."""

    def verify_pin(self, pin: str) -> None: ...

    def change_pin(self, old_pin: str, new_pin: str) -> None: ...


def change_holder_pin(pad: PinPad, old: str, new: str, again: str) -> None:
    """The holder replaces the initial PIN before the hand-over: the new PIN's rules (``domain.pin``), then the
    current PIN verified on the chip (a wrong one is refused with the tries left, a blocked one as blocked) and
    changed."""
    check_new_pin(old, new, again)
    pad.verify_pin(old)
    pad.change_pin(old, new)


@dataclass(frozen=True)
class CollectionResult:
    collection_id: int
    card_number: str
    replaced_card_number: str | None
    receipt: ReceiptData
    pin_changed: bool = True
    """False: a proxy took the card with its initial PIN (``[collection] proxy_keeps_initial_pin``)."""


# Built once: a statement built at every call costs more of the client's CPU than its execution on SQLite.
_HOLDER = select(col(ReissueRequest.person_id)).where(col(ReissueRequest.id) == bindparam("request"))
_COLLECTION_INSERT = Collection.__table__.insert()  # type: ignore[attr-defined]
_READY_FOR_CARD = select(ReissueRequest).where(col(ReissueRequest.new_card_id) == bindparam("card"),
                                               col(ReissueRequest.status) == RequestStatus.READY)


def complete_collection(
    desk: Desk,
    actor: Actor,
    request_id: int,
    expected_version: int,
    identity_check_id: int,
    chip: CardData,
    pin_changed: bool,
) -> CollectionResult:
    """Hand the card over: chip checked again, new card active, old card replaced, request collected."""
    with UnitOfWork(desk, actor, Action.COLLECT_CARD) as uow:
        s = uow.session
        holder = s.exec(_HOLDER, params={"request": request_id}).first()
        # As a cancellation does: one of them waits for the other. The locked row is kept (the session holds
        # its rows weakly), so the holder is not read again below.
        locked = lock_person(s, holder or 0)
        request = load_request(s, request_id, expected_version)
        if request.new_card_id is None:
            raise CollectionRefused(_("Request {id} has no card ready for collection.").format(id=request_id))
        check = require_identity_check(uow, identity_check_id, request.person_id, Action.COLLECT_CARD)
        card = load_card(s, request.new_card_id, None)
        require_held_here(s, desk.outlet_code, card, OutletBound.COLLECT_CARD)
        person = locked if locked.id == request.person_id else s.get(Person, request.person_id)
        assert person is not None and card.id is not None
        comparison, refusal = _judge(s, request, card, person, chip)
        if refusal is None:
            if not pin_changed and pin_change_required(check.presenter == Presenter.PROXY,
                                                       desk.settings.collection.proxy_keeps_initial_pin):
                raise CollectionRefused(_("The holder must change the initial PIN before the card is handed over."))
            return _hand_over(uow, request, card, person, check, chip, pin_changed)
        _audit_refusal(uow, request, card, comparison, chip)  # the card in the reader, or the card, changed
    raise CollectionRefused(refusal, comparison)


def _hand_over(uow: UnitOfWork, request: ReissueRequest, card: Card, person: Person, check: IdentityCheck,
               chip: CardData, pin_changed: bool) -> CollectionResult:
    """The new card active, the old one replaced, the request collected, the receipt (inside ``uow``)."""
    desk, s, actor = uow.desk, uow.session, uow.actor
    assert card.id is not None and request.id is not None and actor is not None
    request_id = request.id
    replaced = None
    if request.old_card_id is not None:  # the old card goes first: one usable card per person, even mid-way
        old = load_card(s, request.old_card_id, None)
        if old.status in (CardStatus.LOST.value, CardStatus.DAMAGED.value, CardStatus.ACTIVE.value):
            move_card(desk, old, CardEvent.REPLACE)
            replaced = old.card_number
            s.flush()
    move_card(desk, card, CardEvent.ACTIVATE)
    record_stage(s, request, RequestStatus.COLLECTED, desk.now(), actor.operator_id, StageSource.COUNTER)
    second_usable_card_refused(s, card)  # the new card and the request written by one flush
    collected_at = desk.now()
    # What the chip said, beside the record's facts: the card handed over is the one that was read (the audit
    # masks the citizen number and the name, as everywhere).
    read = {"card_number": chip.card_number, "identification_code": chip.identification_code,
            "citizen_number": chip.citizen_number, "name": chip.full_name,
            "gender": CHIP_GENDERS[chip.gender].value}
    _event, receipt = issue_receipt(
        uow, AuditAction.CARD_COLLECTED, "card", card.id, person_id=person.id, card_number=card.card_number,
        request_id=request_id,
        after={**card_facts(card), "replaced": replaced, "presenter": check.presenter, "request_id": request_id,
               "pin_changed": pin_changed, "chip": read},
        proxy=(check.proxy_name, check.proxy_relationship) if check.presenter == Presenter.PROXY else None)
    # Written with its receipt's number: one Core INSERT, no ORM object built and flushed, no UPDATE after it.
    inserted = s.connection().execute(_COLLECTION_INSERT, {
        "outlet_code": desk.outlet_code, "card_id": card.id, "request_id": request_id,
        "identity_check_id": check.id or 0, "chip_card_number": chip.card_number,
        "chip_identification_code": chip.identification_code, "chip_citizen_number": chip.citizen_number,
        "chip_name": chip.full_name, "chip_check_passed": True, "pin_changed": pin_changed,
        "receipt_number": receipt.code, "operator_id": actor.operator_id, "collected_at": collected_at,
    }).inserted_primary_key
    uow.commit()
    assert inserted is not None
    return CollectionResult(int(inserted[0]), card.card_number, replaced, receipt, pin_changed)


@dataclass(frozen=True)
class PresentedCard:
    card_number: str
    status: CardStatus
    holder_name: str
    masked_citizen_number: str
    blocked: bool
    why: str = ""
    """Why the card is blocked beyond its status (a cancellation's reason and document), for the dialog."""


def ready_queue(desk: Desk, limit: int = 200) -> list[tuple[int, int, str, str]]:
    """(request id, person id, holder name, new card number) of every card waiting for collection."""
    with Session(desk.engine) as s:
        rows = s.exec(
            ready_for_collection(desk.outlet_code)
            .order_by(col(ReissueRequest.id))
            .limit(limit)
        ).all()
        return [(r.id or 0, p.id or 0, p.name, c.card_number) for r, c, p in rows]


def card_presented(desk: Desk, actor: Actor, chip: CardData) -> PresentedCard | None:
    """A card was inserted: if it is blocked (suspended, lost, replaced, returned, spoiled), say so and
    audit it. Returns None for a card that is not on record at this desk's database."""
    with UnitOfWork(desk, actor) as uow:
        s = uow.session
        card = card_by_number(s, chip.card_number)
        if card is None:
            return None
        person = s.get(Person, card.person_id)
        assert person is not None
        status = CardStatus(card.status)
        cancelled = why_cancelled(s, card.id or 0) if status is CardStatus.CANCELLED else None
        presented = PresentedCard(card.card_number, status, person.name, mask_citizen_id(person.citizen_number),
                                  status in BLOCKED_WHEN_PRESENTED,
                                  cancellation_words(cancelled) if cancelled else "")
        if not presented.blocked:
            return presented
        uow.audit(AuditAction.BLOCKED_CARD_PRESENTED, "card", card.id, person_id=person.id, after=card_facts(card))
        uow.commit()
        return presented


@dataclass(frozen=True)
class PendingCollection:
    request_id: int
    version: int
    card_number: str
    old_card_number: str | None


def pending_collection(desk: Desk, card_id: int) -> PendingCollection:
    """The reissue request whose new card ``card_id`` is waiting to be collected."""
    with Session(desk.engine) as s:
        request = s.exec(_READY_FOR_CARD, params={"card": card_id}).first()
        card = s.get(Card, card_id)
        if request is None or request.id is None or card is None:
            raise CollectionRefused(_("This card is not waiting for collection."))
        require_held_here(s, desk.outlet_code, card, OutletBound.COLLECT_CARD)  # the screen says where it is
        old = s.get(Card, request.old_card_id) if request.old_card_id else None
        return PendingCollection(request.id, request.version, card.card_number, old.card_number if old else None)
