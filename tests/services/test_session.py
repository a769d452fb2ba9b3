"""Session rules (idle lock, locked logout, maximum session) on a fake clock, and their audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.roles import Role
from outlet_desk.services import operators
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused
from outlet_desk.services.session import (
    DeskSession,
    LockReason,
    LogoutReason,
    Phase,
    SessionRules,
    force_logout,
    lock_session,
    logout,
    unlock_session,
)
from tests.clock import FakeClock

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
RULES = SessionRules(timedelta(seconds=300), timedelta(minutes=15), timedelta(hours=12))
ACTOR = Actor(1, "clerk1", "Clerk", Role.CLERK)


def _session() -> DeskSession:
    return DeskSession(ACTOR, RULES, T0)


def test_idle_countdown_warns_in_the_last_minute_then_locks() -> None:
    s = _session()
    assert s.status(T0 + timedelta(seconds=239)).phase is Phase.ACTIVE
    warning = s.status(T0 + timedelta(seconds=240))
    assert (warning.phase, warning.seconds_left) == (Phase.WARNING, 60)
    assert s.status(T0 + timedelta(seconds=299, milliseconds=500)).seconds_left == 1
    assert s.status(T0 + timedelta(seconds=300)).phase is Phase.LOCK_DUE


def test_a_key_press_restarts_the_idle_countdown() -> None:
    s = _session()
    s.touch(T0 + timedelta(seconds=250))
    assert s.status(T0 + timedelta(seconds=300)).phase is Phase.ACTIVE
    assert s.status(T0 + timedelta(seconds=550)).phase is Phase.LOCK_DUE


def test_keys_while_locked_do_not_unlock_or_extend() -> None:
    s = _session()
    s.lock(T0 + timedelta(seconds=300))
    s.touch(T0 + timedelta(seconds=400))
    status = s.status(T0 + timedelta(seconds=400))
    assert status.phase is Phase.LOCKED
    assert status.seconds_left == 15 * 60 - 100


def test_locked_too_long_means_logout() -> None:
    s = _session()
    s.lock(T0 + timedelta(minutes=5))
    due = s.status(T0 + timedelta(minutes=20))
    assert (due.phase, due.logout_reason) == (Phase.LOGOUT_DUE, LogoutReason.LOCKED_TOO_LONG)


def test_unlock_restarts_the_idle_countdown() -> None:
    s = _session()
    s.lock(T0 + timedelta(minutes=5))
    s.unlock(T0 + timedelta(minutes=10))
    assert s.status(T0 + timedelta(minutes=13)).phase is Phase.ACTIVE


def test_maximum_session_logs_out_even_while_busy() -> None:
    s = _session()
    for minute in range(0, 12 * 60, 4):
        s.touch(T0 + timedelta(minutes=minute))
    due = s.status(T0 + timedelta(hours=12))
    assert (due.phase, due.logout_reason) == (Phase.LOGOUT_DUE, LogoutReason.MAX_SESSION)


def test_rules_come_from_the_security_settings(desk: Desk) -> None:
    rules = SessionRules.from_settings(desk.settings.security)
    assert rules.idle_lock == timedelta(seconds=desk.settings.security.idle_lock_seconds)
    assert rules.locked_logout == timedelta(minutes=desk.settings.security.locked_logout_minutes)
    assert rules.max_session == timedelta(hours=desk.settings.security.max_session_hours)


def _actions(desk: Desk) -> list[tuple[str, str]]:
    with Session(desk.engine) as s:
        rows = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
        return [(e.action, e.after) for e in rows]


@pytest.fixture
def two_clerks(desk: Desk) -> tuple[Actor, Actor]:
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, "correct horse battery")
    admin = operators.authenticate(desk, "admin", "correct horse battery")
    operators.add_operator(desk, admin, "clerka", "Clerk A", Role.CLERK, "clerk a password 1")
    operators.add_operator(desk, admin, "clerkb", "Clerk B", Role.CLERK, "clerk b password 2")
    return (operators.authenticate(desk, "clerka", "clerk a password 1"),
            operators.authenticate(desk, "clerkb", "clerk b password 2"))


def test_lock_and_unlock_are_audited(desk: Desk, two_clerks: tuple[Actor, Actor]) -> None:
    a, _b = two_clerks
    lock_session(desk, a, LockReason.IDLE)
    again = unlock_session(desk, a, "clerk a password 1")
    assert again.operator_id == a.operator_id
    actions = [action for action, _after in _actions(desk)]
    assert actions[-2:] == ["session_locked", "login"]
    assert '"idle"' in _actions(desk)[-2][1]


def test_unlock_with_a_wrong_password_is_refused(desk: Desk, two_clerks: tuple[Actor, Actor]) -> None:
    a, _b = two_clerks
    with pytest.raises(LoginRefused, match="Wrong user name or password"):
        unlock_session(desk, a, "not the password")


def test_forced_logout_names_both_operators(desk: Desk, clock: FakeClock,
                                            two_clerks: tuple[Actor, Actor]) -> None:
    a, b = two_clerks
    force_logout(desk, b, a, "person 12 open")
    action, after = _actions(desk)[-1]
    assert action == "session_forced_logout"
    assert '"logged_out": "clerka"' in after and '"by": "clerkb"' in after
    with pytest.raises(ValueError):
        force_logout(desk, a, a)


def test_logout_records_the_reason(desk: Desk, two_clerks: tuple[Actor, Actor]) -> None:
    a, _b = two_clerks
    logout(desk, a, LogoutReason.MAX_SESSION)
    action, after = _actions(desk)[-1]
    assert action == "logout" and "max_session" in after
