"""The withdrawal of a loss report sent to the supervisors, on both databases, at an outlet with
``dual_control = ["withdraw_loss"]``: the clerk with the found card in the reader asks, a supervisor
decides at their own desk, the clerk withdraws the report with the approval; it is used once, only for
the card it was asked for, only by the clerk who asked, only that day; a rejection says why and nothing
is withdrawn; a request can be withdrawn while it waits."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Approval, AuditEvent, Card, LossReport, Person
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.services.approvals import decisions
from outlet_desk.services.approvals.kinds import SecondOperatorNeeded, WithdrawalApprovalRefused
from outlet_desk.services.approvals.withdrawal import (
    cancel_withdrawal,
    open_withdrawal,
    request_withdrawal,
    withdrawal_state,
)
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.loss import ChipDoesNotMatch, LossResult, withdraw_loss
from tests.clock import FakeClock
from tests.services.builders import cards_without_application, chip_of, identity, login, reload, seed
from tests.services.conftest import SeededFactory

DUAL = '\n[security]\ndual_control = ["withdraw_loss"]\n'


@pytest.fixture
def dual(make_seeded: SeededFactory) -> Desk:
    """An outlet where a withdrawal needs a second operator or a supervisor's approval."""
    return make_seeded(DUAL)


def suspended_cards(desk: Desk, n: int) -> list[tuple[Person, Card]]:
    """``n`` cards reported lost by the hotline (suspended), no reissue applied for: (holder, card)."""
    return cards_without_application(desk, "suspended", n)


def ask(desk: Desk, clerk: Actor, person: Person, card: Card, why: str = "found in the waiting hall") -> int:
    check = identity(desk, clerk, person, "withdraw_loss")
    return request_withdrawal(desk, clerk, card.id or 0, check, chip_of(card, person), why).approval_id


def withdraw(desk: Desk, clerk: Actor, person: Person, card: Card, approval_id: int) -> LossResult:
    fresh = reload(desk, card.id or 0)
    return withdraw_loss(desk, clerk, card.id or 0, fresh.version, identity(desk, clerk, person, "withdraw_loss"),
                         chip_of(card, person), approval_id=approval_id)


def test_approved_at_the_supervisors_desk_then_the_report_is_withdrawn(dual: Desk) -> None:
    clerk, sup = login(dual, "clerk1"), login(dual, "super1")
    [(person, card)] = suspended_cards(dual, 1)
    approval_id = ask(dual, clerk, person, card, "found under the counter of window 3")
    assert withdrawal_state(dual, clerk, approval_id).status == "pending"

    waiting = decisions.pending_approvals(dual, sup)  # the supervisor reads who asks, what, for whom
    assert [(a.id, a.action, a.maker, a.reason) for a in waiting] == [
        (approval_id, "withdraw_loss", "clerk1", "found under the counter of window 3")]
    assert mask_citizen_id(person.citizen_number) in waiting[0].subject and card.card_number in waiting[0].subject
    assert person.name in waiting[0].subject and person.citizen_number not in waiting[0].subject
    with pytest.raises(WithdrawalApprovalRefused, match="still waiting"):
        withdraw(dual, clerk, person, card, approval_id)
    assert reload(dual, card.id).status == "suspended"

    decisions.decide(dual, sup, approval_id, approve=True)
    state = withdrawal_state(dual, clerk, approval_id)
    assert (state.status, state.checker, state.usable) == ("approved", "主管 张敏", True)
    result = withdraw(dual, clerk, person, card, approval_id)
    assert result.card_status is CardStatus.ACTIVE  # the card works again
    assert withdrawal_state(dual, clerk, approval_id).status == "used"
    with Session(dual.engine) as s:
        report = s.get(LossReport, result.report_id)
        assert report is not None and report.withdrawn_by == clerk.operator_id
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "loss_withdrawn")).one()
        after = json.loads(event.after)
        assert (after["approval"], after["approved_by"], after["second_operator"]) == (approval_id, "super1", None)
        assert verify_chain(s, dual.audit_key, dual.outlet_code).intact
    assert open_withdrawal(dual, clerk, card.id or 0) is None  # nothing left for the screen to pick up


def test_a_rejected_withdrawal_says_why_and_the_card_stays_blocked(dual: Desk) -> None:
    clerk, sup = login(dual, "clerk1"), login(dual, "super1")
    [(person, card)] = suspended_cards(dual, 1)
    approval_id = ask(dual, clerk, person, card, "a neighbour brought it")
    decisions.decide(dual, sup, approval_id, approve=False, reason="the holder must bring it in person")
    state = withdrawal_state(dual, clerk, approval_id)
    assert (state.status, state.decision, state.reason) == (
        "rejected", "the holder must bring it in person", "a neighbour brought it")
    with pytest.raises(WithdrawalApprovalRefused, match="rejected: the holder must bring it in person"):
        withdraw(dual, clerk, person, card, approval_id)
    assert reload(dual, card.id).status == "suspended"


