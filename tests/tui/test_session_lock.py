"""Idle lock with a countdown, unlocking, another operator logging the first out, and logouts (fake clock)."""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.lock import LockScreen
from outlet_desk.screens.login import LoginScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from tests.clock import FakeClock
from tests.tui.conftest import (
    person_with_card_status,
)
from tests.tui.counter import Counter, at_the_counter


def _actions(desk: Desk) -> list[str]:
    with Session(desk.engine) as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))]


async def _idle(counter: Counter, clock: FakeClock, seconds: float) -> None:
    clock.advance(seconds=seconds)
    counter.app.check_session()
    await counter.settle()


async def test_countdown_in_the_last_minute_then_lock_hides_the_record(desk: Desk, clock: FakeClock) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await _idle(counter, clock, 239)
        assert "Locks in" not in counter.screen_text()
        await _idle(counter, clock, 1)
        assert "Locks in 60 s" in counter.screen_text()
        await _idle(counter, clock, 59)
        assert "Locks in 1 s" in counter.screen_text()
        await _idle(counter, clock, 1)
        assert isinstance(counter.app.screen, LockScreen)
        text = counter.screen_text()
        assert person.name not in text and person.citizen_number not in text
        assert "Logged out automatically in 15 min" in counter.text("#logout-countdown")
    assert _actions(desk)[-1] == "session_locked"


async def test_a_key_press_restarts_the_countdown(desk: Desk, clock: FakeClock) -> None:
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await _idle(counter, clock, 250)
        assert "Locks in 50 s" in counter.screen_text()
        await counter.press("2")  # any key, here: the second home queue
        await _idle(counter, clock, 100)
        assert "Locks in" not in counter.screen_text()
        assert isinstance(counter.app.screen, HomeScreen)


async def test_same_operator_unlocks_and_finds_the_work_in_progress(desk: Desk, clock: FakeClock) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.press("f10")
        await counter.settle()
        assert isinstance(counter.app.screen, LockScreen)
        await counter.type("wrong password")
        await counter.press("enter")
        await counter.settle()
        assert "Wrong user name or password." in counter.text("#login-message")
        await counter.type("training-clerk1")
        await counter.press("enter")
        await counter.settle()
        screen = counter.app.screen
        assert isinstance(screen, PersonScreen) and screen.person_id == person.id
        assert person.name in counter.screen_text()


async def test_another_operator_can_only_log_the_first_one_out(desk: Desk, clock: FakeClock) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await _idle(counter, clock, 300)
        assert isinstance(counter.app.screen, LockScreen)
        counter.app.screen.query_one("#username").focus()
        await counter.press(*["backspace"] * 10)
        await counter.type("clerk2")
        await counter.press("enter")
        await counter.type("training-clerk2")
        await counter.press("enter")
        await counter.settle()
        assert isinstance(counter.app.screen, HomeScreen)  # clerk1's open record is gone
        assert counter.app.actor is not None and counter.app.actor.username == "clerk2"
        assert not any(isinstance(s, PersonScreen) for s in counter.app.screen_stack)
    with Session(desk.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "session_forced_logout")).one()
    assert '"logged_out": "clerk1"' in event.after and '"by": "clerk2"' in event.after
    assert "PersonScreen" in event.after


async def test_locked_too_long_logs_out(desk: Desk, clock: FakeClock) -> None:
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await _idle(counter, clock, 300)
        assert isinstance(counter.app.screen, LockScreen)
        await _idle(counter, clock, 15 * 60)
        assert isinstance(counter.app.screen, LoginScreen)
        assert "locked for 15 minutes" in counter.text("#login-message")
        assert counter.app.actor is None
    assert _actions(desk)[-2:] == ["session_locked", "logout"]


async def test_maximum_session_length_logs_out(desk: Desk, clock: FakeClock) -> None:
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        for _ in range(12 * 60 // 4):  # busy all day: a key every four minutes
            clock.advance(minutes=4)
            await counter.press("1")
            counter.app.check_session()
        await counter.settle()
        assert isinstance(counter.app.screen, LoginScreen)
        assert "at most 12 hours" in counter.text("#login-message")


async def test_f12_logs_out_and_f_keys_do_nothing_before_sign_in(desk: Desk) -> None:
    async with at_the_counter(desk) as counter:
        await counter.settle()
        await counter.press("f2", "f3", "f10")
        assert isinstance(counter.app.screen, LoginScreen)
        await counter.sign_in("clerk1")
        await counter.press("f12")
        await counter.settle()
        assert isinstance(counter.app.screen, LoginScreen) and counter.app.actor is None
    assert _actions(desk)[-1] == "logout"


async def test_f10_locks_even_inside_the_identity_check_and_unlocking_keeps_what_was_typed(desk: Desk) -> None:
    from outlet_desk.screens.identity_check import IdentityCheckScreen

    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.start_identity_check()
        await counter.type(person.citizen_number[:10])
        await counter.press("f10")
        await counter.settle()
        assert isinstance(counter.app.screen, LockScreen)
        assert person.citizen_number[:10] not in counter.screen_text()
        await counter.type("training-clerk1")
        await counter.press("enter")
        await counter.settle()
        assert isinstance(counter.app.screen, IdentityCheckScreen)
        assert counter.app.screen.query_one("#doc-number").value == person.citizen_number[:10]  # type: ignore[attr-defined]


async def test_the_lock_and_the_logout_write_the_store_off_the_ui_thread(desk: Desk) -> None:
    """The screen locks and signs out at once; the audit events are written by workers, never by the thread
    that draws the screens (a slow store must not freeze the counter)."""
    ui_thread = threading.get_ident()
    writes_on_ui: list[str] = []

    def record(conn, cursor, statement: str, *args: object) -> None:  # type: ignore[no-untyped-def]
        if threading.get_ident() == ui_thread and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes_on_ui.append(statement.split("(")[0])

    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        event.listen(desk.engine, "before_cursor_execute", record)
        try:
            await counter.press("f10")
            await counter.settle()
            assert isinstance(counter.app.screen, LockScreen)
            await counter.type("training-clerk1")
            await counter.press("enter")
            await counter.settle()
            await counter.press("f12")
            await counter.settle()
            assert isinstance(counter.app.screen, LoginScreen)
        finally:
            event.remove(desk.engine, "before_cursor_execute", record)
    assert _actions(desk)[-3:] == ["session_locked", "login", "logout"]  # unlocking is a sign-in
    assert writes_on_ui == []


async def test_quitting_records_the_logout_before_the_desk_closes(desk: Desk) -> None:
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.app.action_quit()
        assert _actions(desk)[-1] == "logout"
