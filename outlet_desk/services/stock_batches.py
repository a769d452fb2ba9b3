"""A batch's discrepancies (a card never arrived, a chip that disagrees with its line, a card on no line), the
supervisor resolving each with a reason, and the batch closed once every line is accounted for, with its stock
receipt (sealed like every receipt)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.db.tables import StockBatch, StockItem
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.record_ids import is_record_id
from outlet_desk.domain.roles import Action
from outlet_desk.domain.stock import (
    DISCREPANCY_OF,
    RESOLUTION_OF,
    BatchKind,
    BatchStatus,
    Discrepancy,
    StockStatus,
    move_stock,
)
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.stock_scan import open_batch
from outlet_desk.services.uow import UnitOfWork


class BatchRefused(ServiceError):
    code = "batch_refused"


@dataclass(frozen=True)
class DiscrepancyLine:
    item_id: int
    kind: Discrepancy
    line_no: int | None
    card_number: str
    note: str


@dataclass(frozen=True)
class BatchView:
    batch_id: int
    batch_number: str
    status: BatchStatus
    lines: int
    by_status: dict[str, int]
    discrepancies: tuple[DiscrepancyLine, ...]


def batch_view(desk: Desk, batch_id: int) -> BatchView:
    """The batch as the supervisor reads it: its lines counted by status and its open discrepancies."""
    with Session(desk.engine) as s:
        batch = _batch(s, desk, batch_id)
        counts = Counter({str(st): int(n) for st, n in s.exec(
            select(col(StockItem.status), func.count()).where(col(StockItem.batch_id) == batch_id)
            .group_by(col(StockItem.status))).all()})
        rows = s.exec(select(StockItem).where(col(StockItem.batch_id) == batch_id,
                                              col(StockItem.status).in_(list(DISCREPANCY_OF)))
                      .order_by(col(StockItem.line_no), col(StockItem.id))).all()
        found = tuple(DiscrepancyLine(r.id or 0, DISCREPANCY_OF[StockStatus(r.status)], r.line_no, r.card_number,
                                      r.note) for r in rows)
        return BatchView(batch_id, batch.manifest_ref, BatchStatus(batch.status), batch.lines, dict(counts), found)


@dataclass(frozen=True)
class OpenBatch:
    """A batch still open, as the stock screen lists it."""

    batch_id: int
    batch_number: str
    lines: int
    received_at: datetime
    scanned: int
    """Lines whose card was scanned in (received)."""
    open_lines: int
    """Lines not accounted for yet: missing (not scanned), mismatched, extra."""


def open_batches(desk: Desk) -> list[OpenBatch]:
    """This outlet's manifest batches still open, oldest first, each with how far its scan-in has come."""
    with Session(desk.engine) as s:
        batches = s.exec(select(StockBatch).where(
            col(StockBatch.outlet_code) == desk.outlet_code, col(StockBatch.kind) == BatchKind.MANIFEST,
            col(StockBatch.status) == BatchStatus.ANNOUNCED).order_by(col(StockBatch.id))).all()
        ids = [b.id for b in batches]
        counts: dict[int, Counter[str]] = {}
        for batch_id, status, count in s.exec(
                select(col(StockItem.batch_id), col(StockItem.status), func.count())
                .where(col(StockItem.batch_id).in_(ids)).group_by(col(StockItem.batch_id), col(StockItem.status))
        ).all():
            counts.setdefault(int(batch_id), Counter())[str(status)] = int(count)
        found = []
        for b in batches:
            by_status = counts.get(b.id or 0, Counter())
            found.append(OpenBatch(b.id or 0, b.manifest_ref, b.lines, b.received_at.astimezone(desk.tz),
                                   by_status[StockStatus.RECEIVED], sum(by_status[st] for st in DISCREPANCY_OF)))
        return found


def _batch(s: Session, desk: Desk, batch_id: int) -> StockBatch:
    batch = s.get(StockBatch, batch_id) if is_record_id(batch_id) else None
    if batch is None or batch.outlet_code != desk.outlet_code:
        raise NotFound(_("There is no batch {id} at this outlet.").format(id=batch_id))
    return batch


def resolve_discrepancy(desk: Desk, supervisor: Actor, item_id: int, reason: str) -> StockStatus:
    """Resolve one open line: a missing card is written off, a mismatched or extra card sent back to the card
    centre; the supervisor's reason is kept with it. Returns the line's new status."""
    reason = " ".join(clean_text(reason, _("The reason"), REASON_MAX, multi_line=True).split())
    if not reason:
        raise BatchRefused(_("Give the reason for resolving the discrepancy."))
    with UnitOfWork(desk, supervisor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        item = s.get(StockItem, item_id) if is_record_id(item_id) else None
        if item is None or item.outlet_code != desk.outlet_code or item.blank:
            raise NotFound(_("There is no stock line {id} at this outlet.").format(id=item_id))
        batch = open_batch(s, desk, item.batch_id)
        status = StockStatus(item.status)
        if status not in RESOLUTION_OF:
            raise BatchRefused(_("Stock line {id} is {status}: there is nothing to resolve.").format(
                id=item_id, status=status.label))
        item.status = move_stock(item.status, RESOLUTION_OF[status])
        item.note = reason
        item.resolved_by, item.resolved_at = supervisor.operator_id, desk.now()
        uow.audit(AuditAction.STOCK_DISCREPANCY_RESOLVED, "stock_item", item_id, person_id=item.person_id,
                  before={"status": status}, after={"status": item.status, "batch": batch.manifest_ref,
                                                    "line": item.line_no, "card_number": item.card_number,
                                                    "discrepancy": DISCREPANCY_OF[status], "reason": reason})
        uow.commit()
        return StockStatus(item.status)


def close_batch(desk: Desk, supervisor: Actor, batch_id: int) -> ReceiptData:
    """Close the batch once every line is accounted for (received, written off or sent back); its stock
    receipt states the batch and what became of its cards."""
    with UnitOfWork(desk, supervisor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        batch = open_batch(s, desk, batch_id)
        counts = {str(st): int(n) for st, n in s.exec(
            select(col(StockItem.status), func.count()).where(col(StockItem.batch_id) == batch_id)
            .group_by(col(StockItem.status))).all()}
        still = {st: counts.get(st, 0) for st in DISCREPANCY_OF if counts.get(st, 0)}
        if still:
            raise BatchRefused(_("Batch {batch} cannot close yet: {open}. Scan the cards in or resolve the "
                                 "discrepancies first.").format(batch=batch.manifest_ref, open=", ".join(
                                     f"{n} {DISCREPANCY_OF[StockStatus(st)].label}" for st, n in still.items())))
        batch.status = BatchStatus.CLOSED
        batch.closed_at, batch.closed_by = desk.now(), supervisor.operator_id
        _event, receipt = issue_receipt(
            uow, AuditAction.STOCK_BATCH_CLOSED, "stock_batch", batch_id, person_id=None, card_number="",
            after={"batch_number": batch.manifest_ref, "lines": batch.lines, "counts": counts},
            batch_number=batch.manifest_ref, stock_counts=counts)
        uow.commit()
        return receipt
