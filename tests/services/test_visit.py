"""A visit, on both databases: one identity check serves every task of the person at the counter, names itself
in each task's audit event, expires by the outlet's setting, and a proxy's check allows only a proxy's tasks;
what cannot succeed is said before anything is typed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Person
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import VisitRefused
from outlet_desk.services.context import Desk
from outlet_desk.services.identity import Document, IdentityCheckResult, ProxyDetails, record_identity_check
from outlet_desk.services.loss import report_loss_counter, withdraw_loss
from outlet_desk.services.persons import open_person
from outlet_desk.services.reissue import apply_reissue
from outlet_desk.services.visit import refusal_before_typing, visit_line, visit_of, visit_open
from tests.clock import FakeClock
from tests.services.builders import chip_of, login, person_with, reload
from tests.services.conftest import SeededFactory

PROXY_NUMBER = "11010519491231002X"


def _check(desk: Desk, person: Person, flow: Action, presenter: str = "holder") -> IdentityCheckResult:
    document = Document("resident_id_card", person.citizen_number, person.name,
                        desk.local_now().date() + timedelta(days=3000))
    proxy = ProxyDetails(Document("resident_id_card", PROXY_NUMBER, "王五", None), "son", "AUTH-1") \
        if presenter == "proxy" else None
    return record_identity_check(desk, login(desk, "clerk1"), person.id or 0, flow.value,
                                 presenter="proxy" if proxy else "holder", document=document, face_confirmed=True,
                                 proxy=proxy)


def _event(desk: Desk, action: str) -> dict[str, object]:
    with Session(desk.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == action)
                       .order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None
    after: dict[str, object] = json.loads(event.after)
    return after


def test_one_check_serves_the_formal_loss_and_the_reissue_and_each_event_names_it(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    check = _check(seeded, person, Action.REPORT_LOSS_COUNTER)
    report_loss_counter(seeded, clerk, card.id or 0, card.version, check.check_id)
    card = reload(seeded, card.id or 0)
    applied = apply_reissue(seeded, clerk, card.id or 0, card.version, ReissueReason.LOST, check.check_id,
                            payment_method="cash", amount_paid_fen=2000)
    assert applied.request_id > 0 and reload(seeded, card.id or 0).status == CardStatus.LOST
    assert _event(seeded, "loss_reported_counter")["identity_check"] == check.check_id
    assert _event(seeded, "reissue_applied")["identity_check"] == check.check_id


def test_the_visit_expires_after_the_outlets_minutes(make_seeded: SeededFactory, clock: FakeClock) -> None:
    desk = make_seeded("[identity]\nvisit_minutes = 10\n")
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.ACTIVE)
    check = _check(desk, person, Action.REPORT_LOSS_COUNTER)
    clock.advance(minutes=10)
    with pytest.raises(VisitRefused, match="10 minutes") as refused:
        report_loss_counter(desk, clerk, card.id or 0, card.version, check.check_id)
    assert refused.value.code == "visit_expired"
    assert reload(desk, card.id or 0).status == CardStatus.ACTIVE


def test_a_proxys_visit_allows_only_what_a_proxy_may_do(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    check = _check(seeded, person, Action.APPLY_REISSUE, presenter="proxy")
    with pytest.raises(VisitRefused, match="holder must come in person"):
        withdraw_loss(seeded, clerk, card.id or 0, card.version, check.check_id, chip_of(card, person))
    assert reload(seeded, card.id or 0).status == CardStatus.SUSPENDED


def test_what_cannot_succeed_is_said_before_typing(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    check = _check(seeded, person, Action.REPORT_LOSS_COUNTER)
    report_loss_counter(seeded, clerk, card.id or 0, card.version, check.check_id)
    card = reload(seeded, card.id or 0)
    apply_reissue(seeded, clerk, card.id or 0, card.version, ReissueReason.LOST, check.check_id,
                  payment_method="cash", amount_paid_fen=2000)
    detail = open_person(seeded, clerk, person.id or 0)
    visit = visit_of(seeded, detail, check)
    line = next(c for c in detail.cards if c.id == card.id)
    said = refusal_before_typing(seeded, visit, detail, line, Action.APPLY_REISSUE)
    assert said is not None and "already been applied for" in said and card.card_number in said
    assert refusal_before_typing(seeded, None, detail, line, Action.APPLY_REISSUE) == said  # before any check

    proxy_visit = visit_of(seeded, detail, _check(seeded, person, Action.APPLY_REISSUE, presenter="proxy"))
    said = refusal_before_typing(seeded, proxy_visit, detail, line, Action.WITHDRAW_LOSS)
    assert said is not None and "holder must come in person" in said
    assert refusal_before_typing(seeded, proxy_visit, detail, line, Action.COLLECT_CARD) is None


def test_the_visit_shows_whose_it_is_masked_and_until_when(seeded: Desk, clock: FakeClock) -> None:
    person, _card = person_with(seeded, CardStatus.ACTIVE)
    detail = open_person(seeded, login(seeded, "clerk1"), person.id or 0)
    visit = visit_of(seeded, detail, _check(seeded, person, Action.REPORT_LOSS_COUNTER))
    line = visit_line(visit)
    assert person.citizen_number not in line and person.name not in line
    assert person.citizen_number[:6] + "*" * 12 in line and person.name[0] in line  # masked as everywhere
    assert "proxy" not in line
    assert visit_open(seeded, visit, person.id) and not visit_open(seeded, visit, (person.id or 0) + 1)
    clock.advance(minutes=30)
    assert not visit_open(seeded, visit)
