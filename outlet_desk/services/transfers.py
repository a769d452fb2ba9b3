"""A ready card sent to another outlet of the database (the citizen asked to collect it there), and scanned in
there by its chip (``domain/transfers.py``). Sending is a supervisor's use case with a sealed stock receipt;
the scan-in compares the chip with the card's record as the stock scan-in and the collection do
(:mod:`~outlet_desk.services.chip_match`): a chip that agrees puts the card in the other outlet's hands, one
that disagrees is refused and audited. Who may send or receive is ``domain/outlet_rules.py``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, CardTransfer, Outlet, Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.outlet_rules import OutletBound
from outlet_desk.domain.record_ids import is_record_id
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import clean_text
from outlet_desk.domain.transfers import TransferRefused, TransferStatus, check_send
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.services.chip_match import FieldCheck, compare_chip, mismatch_words, mismatched
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.other_outlet import OtherOutlet, refuse_elsewhere
from outlet_desk.services.queries import card_by_number
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import claim, load_card, load_request, lock_person
from outlet_desk.services.uow import UnitOfWork

OUTLET_CODE_MAX = 16
"""The longest outlet code (``[outlet] code``): a longer one names no outlet."""


class TransferChipRefused(ServiceError):
    code = "transfer_chip_refused"

    def __init__(self, message: str, fields: tuple[FieldCheck, ...]) -> None:
        super().__init__(message)
        self.fields = fields


_ON_ITS_WAY = select(CardTransfer).where(col(CardTransfer.card_id) == bindparam("card"),
                                         col(CardTransfer.status) == TransferStatus.SENT)
"""Built once: every hand-over asks it, some twice (a statement built per call costs CPU)."""


def on_its_way(s: Session, card_id: int) -> CardTransfer | None:
    """The card's transfer still on its way, if it was sent and not yet scanned in."""
    return s.exec(_ON_ITS_WAY, params={"card": card_id}).first()


def require_held_here(s: Session, here: str, card: Card, task: OutletBound) -> None:
    """``task`` (a hand-over, a return) needs the card in this outlet's hands: held here and not on its way to
    another outlet (``domain/outlet_rules.py``). The refusal says where the card is."""
    transfer = on_its_way(s, card.id or 0)
    if transfer is not None and transfer.to_outlet == here:
        raise OtherOutlet(_("Card {card} was sent here from outlet {outlet} but is not scanned in yet: scan it in "
                            "first (outlet-desk stock transfer receive).").format(
            card=card.card_number, outlet=transfer.from_outlet))
    if transfer is not None:
        raise OtherOutlet(_("Card {card} is on its way to outlet {outlet}: it is collected there.").format(
            card=card.card_number, outlet=transfer.to_outlet))
    refuse_elsewhere(task, here, card.outlet_code)


def _outlet_words(s: Session, code: str) -> str:
    outlet = s.get(Outlet, code)
    return f"{code} {outlet.name}" if outlet is not None else code


