"""A phoned-in loss report lapses, on both databases: the card is active again (or the report escalated,
as the outlet's rules say), audited once even when two desks sweep at the same moment."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import (
    AuditEvent,
)
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Desk
from outlet_desk.services.loss import (
    report_loss_hotline,
    sweep_lapsed,
)
from tests.clock import FakeClock
from tests.services.builders import at_once, audit_events, cards_without_application, login, person_with, reload
from tests.services.conftest import SeededFactory


def test_temporary_loss_lapses_back_to_active_and_is_audited(seeded: Desk, clock: FakeClock) -> None:
    person, card = person_with(seeded, CardStatus.ACTIVE)
    report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    clock.advance(days=seeded.settings.loss.temporary_days, seconds=1)
    lapsed = sweep_lapsed(seeded)
    assert card.card_number in {lapse.card_number for lapse in lapsed}
    assert reload(seeded, card.id or 0).status == "active"
    assert str(card.id) in {e.entity_id for e in audit_events(seeded, "loss_lapsed")}
    assert sweep_lapsed(seeded) == []  # nothing lapses twice


def test_lapse_can_escalate_instead_of_reactivating(make_seeded: SeededFactory, clock: FakeClock) -> None:
    desk = make_seeded('\n[loss]\non_lapse = "escalate"\n')
    person, card = person_with(desk, CardStatus.ACTIVE)
    report_loss_hotline(desk, login(desk, "hotline1"), person.citizen_number, person.name, person.phone)
    clock.advance(days=desk.settings.loss.temporary_days + 1)
    sweep_lapsed(desk)
    assert reload(desk, card.id or 0).status == "suspended"
    assert audit_events(desk, "loss_lapse_escalated")


@pytest.mark.parametrize("on_lapse", ["active", "escalate"])
def test_two_desks_sweeping_at_once_lapse_each_report_once(seeded: Desk, clock: FakeClock, on_lapse: str) -> None:
    """Two desks of the outlet run their lapse sweep at the same moment: each lapsed report lapses once (one
    audit event, the card moved once), and neither desk is shown an error for the other's work."""
    hotline = login(seeded, "hotline1")
    cards = cards_without_application(seeded, CardStatus.ACTIVE.value, 4)
    for person, _card in cards:
        report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    clock.advance(days=seeded.settings.loss.temporary_days, seconds=1)
    settings = seeded.settings.model_copy(
        update={"loss": seeded.settings.loss.model_copy(update={"on_lapse": on_lapse})})
    desks = [Desk(settings=settings, engine=seeded.engine, audit_key=seeded.audit_key, clock=clock)
             for _ in range(2)]
    outcomes = at_once(lambda _actor, n: sweep_lapsed(desks[n]), [hotline, hotline], [0, 1], (Exception,))
    assert all(isinstance(o, list) for o in outcomes), outcomes
    numbers = [lapse.card_number for o in outcomes for lapse in o]  # type: ignore[attr-defined]
    assert len(numbers) == len(set(numbers)), numbers  # (the training data's own suspensions lapse too)
    assert {card.card_number for _p, card in cards} <= set(numbers)
    action = "loss_lapsed" if on_lapse == "active" else "loss_lapse_escalated"
    with Session(seeded.engine) as s:
        lapsed = [e.entity_id for e in s.exec(select(AuditEvent).where(col(AuditEvent.action) == action)).all()]
        assert len(lapsed) == len(set(lapsed)) == len(numbers), lapsed
        report = verify_chain(s, seeded.audit_key, seeded.outlet_code)
    assert report.intact, report.message()
    expected = "active" if on_lapse == "active" else "suspended"
    assert {reload(seeded, card.id or 0).status for _p, card in cards} == {expected}
