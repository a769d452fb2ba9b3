"""The clerk takes an application for a new card, on both databases: the fee from the rules and its payment,
a waiver signed by a supervisor, only for a card formally lost (or expiring soon), once even when two
counters press at the same moment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import (
    Payment,
    ReissueRequest,
)
from outlet_desk.domain.card_lifecycle import CardStatus, TransitionRefused
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.loss import WithdrawalRefused
from outlet_desk.services.approvals.kinds import WaiverRefused
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.receipts import render_text
from outlet_desk.services.reissue import ReissueRefused, apply_reissue, fee_for
from tests.services.builders import apply_for_lost_card, at_once, identity, login, person_with


def test_reissue_takes_the_fee_from_the_rules_and_records_the_payment(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    fee = fee_for(seeded, ReissueReason.LOST)
    assert fee.amount_fen == 2000 and not fee.free
    with pytest.raises(ReissueRefused, match=r"20\.00"):
        apply_for_lost_card(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=1000)
    result = apply_for_lost_card(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    assert (result.paid_fen, result.waived) == (2000, False)
    assert result.due_date == seeded.local_now().date() + timedelta(days=seeded.settings.reissue.due_days_factory)
    with Session(seeded.engine) as s:
        payments = s.exec(select(Payment)).all()
    assert [(p.amount_fen, p.method, p.receipt_number) for p in payments] == [(2000, "cash", result.receipt.code)]
    text = render_text(result.receipt)
    assert "20.00" in text and result.receipt.code in text and person.citizen_number not in text


def test_reissue_of_a_card_not_formally_lost_is_refused(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    with pytest.raises(ReissueRefused, match="formal loss"):
        apply_for_lost_card(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)


def test_fee_waiver_needs_a_supervisor_other_than_the_clerk(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    with pytest.raises(WaiverRefused, match="other than the clerk"):
        apply_for_lost_card(seeded, clerk, person, card, payment_method=None, waiver_by=clerk, waiver_reason="poverty")
    with pytest.raises(WaiverRefused, match="Only a supervisor"):
        apply_for_lost_card(seeded, clerk, person, card, payment_method=None, waiver_by=login(seeded, "clerk2"),
               waiver_reason="poverty")
    result = apply_for_lost_card(seeded, clerk, person, card, payment_method=None, waiver_by=login(seeded, "super1"),
                    waiver_reason="low-income certificate")
    assert (result.waived, result.paid_fen) == (True, 0)


def test_expired_card_exchange_only_within_the_window(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    assert card.expiry_date is not None and card.expiry_date > seeded.local_now().date() + timedelta(days=100)
    check = identity(seeded, clerk, person, "apply_reissue")
    with pytest.raises(ReissueRefused, match="60 days before"):
        apply_reissue(seeded, clerk, card.id or 0, card.version, ReissueReason.EXPIRED, check,
                      payment_method=None)


def test_two_counters_at_once_one_succeeds_nothing_written_twice(seeded: Desk) -> None:
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, card = person_with(seeded, CardStatus.LOST)
    checks = [identity(seeded, c, person, "apply_reissue") for c in (clerk1, clerk2)]
    outcomes = at_once(
        lambda actor, check: apply_reissue(seeded, actor, card.id or 0, card.version, ReissueReason.LOST, check,
                                           payment_method="cash", amount_paid_fen=2000),
        (clerk1, clerk2), checks, (RecordChanged, ReissueRefused, TransitionRefused, WithdrawalRefused))
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], RecordChanged | ReissueRefused)
    with Session(seeded.engine) as s:
        requests = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).all()
        payments = s.exec(select(Payment)).all()
        assert len(requests) == 1 and len(payments) == 1
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact
