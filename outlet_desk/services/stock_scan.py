"""A card of an announced batch scanned in by its chip: the chip is compared with the card's manifest line, as
a collection compares it with the record (:mod:`~outlet_desk.services.chip_match`; the gender with the
holder's record). A chip that agrees puts
the card on record, *in stock*, and *ready* for its reissue request; a chip that disagrees marks the line
*mismatched*; a card on no line of the batch is recorded *extra*. Each is one audited use case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Person, ReissueRequest, StockBatch, StockItem
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.record_ids import is_record_id
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import AWAITING_CARD, RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.domain.stock import BatchKind, BatchStatus, StockStatus, move_stock
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.services.chip_match import FieldCheck, compare_values
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.records import move_card
from outlet_desk.services.reissue import add_new_card
from outlet_desk.services.request_stages import record_stage
from outlet_desk.services.uow import UnitOfWork


class ScanRefused(ServiceError):
    code = "scan_refused"


@dataclass(frozen=True)
class ScanResult:
    item_id: int
    outcome: StockStatus
    """``received``, ``mismatched`` or ``extra``."""
    card_number: str
    fields: tuple[FieldCheck, ...] = ()
    card_status: CardStatus | None = None
    request_id: int | None = None

    def message(self) -> str:
        if self.outcome is StockStatus.RECEIVED:
            if self.card_status is CardStatus.READY:
                return _("Card {card} scanned in: ready for collection (request {id}).").format(
                    card=self.card_number, id=self.request_id)
            return _("Card {card} scanned in: in stock (no reissue request waits for it).").format(
                card=self.card_number)
        if self.outcome is StockStatus.MISMATCHED:
            wrong = ", ".join(f.label for f in self.fields if not f.matches)
            return _("Card {card}: the chip disagrees with its manifest line ({fields}). It is not put in stock; "
                     "the supervisor resolves it.").format(card=self.card_number, fields=wrong)
        return _("Card {card} is not on this batch's manifest: recorded as extra, for the supervisor to "
                 "resolve.").format(card=self.card_number)


def open_batch(s: Session, desk: Desk, batch_id: int) -> StockBatch:
    """This outlet's manifest batch ``batch_id``, still open (announced)."""
    batch = s.get(StockBatch, batch_id) if is_record_id(batch_id) else None
    if batch is None or batch.outlet_code != desk.outlet_code or batch.kind != BatchKind.MANIFEST:
        raise NotFound(_("There is no batch {id} at this outlet.").format(id=batch_id))
    if batch.status != BatchStatus.ANNOUNCED:
        raise ScanRefused(_("Batch {batch} is closed.").format(batch=batch.manifest_ref))
    return batch


def _line_of(s: Session, batch_id: int, chip: CardData) -> StockItem | None:
    """The batch's line of this chip: by its card number, else by its identification code."""
    for column, value in ((StockItem.card_number, chip.card_number),
                          (StockItem.identification_code, chip.identification_code)):
        line = s.exec(select(StockItem).where(col(StockItem.batch_id) == batch_id, col(column) == value)
                      .order_by(col(StockItem.id))).first()
        if line is not None:
            return line
    return None


def scan_in(desk: Desk, actor: Actor, batch_id: int, chip: CardData) -> ScanResult:
    """The card in the reader, of batch ``batch_id``: received, mismatched or extra (see the module)."""
    with UnitOfWork(desk, actor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        batch = open_batch(s, desk, batch_id)
        line = _line_of(s, batch_id, chip)
        if line is None:
            result = _extra(uow, batch, chip)
        elif line.status != StockStatus.ANNOUNCED:
            raise ScanRefused(_("Card {card} was already scanned in this batch ({status}).").format(
                card=chip.card_number, status=StockStatus.label_of(line.status)))
        else:
            result = _against_line(uow, line, chip)
        uow.commit()
        return result


def _extra(uow: UnitOfWork, batch: StockBatch, chip: CardData) -> ScanResult:
    item = StockItem(batch_id=batch.id or 0, outlet_code=batch.outlet_code, status=StockStatus.EXTRA,
                     card_number=chip.card_number[:9], identification_code=chip.identification_code[:32],
                     citizen_number=chip.citizen_number, name=chip.full_name[:60], scanned_at=uow.desk.now())
    uow.session.add(item)
    uow.session.flush()
    assert item.id is not None
    uow.audit(AuditAction.STOCK_CARD_SCANNED, "stock_item", item.id, after={
        "batch": batch.manifest_ref, "outcome": StockStatus.EXTRA, "chip_card_number": chip.card_number,
        "chip_identification_code": chip.identification_code,
        "chip_citizen_number": mask_citizen_id(chip.citizen_number)})
    return ScanResult(item.id, StockStatus.EXTRA, chip.card_number)


def _against_line(uow: UnitOfWork, line: StockItem, chip: CardData) -> ScanResult:
    s, desk = uow.session, uow.desk
    assert line.id is not None and line.person_id is not None
    holder = s.get(Person, line.person_id)  # the gender is the record's (a manifest line names none)
    fields = compare_values(line.card_number, line.identification_code, line.citizen_number, line.name, chip,
                            holder.gender if holder is not None else None)
    line.scanned_at = desk.now()
    facts = {"line": line.line_no, "card_number": line.card_number}
    request = s.get(ReissueRequest, line.request_id) if line.request_id else None
    if request is not None and request.status in AWAITING_CARD and request.status != RequestStatus.AT_OUTLET:
        record_stage(s, request, RequestStatus.AT_OUTLET, desk.now(), uow.actor.operator_id if uow.actor else None,
                     StageSource.SCAN, note=line.card_number)
    if not all(f.matches for f in fields):
        line.status = move_stock(line.status, StockStatus.MISMATCHED)
        line.note = ", ".join(f.field for f in fields if not f.matches)
        uow.audit(AuditAction.STOCK_CARD_SCANNED, "stock_item", line.id, person_id=line.person_id, after={
            **facts, "outcome": StockStatus.MISMATCHED, "mismatched": [f.field for f in fields if not f.matches],
            "chip_card_number": chip.card_number, "chip_identification_code": chip.identification_code})
        return ScanResult(line.id, StockStatus.MISMATCHED, line.card_number, fields)
    card = add_new_card(desk, s, line.person_id, line.card_number, line.identification_code, chip.issue_date)
    if request is not None and request.status == RequestStatus.AT_OUTLET:
        move_card(desk, card, CardEvent.MAKE_READY)
        request.new_card_id = card.id
        record_stage(s, request, RequestStatus.READY, desk.now(), uow.actor.operator_id if uow.actor else None,
                     StageSource.SCAN)
    line.status = move_stock(line.status, StockStatus.RECEIVED)
    line.card_id = card.id
    ready = request is not None and card.status == CardStatus.READY
    after = {**facts, "outcome": StockStatus.RECEIVED, "identification_code": line.identification_code,
             "status": card.status, "stock_item": line.id}
    if ready and request is not None:  # the request's new card arrived: the event the report ages it by
        uow.audit(AuditAction.CARD_RECEIVED, "reissue_request", request.id, person_id=line.person_id, after=after)
    else:
        uow.audit(AuditAction.STOCK_CARD_SCANNED, "stock_item", line.id, person_id=line.person_id, after=after)
    return ScanResult(line.id, StockStatus.RECEIVED, line.card_number, fields, CardStatus(card.status),
                      request.id if ready and request else None)
