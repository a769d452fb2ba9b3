"""Blank cards for instant issuance: received by count, each taken from stock by the instant issue that writes
it (the card written is the blank taken), counted per outlet. An instant issue with no blank in stock is
refused with the reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, StockBatch, StockItem
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action
from outlet_desk.domain.stock import MAX_BLANKS_RECEIVED, BatchKind, BatchStatus, StockStatus, move_stock
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.uow import UnitOfWork


class NoBlankCard(ServiceError):
    code = "no_blank_card"

    def __init__(self) -> None:
        super().__init__(_("There is no blank card in stock at this outlet: an instant card cannot be written. "
                           "Receive blank cards first (outlet-desk stock blanks), or issue from the factory."))


class BlanksRefused(ServiceError):
    code = "blanks_refused"


@dataclass(frozen=True)
class BlanksReceived:
    batch_id: int
    received: int
    in_stock: int


def blanks_in_stock(s: Session, outlet_code: str) -> int:
    return int(s.exec(select(func.count()).select_from(StockItem).where(
        col(StockItem.outlet_code) == outlet_code, col(StockItem.status) == StockStatus.BLANK)).one())


def receive_blanks(desk: Desk, actor: Actor, count: int) -> BlanksReceived:
    """``count`` blank cards came in (one delivery, one batch): they are in stock at this outlet."""
    if not 1 <= count <= MAX_BLANKS_RECEIVED:
        raise BlanksRefused(_("A delivery of blank cards is 1 to {n} cards, not {count}.").format(
            n=MAX_BLANKS_RECEIVED, count=count))
    with UnitOfWork(desk, actor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        now = desk.now()
        batch = StockBatch(outlet_code=desk.outlet_code, manifest_ref=f"BLANKS-{now:%Y%m%d%H%M%S%f}",
                           kind=BatchKind.BLANKS, status=BatchStatus.CLOSED, lines=count,
                           operator_id=actor.operator_id, received_at=now, closed_at=now, closed_by=actor.operator_id)
        s.add(batch)
        s.flush()
        assert batch.id is not None
        s.execute(insert(StockItem), [{"batch_id": batch.id, "outlet_code": desk.outlet_code, "blank": True,
                                       "status": StockStatus.BLANK, "citizen_number": "", "scanned_at": now}] * count)
        total = blanks_in_stock(s, desk.outlet_code)
        uow.audit(AuditAction.BLANKS_RECEIVED, "stock_batch", batch.id, after={"received": count, "in_stock": total})
        uow.commit()
        return BlanksReceived(batch.id, count, total)


def require_blank(s: Session, desk: Desk) -> None:
    """Refuse (:class:`NoBlankCard`) unless this outlet has a blank card in stock."""
    if not s.exec(select(col(StockItem.id)).where(
            col(StockItem.outlet_code) == desk.outlet_code, col(StockItem.status) == StockStatus.BLANK)).first():
        raise NoBlankCard()


def leave_blank_stock(s: Session, desk: Desk, status: StockStatus) -> StockItem:
    """The oldest blank card in stock, locked and moved to ``status`` (consumed, spoiled), in the caller's
    transaction. :class:`NoBlankCard` if there is none."""
    item = s.exec(select(StockItem).where(
        col(StockItem.outlet_code) == desk.outlet_code, col(StockItem.status) == StockStatus.BLANK,
    ).order_by(col(StockItem.id)).limit(1).with_for_update()).first()
    if item is None:
        raise NoBlankCard()
    item.status = move_stock(item.status, status)
    return item


def take_blank(s: Session, desk: Desk, card: Card) -> int:
    """The oldest blank card in stock becomes ``card`` (written by an instant issue), in the caller's
    transaction; its stock line's id. :class:`NoBlankCard` if there is none."""
    item = leave_blank_stock(s, desk, StockStatus.CONSUMED)
    item.card_id = card.id
    s.add(item)
    s.flush()
    assert item.id is not None
    return item.id
