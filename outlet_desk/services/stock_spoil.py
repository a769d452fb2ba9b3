"""A spoiled card (damaged in writing, printing or handling): recorded by the clerk with a second operator at
the same counter as witness (dual control: the approval is recorded with maker and checker, never the same
person) and the reason. A blank card leaves the blank stock; a card in stock becomes ``spoiled``. Its record is
a receipt, sealed like every other."""

from __future__ import annotations

from sqlmodel import col, select

from outlet_desk.db.tables import Approval, Card, StockItem
from outlet_desk.domain.approvals import ApprovalKind, ApprovalStatus
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardEvent
from outlet_desk.domain.card_numbers import validate_card_number
from outlet_desk.domain.roles import Action
from outlet_desk.domain.stock import StockStatus
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.approvals.kinds import SPOIL_WITNESS, SpoilRefused
from outlet_desk.services.approvals.requests import check_signer
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.queries import card_by_number
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import move_card
from outlet_desk.services.stock_blanks import leave_blank_stock
from outlet_desk.services.uow import UnitOfWork


def spoil_card(desk: Desk, clerk: Actor, witness: Actor | None, reason: str, card_number: str | None = None
               ) -> ReceiptData:
    """Record a spoiled card: ``card_number`` (a card in stock at this outlet), or else one blank card. Refused
    without a witness other than the clerk, or without a reason."""
    reason = " ".join(clean_text(reason, _("The reason"), REASON_MAX, multi_line=True).split())
    if witness is None:
        raise SpoilRefused(_("A spoiled card is recorded with a second operator as witness: they sign in at this "
                             "counter."))
    check_signer(SPOIL_WITNESS, clerk, witness)
    if not reason:
        raise SpoilRefused(_("Give the reason the card was spoiled (writing, printing or handling)."))
    number = validate_card_number(card_number) if card_number is not None else None
    with UnitOfWork(desk, clerk, Action.SPOIL_CARD) as uow:
        s = uow.session
        now = desk.now()
        card: Card | None = None
        if number is None:
            item = leave_blank_stock(s, desk, StockStatus.SPOILED)
        else:
            card = card_by_number(s, number)
            if card is None or card.outlet_code != desk.outlet_code:
                raise NotFound(_("There is no card {card} at this outlet.").format(card=number))
            move_card(desk, card, CardEvent.SPOIL)
            line = s.exec(select(StockItem).where(col(StockItem.card_id) == card.id)).first()
            if line is None:
                raise SpoilRefused(_("Card {card} did not come into stock through a batch.").format(card=number))
            item = line
        item.spoiled_at, item.spoiled_witness_id, item.note = now, witness.operator_id, reason
        s.add(item)
        s.flush()
        approval = Approval(outlet_code=desk.outlet_code, action=ApprovalKind.SPOIL_CARD, entity="stock_item",
                            entity_id=item.id, maker_id=clerk.operator_id, checker_id=witness.operator_id,
                            status=ApprovalStatus.USED, reason=reason[:REASON_MAX], created_at=now, decided_at=now)
        s.add(approval)
        s.flush()
        _event, receipt = issue_receipt(
            uow, AuditAction.CARD_SPOILED, "stock_item", item.id or 0, person_id=card.person_id if card else None,
            card_number=card.card_number if card else "",
            after={"blank": card is None, "card_number": card.card_number if card else None, "reason": reason,
                   "witness": witness.username, "approval": approval.id},
            reason=reason, witness=witness.display_name)
        uow.commit()
        return receipt
