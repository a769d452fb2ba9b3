"""A card read at the counter that is blocked (reported lost) is named with its holder and audited, on
both databases."""

from __future__ import annotations

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.services.collection import card_presented
from outlet_desk.services.context import Desk
from tests.services.builders import audit_events, chip_of, login, person_with


def test_blocked_card_presented_is_named_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    presented = card_presented(seeded, clerk, chip_of(card, person))
    assert presented is not None and presented.blocked and presented.status is CardStatus.LOST
    assert presented.holder_name == person.name
    assert audit_events(seeded, "blocked_card_presented")
