"""A reissue request's stages (both databases): each step of the request is a stage with its time and who or
what made it, read back as a timeline with the sentence to tell the citizen; a card the card centre could not
make comes in with the manifest or by a supervisor's hand and is ordered again without a second fee. Each rule
has its refusal, and a refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Payment, Person, ReissueRequest, RequestStage
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.manifest import ManifestRefused, parse_manifest
from outlet_desk.domain.request_stages import FailureRefused
from outlet_desk.domain.request_status import RequestMoveRefused, RequestStatus
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services.context import Desk
from outlet_desk.services.loss import CallerNotIdentified
from outlet_desk.services.production_failure import ProductionRefused, record_production_failure, reorder_card
from outlet_desk.services.request_lookup import caller_request_status, person_timelines, request_status
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import scan_in
from tests.services.builders import apply_for_lost_card, audit_events, login, person_with, ready_card
from tests.services.stock_builders import Line, lines_for, manifest, manifest_csv

S = RequestStatus


def _stages(desk: Desk, request_id: int) -> list[str]:
    with Session(desk.engine) as s:
        return list(s.exec(select(col(RequestStage.stage)).where(col(RequestStage.request_id) == request_id)
                           .order_by(col(RequestStage.at), col(RequestStage.id))).all())


def _request_of(desk: Desk, line: Line) -> ReissueRequest:
    with Session(desk.engine) as s:
        person = s.exec(select(Person).where(col(Person.citizen_index) == line.citizen_number)).one()
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.person_id) == person.id)
                         .order_by(col(ReissueRequest.id).desc())).first()
        assert request is not None
        return request


def _failure_csv(batch: str, lines: list[Line], failed: Line, reason: str, card: str = "") -> str:
    """A manifest of ``lines`` and one more line: ``failed``'s card could not be made, for ``reason``."""
    row = f"{batch},{card},,{failed.citizen_number},{failed.name},,{reason}\n"
    return manifest_csv(batch, lines) + row


def test_the_counter_the_manifest_and_the_scan_each_write_their_stage(seeded: Desk) -> None:
    desk = seeded
    supervisor, clerk = login(desk, "super1"), login(desk, "clerk1")
    lines = lines_for(desk, 5)
    request = _request_of(desk, lines[0])
    assert request.id is not None and request.status == S.IN_PRODUCTION
    announced = import_manifest(desk, supervisor, manifest(desk, "B-STAGES", lines))
    assert _stages(desk, request.id)[-1] == S.AT_CITY
    assert scan_in(desk, supervisor, announced.batch_id, lines[0].chip()).card_status is CardStatus.READY
    assert _stages(desk, request.id) == [S.ENTERED, S.PAID, S.IN_PRODUCTION, S.AT_CITY, S.AT_OUTLET, S.READY]

    found = request_status(desk, clerk, lines[0].citizen_number)
    timeline = next(t for t in found.requests if t.request_id == request.id)
    assert timeline.status == S.READY and timeline.stages[3].source == "manifest"
    assert timeline.stages[3].note == "B-STAGES" and timeline.stages[-1].by  # the supervisor who scanned it
    assert "collect it at the outlet" in timeline.tell(desk.local_now().date())
    assert found.masked_number.count("*") and lines[0].citizen_number not in found.masked_number
    read = audit_events(desk, AuditAction.PERSONAL_DATA_READ)[-1]
    assert '"request_status"' in read.after and lines[0].citizen_number not in read.after


def test_an_application_is_entered_paid_and_in_production_and_a_hand_receipt_is_at_the_outlet(seeded: Desk) -> None:
    desk = seeded
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.LOST)
    request_id, _new = ready_card(desk, clerk, person, card)
    assert _stages(desk, request_id) == [S.ENTERED, S.PAID, S.IN_PRODUCTION, S.AT_OUTLET, S.READY]
    [timeline] = [t for t in person_timelines(desk, person.id or 0) if t.request_id == request_id]
    assert all(st.by for st in timeline.stages) and {st.source for st in timeline.stages} == {"counter", "supervisor"}


