"""Search and opening a person, on the seeded training data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card, Person
from outlet_desk.domain.card_functions import CardFunction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import InvalidCitizenId
from outlet_desk.domain.roles import Role
from outlet_desk.services import demo, operators
from outlet_desk.services.context import Desk
from outlet_desk.services.persons import find_persons, open_person
from tests.services.builders import TRAINING_PERSONS, login
from tests.services.conftest import SeededFactory


def test_find_by_citizen_number_masks_it(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        person = s.exec(select(Person)).first()
    assert person is not None
    found = find_persons(seeded, person.citizen_number.lower())
    assert [p.id for p in found] == [person.id]
    assert found[0].masked_number == person.citizen_number[:6] + "*" * 12


def test_find_by_invalid_citizen_number_says_why(seeded: Desk) -> None:
    with pytest.raises(InvalidCitizenId, match="check digit"):
        find_persons(seeded, "110105194912310021")


@pytest.mark.parametrize(
    ("mistyped", "message"),
    [
        (lambda n: n[:-1], "Citizen ID number has 17 characters; it must have 18."),
        (lambda n: n + "7", "Citizen ID number has 19 characters; it must have 18."),
        (lambda n: n[:-1] + "B", "Citizen ID number has a character that is not allowed: 'B' at position 18."),
    ],
    ids=["17 digits", "19 digits", "a letter other than X"],
)
def test_a_mistyped_citizen_number_is_refused_not_searched_as_a_name(
    seeded: Desk, mistyped: Callable[[str], str], message: str
) -> None:
    with Session(seeded.engine) as s:
        person = s.exec(select(Person)).first()
    assert person is not None
    with pytest.raises(InvalidCitizenId) as refused:
        find_persons(seeded, mistyped(person.citizen_number))
    assert refused.value.message == message


def test_find_by_card_number(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        card = s.exec(select(Card)).first()
    assert card is not None
    found = find_persons(seeded, card.card_number.lower())
    assert [p.id for p in found] == [card.person_id]


def test_find_by_name_prefix(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        person = s.exec(select(Person)).first()
    assert person is not None
    found = find_persons(seeded, person.name[:1])
    assert found and all(p.name.startswith(person.name[:1]) for p in found)
    assert person.id in {p.id for p in found}
    assert find_persons(seeded, "不存在的名字") == []


def test_opening_a_person_is_audited_and_shows_cards(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    with Session(seeded.engine) as s:
        lost = s.exec(select(Card).where(Card.status == "lost")).first()
    assert lost is not None
    detail = open_person(seeded, clerk, lost.person_id)
    assert detail.birth_place
    line = next(c for c in detail.cards if c.id == lost.id)
    assert line.status is CardStatus.LOST and line.functions_suspended
    assert "withdraw_loss" in line.actions and "suspend" not in line.actions
    assert detail.losses and detail.losses[0].kind == "formal"
    with Session(seeded.engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "person_opened")).all()
    assert [(e.person_id, e.operator_id) for e in events] == [(lost.person_id, clerk.operator_id)]


def test_demo_is_idempotent_and_has_every_status(seeded: Desk) -> None:
    again = demo.seed_training(seeded, persons=TRAINING_PERSONS)
    assert not again.seeded
    with Session(seeded.engine) as s:
        statuses = {c.status for c in s.exec(select(Card)).all()}
        persons = len(s.exec(select(Person)).all())
    assert persons == TRAINING_PERSONS
    assert {"active", "suspended", "lost", "ready", "replaced", "damaged"} <= statuses
    roles = {op.role for op in operators.list_operators(seeded)}
    assert roles == set(Role)


def test_each_card_shows_its_functions_by_its_generation_and_the_regions_settings(make_seeded: SeededFactory) -> None:
    desk = make_seeded('\n[functions]\nthird_generation_from = 2020-01-01\ngeneration_2 = ["pension"]\n'
                       'generation_3 = ["pension", "work_injury"]\n')
    clerk = login(desk, "clerk1")
    with Session(desk.engine) as s:
        cards = s.exec(select(Card).where(col(Card.status).in_(["active", "lost", "ready"]))).all()
    seen: set[tuple[int, str]] = set()
    for card in cards:
        assert card.issue_date is not None
        line = next(c for c in open_person(desk, clerk, card.person_id).cards if c.id == card.id)
        generation = 3 if card.issue_date >= date(2020, 1, 1) else 2
        assert line.generation == generation
        carried = {u.function for u in line.functions if u.carried}
        third = {CardFunction.PENSION, CardFunction.WORK_INJURY}
        assert carried == (third if generation == 3 else {CardFunction.PENSION})
        if card.status == "active" and card.expiry_date and card.expiry_date >= desk.local_now().date():
            assert all(u.usable for u in line.functions if u.carried)
        else:
            assert not any(u.usable for u in line.functions)
        seen.add((generation, card.status))
    assert {g for g, _status in seen} == {2, 3} and {status for _g, status in seen} == {"active", "lost", "ready"}
