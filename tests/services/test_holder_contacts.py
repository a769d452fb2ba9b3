"""The contact log of a card ready for collection, on both databases: each contact (who, when, how, what came of
it, a note) is recorded with one audit event and shown on the supervisor's list with the card's ageing; the day a
holder said they will come is refused when missing, past, later than the card is kept, or given with another
outcome; a card not waiting for collection and a clerk are refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card, CardContact
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome, ContactRefused
from outlet_desk.domain.retention import ageing
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services import audit
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.holder_contacts import log_contact
from outlet_desk.services.uncollected import UncollectedCard, uncollected_cards
from tests.clock import FakeClock
from tests.services.builders import login


@pytest.fixture
def sup(seeded: Desk) -> Actor:
    return login(seeded, "super1")


def first_waiting(desk: Desk, sup: Actor) -> UncollectedCard:
    cards = uncollected_cards(desk, sup)
    assert cards, "the training data has cards ready for collection"
    return cards[0]


def events(desk: Desk) -> int:
    with desk.engine.connect() as conn:
        report = audit.verify_chain(conn, desk.audit_key, desk.outlet_code)
    assert report.intact
    return report.events_checked


def test_each_contact_is_logged_audited_and_shown_with_the_cards_ageing(
    desk: Desk, sup: Actor, clock: FakeClock
) -> None:
    card = first_waiting(desk, sup)
    assert card.contacts == () and card.last_contact is None
    assert card.ageing.return_from == card.ageing.ready_on + timedelta(days=180)
    assert card.ageing.days_to_return == 180 - card.ageing.days_waiting and not card.ageing.due_for_return
    before = events(desk)
    log_contact(desk, sup, card.card_id, ContactMethod.SMS, ContactOutcome.NOT_REACHED, note="no answer")
    clock.advance(days=3)
    today = desk.local_now().date()
    log_contact(desk, sup, card.card_id, ContactMethod.PHONE, ContactOutcome.WILL_COME, today + timedelta(days=2),
                "comes on Friday")
    assert events(desk) == before + 2

    shown = next(c for c in uncollected_cards(desk, sup) if c.card_id == card.card_id)
    assert [(e.method, e.outcome, e.coming_on, e.note, e.operator) for e in shown.contacts] == [
        (ContactMethod.SMS, ContactOutcome.NOT_REACHED, None, "no answer", sup.display_name),
        (ContactMethod.PHONE, ContactOutcome.WILL_COME, today + timedelta(days=2), "comes on Friday", sup.display_name)]
    assert shown.last_contact is not None and shown.last_contact.summary() == (
        f"{today.isoformat()} phone call: holder said when they will come ({(today + timedelta(days=2)).isoformat()})")
    assert shown.ageing.days_waiting == card.ageing.days_waiting + 3
    with Session(desk.engine) as s:
        last = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert last is not None and (last.action, last.entity_id) == ("holder_contacted", str(card.card_id))
        assert '"outcome": "will_come"' in (last.after or "")


@pytest.mark.parametrize(("outcome", "coming_in_days", "refusal"), [
    (ContactOutcome.WILL_COME, None, "Give the day the holder said they will come"),
    (ContactOutcome.WILL_COME, -1, "has passed"),
    (ContactOutcome.WILL_COME, 400, "is kept for its holder until"),
    (ContactOutcome.INFORMED, 2, "goes only with the outcome"),
])
def test_the_day_the_holder_will_come_is_checked(
    desk: Desk, sup: Actor, outcome: ContactOutcome, coming_in_days: int | None, refusal: str
) -> None:
    card = first_waiting(desk, sup)
    today = desk.local_now().date()
    day = None if coming_in_days is None else today + timedelta(days=coming_in_days)
    before = events(desk)
    with pytest.raises(ContactRefused, match=refusal):
        log_contact(desk, sup, card.card_id, ContactMethod.PHONE, outcome, day)
    assert events(desk) == before and contacts(desk) == 0


def contacts(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return len(s.exec(select(CardContact)).all())


def test_only_a_card_waiting_for_collection_and_only_a_supervisor(desk: Desk, sup: Actor) -> None:
    with Session(desk.engine) as s:
        active = s.exec(select(Card).where(col(Card.status) == "active")).first()
        assert active is not None and active.id is not None
    with pytest.raises(ContactRefused, match="is not waiting for collection"):
        log_contact(desk, sup, active.id, ContactMethod.LETTER, ContactOutcome.INFORMED)
    card = first_waiting(desk, sup)
    with pytest.raises(Forbidden):
        log_contact(desk, login(desk, "clerk1"), card.card_id, ContactMethod.LETTER, ContactOutcome.INFORMED)
    with pytest.raises(Forbidden):
        uncollected_cards(desk, login(desk, "clerk1"))
    assert contacts(desk) == 0


def test_the_ageing_counts_from_the_day_promised() -> None:
    aged = ageing(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 31), 180)
    assert (aged.days_waiting, aged.days_past_due, aged.return_from, aged.days_to_return) == (
        30, 21, date(2026, 6, 30), 150)
    assert ageing(date(2026, 1, 1), None, date(2026, 6, 30), 180).due_for_return
    assert ageing(date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 5), 180).days_past_due == 0
