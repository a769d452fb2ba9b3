"""The supervisor manages operators from the desk: add, lock-out lifted, out of service with a reason."""

from __future__ import annotations

import pytest

from outlet_desk.screens.operators import OperatorsScreen
from outlet_desk.services import operators
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import LoginRefused
from tests.tui.counter import Counter, at_the_counter

WIDE = (100, 30)


async def _open(counter: Counter) -> OperatorsScreen:
    """super1 signs in and opens the operators from the supervisor home (F11, o)."""
    await counter.sign_in("super1")
    await counter.press("f11")
    await counter.settle()
    await counter.press("o")
    await counter.wait_for_screen(OperatorsScreen)
    screen = counter.app.screen
    assert isinstance(screen, OperatorsScreen)
    return screen


async def _add(counter: Counter, screen: OperatorsScreen, username: str, name: str, password: str) -> None:
    """Fill in the new operator's user name, display name and password, and add them (F5)."""
    for field, text in (("#op-username", username), ("#op-name", name), ("#op-password", password)):
        screen.query_one(field).focus()
        await counter.type(text)
    await counter.press("f5")
    await counter.settle()


async def test_supervisor_adds_an_operator_who_can_then_sign_in(desk: Desk) -> None:
    async with at_the_counter(desk, size=WIDE) as counter:
        await _add(counter, await _open(counter), "clerk9", "Clerk Nine", "a long enough password")
        assert "Operator clerk9 added." in counter.screen_text()
    assert operators.authenticate(desk, "clerk9", "a long enough password").username == "clerk9"


async def test_short_password_is_refused_on_screen(desk: Desk) -> None:
    async with at_the_counter(desk, size=WIDE) as counter:
        await _add(counter, await _open(counter), "clerk8", "Clerk Eight", "short")
        assert "12" in counter.screen_text()
    assert "clerk8" not in {op.username for op in operators.list_operators(desk)}


async def test_out_of_service_needs_a_reason_then_the_operator_cannot_sign_in(desk: Desk) -> None:
    async with at_the_counter(desk, size=WIDE) as counter:
        screen = await _open(counter)
        table = screen.query_one("#operators")
        names = [op.username for op in operators.list_operators(desk)]
        table.move_cursor(row=names.index("clerk2"))  # type: ignore[attr-defined]
        await counter.press("f8")
        await counter.settle()
        assert "Give the reason" in counter.screen_text()
        screen.query_one("#op-reason").focus()
        await counter.type("left the outlet")
        await counter.press("f8")
        await counter.settle()
        assert "clerk2 is out of service." in counter.screen_text()
    with pytest.raises(LoginRefused):
        operators.authenticate(desk, "clerk2", "training-clerk2")