def test_an_approval_is_used_once_for_its_own_card_by_the_clerk_who_asked(dual: Desk) -> None:
    clerk, other_clerk, sup = login(dual, "clerk1"), login(dual, "clerk2"), login(dual, "super1")
    (person, card), (person2, card2) = suspended_cards(dual, 2)
    approval_id = ask(dual, clerk, person, card)
    decisions.decide(dual, sup, approval_id, approve=True)

    with pytest.raises(WithdrawalApprovalRefused, match="another card"):  # another person's card
        withdraw(dual, clerk, person2, card2, approval_id)
    with pytest.raises(WithdrawalApprovalRefused, match="another clerk"):  # a clerk who did not ask
        withdraw(dual, other_clerk, person, card, approval_id)
    assert (reload(dual, card.id).status, reload(dual, card2.id).status) == ("suspended", "suspended")

    withdraw(dual, clerk, person, card, approval_id)
    with pytest.raises(WithdrawalApprovalRefused, match="already been used"):  # a second use, on another card
        withdraw(dual, clerk, person2, card2, approval_id)
    assert reload(dual, card2.id).status == "suspended"
    with Session(dual.engine) as s:
        row = s.get(Approval, approval_id)
        assert row is not None and (row.status, row.checker_id) == ("used", sup.operator_id)


def test_an_approval_holds_only_on_the_day_it_was_asked_for(dual: Desk, clock: FakeClock) -> None:
    clerk, sup = login(dual, "clerk1"), login(dual, "super1")
    [(person, card)] = suspended_cards(dual, 1)
    approval_id = ask(dual, clerk, person, card)
    decisions.decide(dual, sup, approval_id, approve=True)
    assert open_withdrawal(dual, clerk, card.id or 0) is not None
    clock.advance(days=1)
    assert open_withdrawal(dual, clerk, card.id or 0) is None  # tomorrow's screen does not pick it up
    with pytest.raises(WithdrawalApprovalRefused, match="only on that day"):
        withdraw(dual, clerk, person, card, approval_id)
    assert reload(dual, card.id).status == "suspended"


def test_the_approval_does_not_replace_the_card_in_the_reader(dual: Desk) -> None:
    clerk, sup = login(dual, "clerk1"), login(dual, "super1")
    [(person, card)] = suspended_cards(dual, 1)
    approval_id = ask(dual, clerk, person, card)
    decisions.decide(dual, sup, approval_id, approve=True)
    with pytest.raises(ChipDoesNotMatch, match="not the reported card"):
        withdraw_loss(dual, clerk, card.id or 0, card.version, identity(dual, clerk, person, "withdraw_loss"),
                      chip_of(card, person, card_number="X99999999"), approval_id=approval_id)
    with pytest.raises(SecondOperatorNeeded, match="signed once"):  # not both a co-signature and an approval
        withdraw_loss(dual, clerk, card.id or 0, card.version, identity(dual, clerk, person, "withdraw_loss"),
                      chip_of(card, person), second_operator=login(dual, "clerk2"), approval_id=approval_id)
    assert withdrawal_state(dual, clerk, approval_id).usable  # still there for the right card


def test_a_waiting_request_can_be_withdrawn_and_leaves_the_supervisors_list(dual: Desk) -> None:
    clerk, sup = login(dual, "clerk1"), login(dual, "super1")
    [(person, card)] = suspended_cards(dual, 1)
    approval_id = ask(dual, clerk, person, card)
    assert open_withdrawal(dual, clerk, card.id or 0) == withdrawal_state(dual, clerk, approval_id)
    with pytest.raises(WithdrawalApprovalRefused, match="already waiting"):
        ask(dual, login(dual, "clerk2"), person, card)
    assert cancel_withdrawal(dual, clerk, approval_id).status == "cancelled"
    assert decisions.pending_approvals(dual, sup) == []
    assert open_withdrawal(dual, clerk, card.id or 0) is None
    with pytest.raises(RecordChanged, match="already been decided"):
        decisions.decide(dual, sup, approval_id, approve=True)
    with pytest.raises(WithdrawalApprovalRefused, match="withdrawn"):
        withdraw(dual, clerk, person, card, approval_id)
    with Session(dual.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "approval_withdrawn")).one()
        assert event.person_id == person.id
    again = ask(dual, clerk, person, card, "found, asked again")
    decisions.decide(dual, sup, again, approve=True)
    with pytest.raises(WithdrawalApprovalRefused, match="already been decided"):
        cancel_withdrawal(dual, clerk, again)


def test_what_cannot_be_sent_for_approval(dual: Desk, desk: Desk) -> None:
    clerk = login(dual, "clerk1")
    (person, card), (person2, card2) = suspended_cards(dual, 2)
    check = identity(dual, clerk, person, "withdraw_loss")
    with pytest.raises(WithdrawalApprovalRefused, match="where and how the card was found"):
        request_withdrawal(dual, clerk, card.id or 0, check, chip_of(card, person), "   ")
    with pytest.raises(ChipDoesNotMatch):  # the card in the reader must be the reported card
        request_withdrawal(dual, clerk, card.id or 0, check, chip_of(card2, person2), "found")
    with pytest.raises(Exception, match="identity check"):  # the holder's identity checked for this task
        request_withdrawal(dual, clerk, card.id or 0, 0, chip_of(card, person), "found")
    with pytest.raises(Exception, match="no request"):  # another clerk's request is not theirs to watch
        withdrawal_state(dual, login(dual, "clerk2"), ask(dual, clerk, person, card))
    with Session(dual.engine) as s:
        assert s.exec(select(Approval).where(col(Approval.entity_id) == card2.id)).first() is None

    seed(desk)  # the same store at an outlet without dual control: no approval needed
    plain_clerk = login(desk, "clerk1")
    [(p, c)] = suspended_cards(desk, 1)
    with pytest.raises(WithdrawalApprovalRefused, match="without a supervisor's approval"):
        request_withdrawal(desk, plain_clerk, c.id or 0, identity(desk, plain_clerk, p, "withdraw_loss"),
                           chip_of(c, p), "found")
