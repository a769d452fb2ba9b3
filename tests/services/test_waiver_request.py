"""A fee waiver sent to the supervisors, on both databases: the clerk asks, a supervisor decides at their
own desk, the clerk takes the application with the fee waived; the approval is used once, only for the
card and reason it was asked for, only by the clerk who asked, only that day; a rejection says why; a
request can be withdrawn while it waits."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Approval, AuditEvent, Payment, Person, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.services.approvals import decisions
from outlet_desk.services.approvals.kinds import WaiverRefused
from outlet_desk.services.approvals.waiver import open_waiver, request_waiver, waiver_state, withdraw_waiver
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.reissue import apply_reissue
from tests.clock import FakeClock
from tests.services.builders import cards_without_application, identity, login, person_with

LOST = ReissueReason.LOST


def lost_cards(desk: Desk, n: int) -> list[tuple[Person, int, int]]:
    """``n`` formally lost cards without an application: (holder, card id, card version)."""
    return [(person, card.id or 0, card.version) for person, card in cards_without_application(desk, "lost", n)]


def apply_waived(desk: Desk, clerk: Actor, person: Person, card_id: int, version: int, approval_id: int,
                 reason: ReissueReason = LOST):  # type: ignore[no-untyped-def]
    return apply_reissue(desk, clerk, card_id, version, reason, identity(desk, clerk, person, "apply_reissue"),
                         payment_method=None, waiver_approval_id=approval_id)


def test_waiver_sent_approved_at_the_supervisors_desk_then_the_fee_is_waived(seeded: Desk) -> None:
    clerk, sup = login(seeded, "clerk1"), login(seeded, "super1")
    [(person, card_id, version)] = lost_cards(seeded, 1)
    asked = request_waiver(seeded, clerk, card_id, LOST, "low-income certificate no. 42")
    assert (asked.status, asked.fee_fen, asked.usable) == ("pending", 2000, False)

    waiting = decisions.pending_approvals(seeded, sup)
    assert [(a.id, a.action, a.maker) for a in waiting] == [(asked.approval_id, "waive_fee", "clerk1")]
    subject = waiting[0].subject  # the supervisor reads for whom, which card, and the fee
    assert mask_citizen_id(person.citizen_number) in subject and "20.00" in subject
    assert person.citizen_number not in subject
    assert waiting[0].reason == "low-income certificate no. 42"
    with pytest.raises(WaiverRefused, match="still waiting"):
        apply_waived(seeded, clerk, person, card_id, version, asked.approval_id)

    decisions.decide(seeded, sup, asked.approval_id, approve=True)
    now = waiver_state(seeded, clerk, asked.approval_id)
    assert (now.status, now.checker, now.usable) == ("approved", "主管 张敏", True)
    result = apply_waived(seeded, clerk, person, card_id, version, asked.approval_id)
    assert (result.waived, result.paid_fen) == (True, 0)
    with Session(seeded.engine) as s:
        request = s.get(ReissueRequest, result.request_id)
        assert request is not None
        assert (request.waived, request.waiver_approval_id, request.fee_fen) == (True, asked.approval_id, 2000)
        assert s.exec(select(Payment).where(col(Payment.request_id) == result.request_id)).first() is None
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "reissue_applied")).one()
        after = json.loads(event.after)
        assert (after["waiver_by"], after["waiver_approval"]) == ("super1", asked.approval_id)
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact
    assert waiver_state(seeded, clerk, asked.approval_id).status == "used"


def test_a_rejected_waiver_says_why_and_the_fee_is_due(seeded: Desk) -> None:
    clerk, sup = login(seeded, "clerk1"), login(seeded, "super1")
    [(person, card_id, version)] = lost_cards(seeded, 1)
    asked = request_waiver(seeded, clerk, card_id, LOST, "says he is unemployed")
    decisions.decide(seeded, sup, asked.approval_id, approve=False, reason="no certificate shown")
    now = waiver_state(seeded, clerk, asked.approval_id)
    assert (now.status, now.decision, now.waiver_reason) == ("rejected", "no certificate shown",
                                                            "says he is unemployed")
    with pytest.raises(WaiverRefused, match="rejected: no certificate shown"):
        apply_waived(seeded, clerk, person, card_id, version, asked.approval_id)
    paid = apply_reissue(seeded, clerk, card_id, version, LOST, identity(seeded, clerk, person, "apply_reissue"),
                         payment_method="cash", amount_paid_fen=2000)
    assert (paid.waived, paid.paid_fen) == (False, 2000)


def test_an_approved_waiver_is_used_once_for_its_own_application_only(seeded: Desk) -> None:
    clerk, other_clerk, sup = login(seeded, "clerk1"), login(seeded, "clerk2"), login(seeded, "super1")
    (person, card_id, version), (person2, card2_id, version2) = lost_cards(seeded, 2)
    asked = request_waiver(seeded, clerk, card_id, LOST, "flood victim")
    decisions.decide(seeded, sup, asked.approval_id, approve=True)

    with pytest.raises(WaiverRefused, match="another application"):  # for another person's card
        apply_waived(seeded, clerk, person2, card2_id, version2, asked.approval_id)
    with pytest.raises(WaiverRefused, match="another clerk"):  # by a clerk who did not ask
        apply_waived(seeded, other_clerk, person, card_id, version, asked.approval_id)

    first = apply_waived(seeded, clerk, person, card_id, version, asked.approval_id)
    assert first.waived
    with pytest.raises(WaiverRefused, match="already been used"):  # a second use, even on a fresh card
        apply_waived(seeded, clerk, person2, card2_id, version2, asked.approval_id)
    with Session(seeded.engine) as s:
        assert s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card2_id)).first() is None


def test_an_approved_waiver_holds_only_on_the_day_it_was_asked_for(seeded: Desk, clock: FakeClock) -> None:
    clerk, sup = login(seeded, "clerk1"), login(seeded, "super1")
    [(person, card_id, version)] = lost_cards(seeded, 1)
    asked = request_waiver(seeded, clerk, card_id, LOST, "hospital stay")
    decisions.decide(seeded, sup, asked.approval_id, approve=True)
    assert open_waiver(seeded, clerk, card_id) is not None
    clock.advance(days=1)
    assert open_waiver(seeded, clerk, card_id) is None  # tomorrow's screen does not pick it up
    with pytest.raises(WaiverRefused, match="only on that day"):
        apply_waived(seeded, clerk, person, card_id, version, asked.approval_id)


def test_a_waiting_waiver_can_be_withdrawn_and_leaves_the_supervisors_list(seeded: Desk) -> None:
    clerk, sup = login(seeded, "clerk1"), login(seeded, "super1")
    [(person, card_id, version)] = lost_cards(seeded, 1)
    asked = request_waiver(seeded, clerk, card_id, LOST, "pensioner")
    assert open_waiver(seeded, clerk, card_id) == asked  # the screen opened again picks it up
    with pytest.raises(WaiverRefused, match="already waiting"):
        request_waiver(seeded, login(seeded, "clerk2"), card_id, LOST, "twice")
    withdrawn = withdraw_waiver(seeded, clerk, asked.approval_id)
    assert withdrawn.status == "cancelled"
    assert decisions.pending_approvals(seeded, sup) == []
    assert open_waiver(seeded, clerk, card_id) is None
    with pytest.raises(RecordChanged, match="already been decided: it is withdrawn by the clerk"):
        decisions.decide(seeded, sup, asked.approval_id, approve=True)
    with pytest.raises(WaiverRefused, match="withdrawn"):
        apply_waived(seeded, clerk, person, card_id, version, asked.approval_id)
    with Session(seeded.engine) as s:
        assert s.exec(select(AuditEvent).where(col(AuditEvent.action) == "approval_withdrawn")).one()
    again = request_waiver(seeded, clerk, card_id, LOST, "pensioner, certificate found")  # asks anew
    decisions.decide(seeded, sup, again.approval_id, approve=True)
    with pytest.raises(WaiverRefused, match="already been decided"):
        withdraw_waiver(seeded, clerk, again.approval_id)


def test_the_application_taken_with_the_fee_withdraws_a_waiver_still_waiting(seeded: Desk) -> None:
    clerk, sup = login(seeded, "clerk1"), login(seeded, "super1")
    [(person, card_id, version)] = lost_cards(seeded, 1)
    asked = request_waiver(seeded, clerk, card_id, LOST, "asked, then paid anyway")
    apply_reissue(seeded, clerk, card_id, version, LOST, identity(seeded, clerk, person, "apply_reissue"),
                  payment_method="cash", amount_paid_fen=2000)
    assert decisions.pending_approvals(seeded, sup) == []
    with Session(seeded.engine) as s:
        row = s.get(Approval, asked.approval_id)
        assert row is not None and row.status == "cancelled"


def test_what_cannot_be_sent_for_a_waiver(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    [(_person, card_id, _version)] = lost_cards(seeded, 1)
    with pytest.raises(WaiverRefused, match="reason"):
        request_waiver(seeded, clerk, card_id, LOST, "   ")
    _active_person, active = person_with(seeded, CardStatus.SUSPENDED)
    with pytest.raises(Exception, match="formal loss"):  # a card not formally lost cannot be reissued as lost
        request_waiver(seeded, clerk, active.id or 0, LOST, "poverty")
    with pytest.raises(Exception, match="no fee waiver request"):  # another clerk's request is not theirs
        waiver_state(seeded, login(seeded, "clerk2"), request_waiver(seeded, clerk, card_id, LOST, "x").approval_id)
