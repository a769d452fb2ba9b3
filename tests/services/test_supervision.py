"""Supervision on both databases: approvals waiting and decided (maker != checker), operators taken out
of service and back."""

from __future__ import annotations

import pytest

from outlet_desk.domain.roles import AccountOutOfReach, Forbidden
from outlet_desk.services import demo, operators, supervision
from outlet_desk.services.approvals import decisions
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused, RecordChanged
from tests.services.builders import login, seed


@pytest.fixture
def people(desk: Desk) -> dict[str, Actor]:
    """The training operators alone (no holders), three of them signed in."""
    seed(desk, persons=0)
    return {u: login(desk, u) for u in ("clerk1", "super1", "admin")}


def test_a_waiting_approval_is_listed_and_decided_by_someone_else(desk: Desk, people: dict[str, Actor]) -> None:
    asked = decisions.request_approval(desk, people["super1"], "spoil_card", "card", 7, "chip cracked")
    waiting = decisions.pending_approvals(desk, people["super1"])
    assert [(a.id, a.maker, a.status) for a in waiting] == [(asked.id, "super1", "pending")]
    with pytest.raises(decisions.ApprovalRefused, match="another supervisor"):
        decisions.decide(desk, people["super1"], asked.id, approve=True)
    with pytest.raises(Forbidden):
        decisions.decide(desk, people["clerk1"], asked.id, approve=True)
    other = decisions.request_approval(desk, people["clerk1"], "spoil_card", "card", 8, "printing fault")
    with pytest.raises(decisions.ApprovalRefused, match="why"):
        decisions.decide(desk, people["super1"], other.id, approve=False)
    decided = decisions.decide(desk, people["super1"], other.id, approve=False, reason="card is fine")
    assert (decided.status, decided.checker) == ("rejected", "super1")
    assert (decided.reason, decided.decision_reason) == ("printing fault", "card is fine")  # each their own words
    with pytest.raises(RecordChanged, match="already been decided"):
        decisions.decide(desk, people["super1"], other.id, approve=True)
    assert [a.id for a in decisions.pending_approvals(desk, people["super1"])] == [asked.id]


def test_two_supervisors_deciding_at_once_make_one_decision(desk: Desk, people: dict[str, Actor]) -> None:
    """One approves, the other rejects, at the same moment: one decision stands, the other is told it was
    already decided, and one decision is audited."""
    from sqlmodel import Session, col, select

    from outlet_desk.db.tables import AuditEvent
    from tests.services.builders import at_once
    from tests.services.races import reads_held_together

    super2 = operators.authenticate(desk, "super2", demo.training_password("super2"))  # the training's second
    asked = decisions.request_approval(desk, people["clerk1"], "spoil_card", "card", 9, "chip cracked")
    with reads_held_together(desk.engine, "approval"):  # both read "pending" unless the row is locked
        outcomes = at_once(
            lambda actor, approve: decisions.decide(desk, actor, asked.id, approve=bool(approve), reason="seen"),
            [people["super1"], super2], [1, 0], (RecordChanged,))
    decided = [o for o in outcomes if isinstance(o, decisions.ApprovalView)]
    refused = [o for o in outcomes if isinstance(o, RecordChanged)]
    assert (len(decided), len(refused)) == (1, 1), outcomes
    assert "already been decided" in refused[0].message
    with Session(desk.engine) as s:
        events = s.exec(select(AuditEvent).where(col(AuditEvent.entity) == "approval",
                                                 col(AuditEvent.entity_id) == str(asked.id),
                                                 col(AuditEvent.action) != "approval_requested")).all()
    assert [e.action for e in events] == ["approval_" + decided[0].status]


def test_two_administrators_deactivating_each_other_at_once_leave_one_active(
    desk: Desk, people: dict[str, Actor]
) -> None:
    """Each takes the other out of service at the same moment: one change is made, the other is refused as
    the last active administrator's, and the outlet keeps an administrator who can sign in."""
    from outlet_desk.domain.roles import Role
    from tests.services.builders import at_once
    from tests.services.races import reads_held_together

    operators.add_operator(desk, people["admin"], "admin2", "Second Admin", Role.ADMIN, "second admin password")
    admin2 = operators.authenticate(desk, "admin2", "second admin password")
    targets = {people["admin"].username: "admin2", "admin2": people["admin"].username}
    with reads_held_together(desk.engine, "operator"):  # both count two administrators unless rows are locked
        outcomes = at_once(
            lambda actor, _n: supervision.set_active(desk, actor, targets[actor.username], active=False,
                                                     reason="left"),
            [people["admin"], admin2], [0, 1], (supervision.OperatorChangeRefused,))
    refused = [o for o in outcomes if isinstance(o, supervision.OperatorChangeRefused)]
    assert len(refused) == 1 and "last active administrator" in refused[0].message, outcomes
    active = {o.username: o.active for o in supervision.operators_overview(desk, people["super1"])}
    assert [active["admin"], active["admin2"]].count(True) == 1


def test_a_deactivated_operator_cannot_sign_in_until_reactivated(desk: Desk, people: dict[str, Actor]) -> None:
    sup = people["super1"]
    supervision.deactivate(desk, sup, "clerk1", "left the outlet")
    with pytest.raises(LoginRefused):
        operators.authenticate(desk, "clerk1", demo.training_password("clerk1"))
    assert {o.username: o.active for o in supervision.operators_overview(desk, sup)}["clerk1"] is False
    with pytest.raises(supervision.OperatorChangeRefused, match="already inactive"):
        supervision.deactivate(desk, sup, "clerk1", "again")
    supervision.reactivate(desk, sup, "clerk1", "back from leave")
    assert operators.authenticate(desk, "clerk1", demo.training_password("clerk1")).username == "clerk1"


def test_deactivation_refusals(desk: Desk, people: dict[str, Actor]) -> None:
    with pytest.raises(supervision.OperatorChangeRefused, match="yourself"):
        supervision.deactivate(desk, people["super1"], "super1", "x")
    with pytest.raises(AccountOutOfReach, match="only an administrator creates administrator and supervisor"):
        supervision.deactivate(desk, people["super1"], "admin", "x")  # domain.roles.MANAGES
    with pytest.raises(supervision.OperatorChangeRefused, match="reason"):
        supervision.deactivate(desk, people["super1"], "clerk1", " ")
    with pytest.raises(Forbidden):
        supervision.deactivate(desk, people["clerk1"], "super1", "coup")
