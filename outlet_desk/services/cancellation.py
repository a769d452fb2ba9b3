"""Cancelling a person's cards (the holder died or emigrated, a duplicate card): the cards end ``cancelled``
(blocked like a lost card when presented), the person's pending reissue requests are cancelled, and a fee held
for a request whose card was not made yet is paid back (``domain.fees.refund_due``). One transaction, one audit
event, one receipt. The person's row is locked first, as the collection locks it, so a cancellation and a
hand-over for the same person at the same moment run one after the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, CardCancellation, Payment, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.cancellation import CancelReason, cards_to_cancel, checked_document
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus
from outlet_desk.domain.fees import format_yuan, refund_due
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import CLOSED_REQUESTS, RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import (
    card_facts,
    claim,
    load_card,
    lock_person,
    move_card,
    require_identity_check,
)
from outlet_desk.services.request_stages import record_stage
from outlet_desk.services.uow import UnitOfWork

AUDIT_ACTIONS: dict[CancelReason, AuditAction] = {
    CancelReason.DEATH: AuditAction.CARD_CANCELLED_DEATH,
    CancelReason.EMIGRATION: AuditAction.CARD_CANCELLED_EMIGRATION,
    CancelReason.DUPLICATE: AuditAction.CARD_CANCELLED_DUPLICATE,
}


@dataclass(frozen=True)
class Refund:
    request_id: int
    amount_fen: int
    method: str


@dataclass(frozen=True)
class CancellationResult:
    reason: CancelReason
    cancelled: tuple[str, ...]
    """The card numbers cancelled."""
    kept: str | None
    """A duplicate: the card that stays."""
    requests_cancelled: tuple[int, ...]
    refunds: tuple[Refund, ...]
    receipt: ReceiptData

    @property
    def refunded_fen(self) -> int:
        return sum(r.amount_fen for r in self.refunds)


def cancel_cards(
    desk: Desk, actor: Actor, card_id: int, expected_version: int, reason: CancelReason, identity_check_id: int,
    *, document_ref: str = "", keep_card_id: int | None = None,
) -> CancellationResult:
    """Cancel the cards of the holder of ``card_id`` (the card the screen showed, at ``expected_version``): for a
    death or an emigration every card not yet over, for a duplicate every card but ``keep_card_id``."""
    with UnitOfWork(desk, actor, Action.CANCEL_CARD) as uow:
        s = uow.session
        person = lock_person(s, s.exec(select(col(Card.person_id)).where(col(Card.id) == card_id)).first() or 0)
        load_card(s, card_id, expected_version)  # the card the screen showed, as it showed it
        assert person.id is not None
        check = require_identity_check(uow, identity_check_id, person.id, Action.CANCEL_CARD)
        ref = checked_document(reason, check.presenter, document_ref)
        cards = {c.id: c for c in s.exec(select(Card).where(col(Card.person_id) == person.id)
                                         .with_for_update()).all() if c.id is not None}
        requests = list(s.exec(select(ReissueRequest).where(
            col(ReissueRequest.person_id) == person.id,
            col(ReissueRequest.status).not_in([r.value for r in CLOSED_REQUESTS])).with_for_update()).all())
        on_the_way = {r.new_card_id for r in requests if r.old_card_id == keep_card_id and r.new_card_id}
        going = cards_to_cancel(reason, {i: CardStatus(c.status) for i, c in cards.items()}, keep_card_id,
                                on_the_way)
        before = [card_facts(cards[i]) for i in going]
        for i in going:
            move_card(desk, cards[i], CardEvent.CANCEL)
            claim(cards[i])
            s.add(CardCancellation(outlet_code=desk.outlet_code, person_id=person.id, card_id=i, reason=reason.value,
                                   document_ref=ref, kept_card_id=keep_card_id, identity_check_id=check.id or 0,
                                   operator_id=actor.operator_id, cancelled_at=desk.now()))
        ended = [r for r in requests if reason is not CancelReason.DUPLICATE
                 or r.old_card_id in going or r.new_card_id in going]
        refunds = [_cancel_request(s, r, desk.now(), actor.operator_id) for r in ended]
        s.flush()
        paid_back = [r for r in refunds if r.amount_fen]
        kept = cards[keep_card_id].card_number if keep_card_id in cards else None
        _event, receipt = issue_receipt(
            uow, AUDIT_ACTIONS[reason], "person", person.id, person_id=person.id,
            card_number=cards[going[0]].card_number, fee_fen=-sum(r.amount_fen for r in paid_back),
            payment_method=paid_back[0].method if paid_back else "", before={"cards": before},
            after={"cards": [card_facts(cards[i]) for i in going], "reason": reason.value, "document_ref": ref,
                   "kept": kept, "requests_cancelled": [r.id for r in ended],
                   "refunds": [{"request_id": r.request_id, "amount_fen": r.amount_fen, "method": r.method}
                               for r in paid_back],
                   "presenter": check.presenter},
            proxy=(check.proxy_name, check.proxy_relationship) if check.presenter == Presenter.PROXY else None)
        for n, refund in enumerate(paid_back, 1):
            s.add(Payment(outlet_code=desk.outlet_code, request_id=refund.request_id, amount_fen=-refund.amount_fen,
                          method=refund.method, receipt_number=f"{receipt.code}-R{n}", operator_id=actor.operator_id,
                          paid_at=desk.now()))
        uow.commit()
        return CancellationResult(reason, tuple(cards[i].card_number for i in going), kept,
                                  tuple(r.id or 0 for r in ended), tuple(paid_back), receipt)


def _cancel_request(s: Session, request: ReissueRequest, at: datetime, operator_id: int) -> Refund:
    """The request cancelled; what of its fee is paid back, by the method it was paid with."""
    assert request.id is not None
    record_stage(s, request, RequestStatus.CANCELLED, at, operator_id, StageSource.COUNTER)
    held = s.exec(select(func.coalesce(func.sum(col(Payment.amount_fen)), 0))
                  .where(col(Payment.request_id) == request.id)).one()
    paid = s.exec(select(Payment).where(col(Payment.request_id) == request.id, col(Payment.amount_fen) > 0)
                  .order_by(col(Payment.id))).first()
    amount = refund_due(max(int(held), 0), card_made=request.new_card_id is not None)
    return Refund(request.id, amount, paid.method if paid is not None else "")


@dataclass(frozen=True)
class CancelledCard:
    """Why a card was cancelled: for the blocked-card dialog."""

    reason: CancelReason
    document_ref: str
    kept_card_number: str | None


def why_cancelled(s: Session, card_id: int) -> CancelledCard | None:
    """The cancellation of this card, if it was cancelled."""
    row = s.exec(select(CardCancellation).where(col(CardCancellation.card_id) == card_id)).first()
    if row is None:
        return None
    kept = s.get(Card, row.kept_card_id) if row.kept_card_id else None
    return CancelledCard(CancelReason(row.reason), row.document_ref, kept.card_number if kept else None)


def cancellation_words(cancelled: CancelledCard) -> str:
    """Why the card was cancelled, in a sentence the clerk reads on the blocked-card dialog."""
    if cancelled.kept_card_number:
        return _("Cancelled as a duplicate: card {card} stays in use.").format(card=cancelled.kept_card_number)
    return _("Cancelled: {reason} (document {ref}).").format(reason=cancelled.reason.label,
                                                           ref=cancelled.document_ref or "-")


def refund_words(result: CancellationResult) -> str:
    """What was paid back, for the screen's result line ('' when nothing)."""
    if not result.refunded_fen:
        return ""
    return _("{yuan} yuan paid back for the cancelled request.").format(yuan=format_yuan(result.refunded_fen))

