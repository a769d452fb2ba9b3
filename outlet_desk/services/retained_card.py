"""Retaining a blocked card: a card reported lost, replaced, returned or spoiled (or suspended) that someone puts
on the counter is kept by the outlet, as the published rule says (``[rules] retained_card``), and whoever
handed it in gets a voucher: a receipt sealed like every other, naming the card and its masked holder. The
card is recorded as retained by its audit event (the record's history shows it); retaining it twice is
refused."""

from __future__ import annotations

from sqlmodel import col, select

from outlet_desk.db.tables import AuditEvent, Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import BLOCKED_WHEN_PRESENTED, CardStatus, status_label
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.queries import card_by_number
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import card_facts
from outlet_desk.services.uow import UnitOfWork


class RetainRefused(ServiceError):
    code = "retain_refused"


def retain_card(desk: Desk, actor: Actor, card_number: str) -> ReceiptData:
    """Record the blocked card ``card_number`` as retained here and issue the voucher (its receipt)."""
    with UnitOfWork(desk, actor, Action.RETAIN_CARD) as uow:
        s = uow.session
        card = card_by_number(s, card_number)
        if card is None or card.id is None:
            raise NotFound(_("No card {card} is on record.").format(card=card_number))
        status = CardStatus(card.status)
        if status not in BLOCKED_WHEN_PRESENTED:
            raise RetainRefused(_("Card {card} is {status}: only a blocked card is retained.").format(
                card=card.card_number, status=status_label(status)))
        retained = s.exec(select(col(AuditEvent.at)).where(
            col(AuditEvent.entity) == "card", col(AuditEvent.entity_id) == str(card.id),
            col(AuditEvent.action) == AuditAction.CARD_RETAINED.value)).first()
        if retained is not None:
            raise RetainRefused(_("Card {card} was retained already; its voucher was issued then.").format(
                card=card.card_number))
        person = s.get(Person, card.person_id)
        assert person is not None
        _event, receipt = issue_receipt(uow, AuditAction.CARD_RETAINED, "card", card.id, person_id=person.id,
                                        card_number=card.card_number, after=card_facts(card))
        uow.commit()
        return receipt
