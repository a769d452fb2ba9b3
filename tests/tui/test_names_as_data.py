"""Names are data on screen: a person or an operator whose name is Rich markup is shown as typed, in tables,
texts, notifications and the header; control characters stored before the input rule show as escapes."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from outlet_desk.app import make_app
from outlet_desk.db.tables import Person
from outlet_desk.domain.roles import Role
from outlet_desk.screens.operators import OperatorsScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services import operators
from outlet_desk.services.context import Desk
from tests.tui.conftest import person_with_card_status, screen_text, settle, sign_in, type_text, wait_for

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
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        await pilot.press("f2")
        await type_text(pilot, person.citizen_number)
        await wait_for(pilot, lambda: "1 person found" in screen_text(app))
        assert name in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        assert name in screen_text(app)


async def test_control_characters_in_a_stored_name_show_as_escapes(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    assert person.id is not None
    _rename(desk, person.id, "Ann\x1b[2J\u202eB")
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        await pilot.press("f2")
        await type_text(pilot, person.citizen_number)
        await wait_for(pilot, lambda: "1 person found" in screen_text(app))
        text = screen_text(app)
        assert "Ann\\x1b[2J\\u202eB" in text and "\x1b" not in text and "\u202e" not in text


async def test_operators_named_in_markup_are_listed_and_greeted_as_typed(desk: Desk) -> None:
    supervisor = operators.authenticate(desk, "super1", _password("super1"))
    for n, name in enumerate(MARKUP_NAMES):
        operators.add_operator(desk, supervisor, f"markup{n}", name, Role.CLERK, "a long enough password")
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "markup0", "a long enough password")
        assert MARKUP_NAMES[0] in screen_text(app)  # the header names who is signed in
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "super1")
        await pilot.press("f11")
        await settle(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OperatorsScreen))
        await settle(pilot)
        text = screen_text(app)
        assert all(name in text for name in MARKUP_NAMES), text


def _password(username: str) -> str:
    from outlet_desk.services import demo

    return demo.training_password(username)
