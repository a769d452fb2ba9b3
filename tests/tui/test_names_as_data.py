"""Names are data on screen: a person or an operator whose name is Rich markup is shown as typed, in tables,
texts, notifications and the header; control characters stored before the input rule show as escapes."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from outlet_desk.db.tables import Person
from outlet_desk.domain.roles import Role
from outlet_desk.screens.operators import OperatorsScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services import operators
from outlet_desk.services.context import Desk
from tests.tui.conftest import person_with_card_status
from tests.tui.counter import Counter, at_the_counter


async def _found_by_number(counter: Counter, person: Person) -> None:
    """The clerk signs in and searches the holder's citizen number: one person found."""
    await counter.sign_in("clerk1")
    await counter.search(person.citizen_number)
    await counter.wait_for(lambda: "1 person found" in counter.screen_text())


MARKUP_NAMES = ["[bold red]x[/]", "[/]", "[link=https://example.org]y[/link]"]


def _rename(desk: Desk, person_id: int, name: str) -> None:
    with Session(desk.engine) as s:
        person = s.get(Person, person_id)
        assert person is not None
        person.name = name
        s.add(person)
        s.commit()


@pytest.mark.parametrize("name", MARKUP_NAMES)
async def test_a_person_named_in_markup_is_found_and_opened_as_typed(desk: Desk, name: str) -> None:
    person, _card = person_with_card_status(desk, "active")
    assert person.id is not None
    _rename(desk, person.id, name)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await _found_by_number(counter, person)
        assert name in counter.screen_text()
        await counter.press("enter")
        await counter.wait_for_screen(PersonScreen)
        await counter.settle()
        assert name in counter.screen_text()


async def test_control_characters_in_a_stored_name_show_as_escapes(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    assert person.id is not None
    _rename(desk, person.id, "Ann\x1b[2J\u202eB")
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await _found_by_number(counter, person)
        text = counter.screen_text()
        assert "Ann\\x1b[2J\\u202eB" in text and "\x1b" not in text and "\u202e" not in text


async def test_operators_named_in_markup_are_listed_and_greeted_as_typed(desk: Desk) -> None:
    supervisor = operators.authenticate(desk, "super1", _password("super1"))
    for n, name in enumerate(MARKUP_NAMES):
        operators.add_operator(desk, supervisor, f"markup{n}", name, Role.CLERK, "a long enough password")
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("markup0", "a long enough password")
        assert MARKUP_NAMES[0] in counter.screen_text()  # the header names who is signed in
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("super1")
        await counter.press("f11")
        await counter.settle()
        await counter.press("o")
        await counter.wait_for_screen(OperatorsScreen)
        await counter.settle()
        text = counter.screen_text()
        assert all(name in text for name in MARKUP_NAMES), text


def _password(username: str) -> str:
    from outlet_desk.services import demo

    return demo.training_password(username)