def send_card(desk: Desk, supervisor: Actor, request_id: int, to_outlet: str) -> ReceiptData:
    """Send the new card of request ``request_id``, ready here, to outlet ``to_outlet`` of this database; the
    stock receipt names both outlets. The holder's row is locked first, as a collection does, so a card is
    never sent and handed over at once."""
    to_outlet = clean_text(to_outlet, _("The outlet code"), OUTLET_CODE_MAX)
    with UnitOfWork(desk, supervisor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        request = load_request(s, request_id, None) if is_record_id(request_id) else None
        if request is None or request.new_card_id is None:
            raise NotFound(_("Request {id} has no new card to send.").format(id=request_id))
        lock_person(s, request.person_id)
        card = load_card(s, request.new_card_id, None)
        assert card.id is not None and request.id is not None
        refuse_elsewhere(OutletBound.SEND_CARD, desk.outlet_code, card.outlet_code)
        if s.get(Outlet, to_outlet) is None:
            raise NotFound(_("There is no outlet {code} on this database.").format(code=to_outlet))
        check_send(CardStatus(card.status), request.status == RequestStatus.READY, desk.outlet_code, to_outlet,
                   on_its_way(s, card.id) is not None)
        transfer = CardTransfer(card_id=card.id, request_id=request.id, from_outlet=desk.outlet_code,
                                to_outlet=to_outlet, sent_at=desk.now(), sent_by=supervisor.operator_id)
        s.add(transfer)
        claim(card)  # a counter that showed the card ready here is told it changed
        s.flush()
        assert transfer.id is not None
        _event, receipt = issue_receipt(
            uow, AuditAction.CARD_TRANSFER_SENT, "card_transfer", transfer.id, person_id=card.person_id,
            card_number=card.card_number, request_id=request.id,
            after={"card_number": card.card_number, "from_outlet": desk.outlet_code, "to_outlet": to_outlet,
                   "request_id": request.id},
            transfer_to=_outlet_words(s, to_outlet))
        uow.commit()
        return receipt


@dataclass(frozen=True)
class Arrival:
    transfer_id: int
    card_number: str
    from_outlet: str
    request_id: int | None

    def message(self) -> str:
        return _("Card {card} from outlet {outlet} scanned in: ready for collection here (request {id}).").format(
            card=self.card_number, outlet=self.from_outlet, id=self.request_id)


def receive_card(desk: Desk, supervisor: Actor, chip: CardData) -> Arrival:
    """The card in the reader arrived from another outlet: its chip is compared with the card's record; a chip
    that agrees makes this outlet the card's holder (collected here), one that disagrees is audited and refused
    with the fields that differ."""
    with UnitOfWork(desk, supervisor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        card = card_by_number(s, chip.card_number)
        transfer = on_its_way(s, card.id or 0) if card is not None else None
        if card is None or transfer is None or transfer.id is None:
            raise TransferRefused(_("Card {card} is not on its way to any outlet.").format(card=chip.card_number))
        refuse_elsewhere(OutletBound.RECEIVE_CARD, desk.outlet_code, transfer.to_outlet)
        lock_person(s, card.person_id)
        person = s.get(Person, card.person_id)
        assert person is not None
        fields = compare_chip(card, person, chip)
        facts = {"card_number": card.card_number, "from_outlet": transfer.from_outlet,
                 "to_outlet": transfer.to_outlet, "request_id": transfer.request_id}
        if not mismatched(fields):
            card.outlet_code = desk.outlet_code
            transfer.status = TransferStatus.RECEIVED
            transfer.received_at, transfer.received_by = desk.now(), supervisor.operator_id
            uow.audit(AuditAction.CARD_TRANSFER_RECEIVED, "card_transfer", transfer.id, person_id=person.id,
                      after=facts)
            uow.commit()
            return Arrival(transfer.id, card.card_number, transfer.from_outlet, transfer.request_id)
        uow.audit(AuditAction.CHIP_CHECK_FAILED, "card_transfer", transfer.id, person_id=person.id,
                  after={**facts, "mismatched": mismatched(fields), "chip_card_number": chip.card_number,
                         "chip_identification_code": chip.identification_code})
        uow.commit()
    raise TransferChipRefused(_("The chip does not match card {card}'s record ({fields}): it is not taken into "
                                "stock here.").format(card=chip.card_number, fields=mismatch_words(fields)), fields)


@dataclass(frozen=True)
class TransferLine:
    id: int
    card_number: str
    holder: str
    request_id: int | None
    from_outlet: str
    to_outlet: str
    status: TransferStatus
    sent_at: datetime
    received_at: datetime | None


def transfers_here(desk: Desk, limit: int = 200) -> list[TransferLine]:
    """The transfers this outlet sent or is sent, the ones on their way first, then the newest."""
    here = desk.outlet_code
    with Session(desk.engine) as s:
        rows = s.exec(
            select(CardTransfer, Card, Person).join(Card, col(Card.id) == col(CardTransfer.card_id))
            .join(Person, col(Person.id) == col(Card.person_id))
            .where((col(CardTransfer.from_outlet) == here) | (col(CardTransfer.to_outlet) == here))
            .order_by(col(CardTransfer.status).desc(), col(CardTransfer.id).desc()).limit(limit)).all()
        return [TransferLine(t.id or 0, c.card_number, p.name, t.request_id, t.from_outlet, t.to_outlet,
                             TransferStatus(t.status), t.sent_at, t.received_at) for t, c, p in rows]
