"""The audit viewer on both databases: filters (day, operator, action, card, citizen), paging, before/after in
words, the seal status of each shown event, the receipt an event sealed, and the search by a person audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from outlet_desk.domain.audit_actions import AuditAction, SealStatus
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import InvalidCitizenId
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services.audit_trail import TrailFilter, all_events, trail_page
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.loss import report_loss_hotline
from tests.services.builders import audit_events, login, person_with


@pytest.fixture
def reported(seeded: Desk) -> tuple[Desk, str, str, str]:
    """A hotline loss report on an active card: (desk, citizen number, card number, receipt code)."""
    person, card = person_with(seeded, CardStatus.ACTIVE)
    result = report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    return seeded, person.citizen_number, card.card_number, result.receipt.code


def test_an_event_reads_in_words_with_its_seal_and_receipt(reported: tuple[Desk, str, str, str]) -> None:
    desk, _citizen, card_number, code = reported
    page = trail_page(desk, login(desk, "audit1"), TrailFilter(action=AuditAction.LOSS_REPORTED_HOTLINE))
    [event] = page.events
    assert event.operator == "hotline1" and event.action_words == "loss reported by the hotline"
    words = {c.field: (c.before, c.after) for c in event.changes}
    assert words["status"] == ("active", "temporarily reported lost")  # codes in words, not raw
    assert "receipt" not in " ".join(words)  # the sealed receipt is shown as the receipt, not as fields
    assert event.seal.status is SealStatus.INTACT and page.intact
    assert event.receipt is not None and event.receipt.code == code and event.receipt.card_number == card_number


def test_filters_by_operator_card_citizen_and_day(reported: tuple[Desk, str, str, str]) -> None:
    desk, citizen, card_number, _code = reported
    auditor = login(desk, "audit1")
    by_hotline = trail_page(desk, auditor, TrailFilter(operator="hotline1")).events
    assert {e.action for e in by_hotline} == {AuditAction.LOGIN, AuditAction.LOSS_REPORTED_HOTLINE}
    by_card = trail_page(desk, auditor, TrailFilter(card_number=card_number.lower())).events
    assert [e.action for e in by_card] == [AuditAction.LOSS_REPORTED_HOTLINE]
    by_citizen = trail_page(desk, auditor, TrailFilter(citizen_number=citizen)).events
    assert AuditAction.LOSS_REPORTED_HOTLINE in {e.action for e in by_citizen}
    today = desk.local_now().date()
    assert trail_page(desk, auditor, TrailFilter(first_day=today, last_day=today)).events
    assert not trail_page(desk, auditor, TrailFilter(last_day=today - timedelta(days=1))).events


def test_a_search_by_person_is_an_audited_read_and_its_number_is_checked(
        reported: tuple[Desk, str, str, str]) -> None:
    desk, citizen, _card, _code = reported
    auditor = login(desk, "audit1")
    trail_page(desk, auditor, TrailFilter(action=AuditAction.LOGIN))
    assert not [e for e in audit_events(desk, "personal_data_read") if '"audit_trail"' in e.after]
    trail_page(desk, auditor, TrailFilter(citizen_number=citizen))
    [read] = [e for e in audit_events(desk, "personal_data_read") if '"audit_trail"' in e.after]
    assert citizen not in read.after and citizen[:6] not in read.before  # the number itself is never written
    with pytest.raises(InvalidCitizenId):
        trail_page(desk, auditor, TrailFilter(citizen_number=citizen[:-1]))
    with pytest.raises(NotFound, match="nobody9"):
        trail_page(desk, auditor, TrailFilter(operator="nobody9"))
    with pytest.raises(Forbidden):
        trail_page(desk, login(desk, "clerk1"), TrailFilter())


def test_pages_walk_the_whole_trail_once(reported: tuple[Desk, str, str, str]) -> None:
    desk, *_rest = reported
    auditor = login(desk, "super1")
    first = trail_page(desk, auditor, TrailFilter(), size=5)
    assert len(first.events) == 5 and first.older == first.events[-1].seq
    second = trail_page(desk, auditor, TrailFilter(), before_seq=first.older, size=5)
    assert second.events[0].seq == first.events[-1].seq - 1
    seqs = [e.seq for e in all_events(desk, auditor, TrailFilter(), batch=7)]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == len(set(seqs)) and seqs[-1] == 1


def test_an_edited_event_is_shown_broken(reported: tuple[Desk, str, str, str]) -> None:
    desk, *_rest = reported
    [event] = audit_events(desk, "loss_reported_hotline")
    with desk.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET entity_id = 'x' WHERE id = :id"), {"id": event.id})
    page = trail_page(desk, login(desk, "audit1"), TrailFilter())
    shown = {e.seq: e.seal for e in page.events}
    assert shown[event.seq].status is SealStatus.BROKEN and "edited" in shown[event.seq].problem
    assert shown[event.seq - 1].status is SealStatus.INTACT and not page.intact
