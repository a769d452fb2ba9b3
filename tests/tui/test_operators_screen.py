"""The supervisor manages operators from the desk: add, lock-out lifted, out of service with a reason."""

from __future__ import annotations

import pytest

from outlet_desk.app import make_app
from outlet_desk.screens.operators import OperatorsScreen
from outlet_desk.services import operators
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import LoginRefused
from tests.tui.conftest import screen_text, settle, sign_in, type_text, wait_for


async def _open(pilot, app) -> OperatorsScreen:  # type: ignore[no-untyped-def]
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot)
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, OperatorsScreen))
    return app.screen  # type: ignore[no-any-return]


async def test_supervisor_adds_an_operator_who_can_then_sign_in(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        screen.query_one("#op-username").focus()
        await type_text(pilot, "clerk9")
        screen.query_one("#op-name").focus()
        await type_text(pilot, "Clerk Nine")
        screen.query_one("#op-password").focus()
        await type_text(pilot, "a long enough password")
        await pilot.press("f5")
        await settle(pilot)
        assert "Operator clerk9 added." in screen_text(app)
    assert operators.authenticate(desk, "clerk9", "a long enough password").username == "clerk9"


async def test_short_password_is_refused_on_screen(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        screen.query_one("#op-username").focus()
        await type_text(pilot, "clerk8")
        screen.query_one("#op-name").focus()
        await type_text(pilot, "Clerk Eight")
        screen.query_one("#op-password").focus()
        await type_text(pilot, "short")
        await pilot.press("f5")
        await settle(pilot)
        assert "12" in screen_text(app)
    assert "clerk8" not in {op.username for op in operators.list_operators(desk)}


async def test_out_of_service_needs_a_reason_then_the_operator_cannot_sign_in(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#operators")
        names = [op.username for op in operators.list_operators(desk)]
        table.move_cursor(row=names.index("clerk2"))  # type: ignore[attr-defined]
        await pilot.press("f8")
        await settle(pilot)
        assert "Give the reason" in screen_text(app)
        screen.query_one("#op-reason").focus()
        await type_text(pilot, "left the outlet")
        await pilot.press("f8")
        await settle(pilot)
        assert "clerk2 is out of service." in screen_text(app)
    with pytest.raises(LoginRefused):
        operators.authenticate(desk, "clerk2", "training-clerk2")
