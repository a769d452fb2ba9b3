"""Retaining a blocked card, on both databases: the card is recorded as retained by its audit event and a voucher
receipt is issued, sealed like every receipt (it verifies); a card in use or one retained already is refused,
nothing written."""

from __future__ import annotations

import pytest

from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services.context import Desk
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.receipts import render_text
from outlet_desk.services.retained_card import RetainRefused, retain_card
from tests.services.builders import audit_events, login, person_with


def test_a_lost_card_is_retained_with_a_sealed_voucher(seeded: Desk) -> None:
    person, card = person_with(seeded, CardStatus.LOST)
    voucher = retain_card(seeded, login(seeded, "clerk1"), card.card_number)
    assert voucher.kind == AuditAction.CARD_RETAINED and voucher.card_number == card.card_number
    text = render_text(voucher)
    assert "Voucher for a retained card" in text and card.card_number in text and person.name not in text
    [event] = audit_events(seeded, "card_retained")
    assert event.entity_id == str(card.id) and event.person_id == person.id
    checked = verify_receipt(seeded, voucher.code)
    assert checked is not None and not checked.seal_problem and not checked.differs
    assert checked.record.kind == AuditAction.CARD_RETAINED
    with pytest.raises(RetainRefused, match="retained already"):
        retain_card(seeded, login(seeded, "clerk1"), card.card_number)
    assert len(audit_events(seeded, "card_retained")) == 1


def test_a_card_in_use_is_not_retained_and_a_hotline_agent_may_not(seeded: Desk) -> None:
    _person, active = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(RetainRefused, match="only a blocked card"):
        retain_card(seeded, login(seeded, "clerk1"), active.card_number)
    _person, lost = person_with(seeded, CardStatus.LOST)
    with pytest.raises(Forbidden):
        retain_card(seeded, login(seeded, "hotline1"), lost.card_number)
    assert audit_events(seeded, "card_retained") == []
