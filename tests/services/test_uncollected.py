"""Cards nobody came for, on both databases: listed once kept past ``collection.retention_days``, returned to
the issuing centre by a supervisor with a second operator as witness (card returned, request cancelled, one
audit event naming the witness), never earlier, never alone or with themselves as witness, never by a clerk,
never twice."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card, ReissueRequest
from outlet_desk.domain.card_lifecycle import TransitionRefused
from outlet_desk.domain.retention import RetentionNotOver
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services import audit
from outlet_desk.services.approvals.kinds import ReturnRefused
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.uncollected import cards_due_for_return, return_uncollected
from tests.clock import FakeClock
from tests.services.builders import login


@pytest.fixture
def people(seeded: Desk) -> dict[str, Actor]:
    return {u: login(seeded, u) for u in ("clerk1", "clerk2", "super1")}


def chain(desk: Desk) -> audit.ChainReport:
    with desk.engine.connect() as conn:
        return audit.verify_chain(conn, desk.audit_key, desk.outlet_code)


def ready_cards(desk: Desk) -> list[Card]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Card).where(col(Card.status) == "ready").order_by(col(Card.id))).all())


def test_a_card_is_listed_and_returned_only_after_the_retention_period(
    desk: Desk, people: dict[str, Actor], clock: FakeClock
) -> None:
    sup, witness = people["super1"], people["clerk2"]
    ready = ready_cards(desk)
    assert ready, "the training data has cards ready for collection"
    card = ready[0]
    with pytest.raises(RetentionNotOver, match=r"it can be returned from \d{4}-\d\d-\d\d"):
        return_uncollected(desk, sup, witness, card.id or 0, card.version)
    assert all(c.ageing.days_waiting >= 180 for c in cards_due_for_return(desk, sup))

    clock.advance(days=181)
    due = cards_due_for_return(desk, sup)
    assert {c.card_id for c in due} == {c.id for c in ready}
    assert all(c.ageing.days_waiting >= 180 and c.citizen_number_masked.count("*") >= 8 for c in due)
    assert [c.ageing.ready_on for c in due] == sorted(c.ageing.ready_on for c in due)  # the longest waiting first

    first = due[0]
    events_before = chain(desk).events_checked
    done = return_uncollected(desk, sup, witness, first.card_id, first.version)
    assert done.card_number == first.card_number
    with Session(desk.engine) as s:
        returned = s.get(Card, first.card_id)
        assert returned is not None and returned.status == "returned"
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.new_card_id) == first.card_id)).first()
        assert request is None or request.status == "cancelled"
        last = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert last is not None and (last.action, last.entity_id) == ("card_returned_uncollected", str(first.card_id))
        assert '"witness": "clerk2"' in (last.after or "")
    report = chain(desk)
    assert report.intact and report.events_checked == events_before + 1
    assert first.card_id not in {c.card_id for c in cards_due_for_return(desk, sup)}

    with pytest.raises(RecordChanged):  # a second supervisor acting on the list they read before
        return_uncollected(desk, sup, witness, first.card_id, first.version)
    with pytest.raises(TransitionRefused, match="returned"):  # read again: it is no longer ready
        return_uncollected(desk, sup, witness, first.card_id, done.version)


def test_a_clerk_neither_lists_nor_returns_uncollected_cards(
    desk: Desk, people: dict[str, Actor], clock: FakeClock
) -> None:
    clock.advance(days=400)
    card = ready_cards(desk)[0]
    with pytest.raises(Forbidden):
        cards_due_for_return(desk, people["clerk1"])
    with pytest.raises(Forbidden):
        return_uncollected(desk, people["clerk1"], people["super1"], card.id or 0, card.version)
    assert ready_cards(desk)[0].status == "ready"


def test_a_return_needs_a_second_operator_other_than_the_supervisor(
    desk: Desk, people: dict[str, Actor], clock: FakeClock
) -> None:
    clock.advance(days=400)
    card = ready_cards(desk)[0]
    hotline = login(desk, "hotline1")
    events = chain(desk).events_checked
    with pytest.raises(ReturnRefused, match="second operator"):
        return_uncollected(desk, people["super1"], None, card.id or 0, card.version)
    with pytest.raises(ReturnRefused, match="other than the one who returns it"):
        return_uncollected(desk, people["super1"], people["super1"], card.id or 0, card.version)
    with pytest.raises(ReturnRefused, match="a clerk or a supervisor"):
        return_uncollected(desk, people["super1"], hotline, card.id or 0, card.version)
    assert ready_cards(desk)[0].status == "ready" and chain(desk).events_checked == events
