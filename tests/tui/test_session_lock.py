"""Idle lock with a countdown, unlocking, another operator logging the first out, and logouts (fake clock)."""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlmodel import Session, col, select

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import AuditEvent
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.lock import LockScreen
from outlet_desk.screens.login import LoginScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from tests.clock import FakeClock
from tests.tui.conftest import (
    person_with_card_status,
    screen_text,
    settle,
    sign_in,
    static_text,
    type_text,
)


def _actions(desk: Desk) -> list[str]:
    with Session(desk.engine) as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))]


async def _idle(pilot, app: DeskApp, clock: FakeClock, seconds: float) -> None:  # type: ignore[no-untyped-def]
    clock.advance(seconds=seconds)
    app.check_session()
    await settle(pilot)


async def test_countdown_in_the_last_minute_then_lock_hides_the_record(desk: Desk, clock: FakeClock) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await settle(pilot)
        await _idle(pilot, app, clock, 239)
        assert "Locks in" not in screen_text(app)
        await _idle(pilot, app, clock, 1)
        assert "Locks in 60 s" in screen_text(app)
        await _idle(pilot, app, clock, 59)
        assert "Locks in 1 s" in screen_text(app)
        await _idle(pilot, app, clock, 1)
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert person.name not in text and person.citizen_number not in text
        assert "Logged out automatically in 15 min" in static_text(app, "#logout-countdown")
    assert _actions(desk)[-1] == "session_locked"


async def test_a_key_press_restarts_the_countdown(desk: Desk, clock: FakeClock) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await _idle(pilot, app, clock, 250)
        assert "Locks in 50 s" in screen_text(app)
        await pilot.press("2")  # any key, here: the second home queue
        await _idle(pilot, app, clock, 100)
        assert "Locks in" not in screen_text(app)
        assert isinstance(app.screen, HomeScreen)


async def test_same_operator_unlocks_and_finds_the_work_in_progress(desk: Desk, clock: FakeClock) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await type_text(pilot, "wrong password")
        await pilot.press("enter")
        await settle(pilot)
        assert "Wrong user name or password." in static_text(app, "#login-message")
        await type_text(pilot, "training-clerk1")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PersonScreen) and screen.person_id == person.id
        assert person.name in screen_text(app)


async def test_another_operator_can_only_log_the_first_one_out(desk: Desk, clock: FakeClock) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await settle(pilot)
        await _idle(pilot, app, clock, 300)
        assert isinstance(app.screen, LockScreen)
        app.screen.query_one("#username").focus()
        await pilot.press(*["backspace"] * 10)
        await type_text(pilot, "clerk2")
        await pilot.press("enter")
        await type_text(pilot, "training-clerk2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)  # clerk1's open record is gone
        assert app.actor is not None and app.actor.username == "clerk2"
        assert not any(isinstance(s, PersonScreen) for s in app.screen_stack)
    with Session(desk.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "session_forced_logout")).one()
    assert '"logged_out": "clerk1"' in event.after and '"by": "clerk2"' in event.after
    assert "PersonScreen" in event.after


async def test_locked_too_long_logs_out(desk: Desk, clock: FakeClock) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await _idle(pilot, app, clock, 300)
        assert isinstance(app.screen, LockScreen)
        await _idle(pilot, app, clock, 15 * 60)
        assert isinstance(app.screen, LoginScreen)
        assert "locked for 15 minutes" in static_text(app, "#login-message")
        assert app.actor is None
    assert _actions(desk)[-2:] == ["session_locked", "logout"]


async def test_maximum_session_length_logs_out(desk: Desk, clock: FakeClock) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        for _ in range(12 * 60 // 4):  # busy all day: a key every four minutes
            clock.advance(minutes=4)
            await pilot.press("1")
            app.check_session()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "at most 12 hours" in static_text(app, "#login-message")


async def test_f12_logs_out_and_f_keys_do_nothing_before_sign_in(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2", "f3", "f10")
        assert isinstance(app.screen, LoginScreen)
        await sign_in(pilot, "clerk1")
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.actor is None
    assert _actions(desk)[-1] == "logout"


async def test_f10_locks_even_inside_the_identity_check_and_unlocking_keeps_what_was_typed(desk: Desk) -> None:
    from outlet_desk.screens.identity_check import IdentityCheckScreen

    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await type_text(pilot, person.citizen_number[:10])
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert person.citizen_number[:10] not in screen_text(app)
        await type_text(pilot, "training-clerk1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IdentityCheckScreen)
        assert app.screen.query_one("#doc-number").value == person.citizen_number[:10]  # type: ignore[attr-defined]


async def test_the_lock_and_the_logout_write_the_store_off_the_ui_thread(desk: Desk) -> None:
    """The screen locks and signs out at once; the audit events are written by workers, never by the thread
    that draws the screens (a slow store must not freeze the counter)."""
    ui_thread = threading.get_ident()
    writes_on_ui: list[str] = []

    def record(conn, cursor, statement: str, *args: object) -> None:  # type: ignore[no-untyped-def]
        if threading.get_ident() == ui_thread and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes_on_ui.append(statement.split("(")[0])

    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        event.listen(desk.engine, "before_cursor_execute", record)
        try:
            await pilot.press("f10")
            await settle(pilot)
            assert isinstance(app.screen, LockScreen)
            await type_text(pilot, "training-clerk1")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("f12")
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
        finally:
            event.remove(desk.engine, "before_cursor_execute", record)
    assert _actions(desk)[-3:] == ["session_locked", "login", "logout"]  # unlocking is a sign-in
    assert writes_on_ui == []


async def test_quitting_records_the_logout_before_the_desk_closes(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await app.action_quit()
        assert _actions(desk)[-1] == "logout"