def test_a_manifest_line_of_a_card_not_made_fails_the_request_and_it_is_ordered_again_for_free(seeded: Desk) -> None:
    desk = seeded
    supervisor, clerk = login(desk, "super1"), login(desk, "clerk1")
    lines = lines_for(desk, 4)
    failed = lines[0]
    request = _request_of(desk, failed)
    assert request.id is not None
    text = _failure_csv("B-FAIL", lines[1:], failed, "photo_rejected")
    announced = import_manifest(desk, supervisor, parse_manifest(text, ".csv", desk.local_now().date()))
    assert (announced.lines, announced.failed) == (3, 1)
    [timeline] = [t for t in request_status(desk, clerk, failed.citizen_number).requests if t.request_id == request.id]
    assert timeline.status == S.PRODUCTION_FAILED and timeline.failure == "photo_rejected"
    assert "new photo" in timeline.tell(desk.local_now().date())

    with Session(desk.engine) as s:
        paid = s.exec(select(func.count()).select_from(Payment)).one()
    desk.clock.advance(days=3)  # type: ignore[attr-defined]
    again = reorder_card(desk, clerk, request.id)
    assert again.due_date == desk.local_now().date() + timedelta(days=desk.settings.reissue.due_days_factory)
    with Session(desk.engine) as s:
        assert s.exec(select(func.count()).select_from(Payment)).one() == paid  # no second fee
    assert _stages(desk, request.id)[-2:] == [S.PRODUCTION_FAILED, S.IN_PRODUCTION]
    assert audit_events(desk, AuditAction.CARD_REORDERED)[-1].after.count('"fee_fen": 0')


def test_a_supervisor_records_a_failure_by_hand_and_the_clerk_is_told_what_the_citizen_must_do(seeded: Desk) -> None:
    desk = seeded
    supervisor = login(desk, "super1")
    request = _request_of(desk, lines_for(desk, 1)[0])
    assert request.id is not None
    failed = record_production_failure(desk, supervisor, request.id, "data_refused", "name does not match")
    assert "document that proves the data" in failed.what_to_do()
    assert _stages(desk, request.id)[-1] == S.PRODUCTION_FAILED
    assert audit_events(desk, AuditAction.PRODUCTION_FAILED)[-1].entity_id == str(request.id)


def test_each_rule_refuses_and_writes_nothing(seeded: Desk) -> None:
    desk = seeded
    supervisor, clerk = login(desk, "super1"), login(desk, "clerk1")
    request = _request_of(desk, lines_for(desk, 1)[0])
    assert request.id is not None
    before = _stages(desk, request.id)
    with pytest.raises(Forbidden):  # a clerk does not record a failure
        record_production_failure(desk, clerk, request.id, "photo_rejected")
    with pytest.raises(FailureRefused, match="photo_rejected, data_refused"):
        record_production_failure(desk, supervisor, request.id, "lost in the post")
    with pytest.raises(ProductionRefused, match="only a request whose production failed"):
        reorder_card(desk, clerk, request.id)
    person, card = person_with(desk, CardStatus.LOST)
    ready_id, _card = ready_card(desk, clerk, person, card)
    with pytest.raises(RequestMoveRefused, match="ready cannot become production failed"):
        record_production_failure(desk, supervisor, ready_id, "photo_rejected")
    assert _stages(desk, request.id) == before and _stages(desk, ready_id)[-1] == S.READY
    with pytest.raises(CallerNotIdentified):
        caller_request_status(desk, login(desk, "hotline1"), person.citizen_number, person.name, "00000000000")
    assert not [e for e in audit_events(desk, AuditAction.PERSONAL_DATA_READ)]


def test_a_failure_line_is_checked_like_every_line(seeded: Desk) -> None:
    desk = seeded
    lines = lines_for(desk, 3)
    today = desk.local_now().date()
    with pytest.raises(ManifestRefused, match=r"line 4: 'torn' is not a reason production fails"):
        parse_manifest(_failure_csv("B-BAD", lines[1:], lines[0], "torn"), ".csv", today)
    with pytest.raises(ManifestRefused, match="line 4: a line with a failure has no card number"):
        parse_manifest(_failure_csv("B-BAD", lines[1:], lines[0], "photo_rejected", "M79999999"), ".csv", today)
    other = lines_for(desk, 10)[-1]  # a holder with no request waiting
    text = _failure_csv("B-BAD", lines[:2], other, "photo_rejected")
    with pytest.raises(ManifestRefused, match="line 4: no reissue request of this holder waits"):
        import_manifest(desk, login(desk, "super1"), parse_manifest(text, ".csv", today))
    with Session(desk.engine) as s:
        assert s.exec(select(func.count()).select_from(RequestStage)
                      .where(col(RequestStage.stage) == S.AT_CITY)).one() == 0


def test_an_application_taken_now_reads_as_being_made_with_its_due_date(seeded: Desk) -> None:
    desk = seeded
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.LOST)
    applied = apply_for_lost_card(desk, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    [timeline] = [t for t in person_timelines(desk, person.id or 0) if t.request_id == applied.request_id]
    say = timeline.tell(desk.local_now().date())
    assert "being made" in say and applied.due_date.isoformat() in say
