"""An operator's session at the desk: idle lock, locked logout, maximum session length.

The rules (:class:`DeskSession`) are pure: they take ``now`` from the caller (the app passes
``desk.now()``, tests a fake clock) and never sleep. The audited use cases at the bottom each write
one audit event: locking, unlocking, logging out, and another operator logging the first one out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused

if TYPE_CHECKING:
    from outlet_desk.config.schema import SecuritySettings
    from outlet_desk.services.visit import Visit

WARNING_SECONDS = 60


class Phase(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    """Less than a minute before the idle lock: the screen counts down."""
    LOCK_DUE = "lock_due"
    LOCKED = "locked"
    LOGOUT_DUE = "logout_due"


class LogoutReason(StrEnum):
    MANUAL = "manual"
    LOCKED_TOO_LONG = "locked_too_long"
    MAX_SESSION = "max_session"
    FORCED = "forced"


class LockReason(StrEnum):
    IDLE = "idle"
    MANUAL = "manual"


@dataclass(frozen=True)
class SessionRules:
    idle_lock: timedelta
    locked_logout: timedelta
    max_session: timedelta
    warning: timedelta = timedelta(seconds=WARNING_SECONDS)

    @classmethod
    def from_settings(cls, security: SecuritySettings) -> SessionRules:
        idle = timedelta(seconds=security.idle_lock_seconds)
        return cls(
            idle_lock=idle,
            locked_logout=timedelta(minutes=security.locked_logout_minutes),
            max_session=timedelta(hours=security.max_session_hours),
            warning=min(timedelta(seconds=WARNING_SECONDS), idle),
        )


@dataclass(frozen=True)
class SessionStatus:
    phase: Phase
    seconds_left: int
    """WARNING: seconds to the idle lock; LOCKED: seconds to the logout; otherwise to the next deadline."""
    logout_reason: LogoutReason | None = None


class DeskSession:
    """One operator's session: started, last key, locked since. Driven by ``now`` values only."""

    def __init__(self, actor: Actor, rules: SessionRules, now: datetime) -> None:
        self.actor = actor
        self.rules = rules
        self.started_at = now
        self.last_activity = now
        self.locked_at: datetime | None = None
        self.visit: Visit | None = None
        """The visit open at this counter (``services/visit.py``): it ends with the session at the latest."""

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def touch(self, now: datetime) -> None:
        """A key or click: the idle countdown starts again (not while locked)."""
        if self.locked_at is None:
            self.last_activity = max(self.last_activity, now)

    def lock(self, now: datetime) -> None:
        if self.locked_at is None:
            self.locked_at = now

    def unlock(self, now: datetime) -> None:
        self.locked_at = None
        self.last_activity = now

    def session_deadline(self) -> datetime:
        return self.started_at + self.rules.max_session

    def lock_deadline(self) -> datetime:
        return self.last_activity + self.rules.idle_lock

    def logout_deadline(self) -> datetime | None:
        return None if self.locked_at is None else self.locked_at + self.rules.locked_logout

    def status(self, now: datetime) -> SessionStatus:
        if now >= self.session_deadline():
            return SessionStatus(Phase.LOGOUT_DUE, 0, LogoutReason.MAX_SESSION)
        logout_at = self.logout_deadline()
        if logout_at is not None:
            if now >= logout_at:
                return SessionStatus(Phase.LOGOUT_DUE, 0, LogoutReason.LOCKED_TOO_LONG)
            return SessionStatus(Phase.LOCKED, _seconds(min(logout_at, self.session_deadline()) - now))
        to_lock = self.lock_deadline() - now
        if to_lock <= timedelta(0):
            return SessionStatus(Phase.LOCK_DUE, 0)
        if to_lock <= self.rules.warning:
            return SessionStatus(Phase.WARNING, _seconds(to_lock))
        return SessionStatus(Phase.ACTIVE, _seconds(to_lock))


def _seconds(delta: timedelta) -> int:
    """Whole seconds, rounded up: a countdown shows 1 until the moment it reaches 0."""
    whole = int(delta.total_seconds())
    return whole + (1 if delta.total_seconds() > whole else 0)


# -- audited use cases ---------------------------------------------------------------------------
# They import the store when called: the rules above load without SQLAlchemy, so the desk's sign-in
# screen is up before the store is (see outlet_desk/launch.py).


def lock_session(desk: Desk, actor: Actor, reason: LockReason) -> None:
    """The screen locked (idle or by the operator); the work in progress stays for the same operator."""
    from outlet_desk.services.uow import UnitOfWork

    with UnitOfWork(desk, actor) as uow:
        uow.audit(AuditAction.SESSION_LOCKED, "operator", actor.operator_id, after={"reason": reason.value})
        uow.commit()


def unlock_session(desk: Desk, actor: Actor, password: str) -> Actor:
    """The same operator re-enters the password (a wrong one counts towards the lockout)."""
    from outlet_desk.services.operators import authenticate

    again = authenticate(desk, actor.username, password)
    if again.operator_id != actor.operator_id:  # the user name was reused since: never hand over
        raise LoginRefused(_("Wrong user name or password."))
    return again


def logout(desk: Desk, actor: Actor, reason: LogoutReason) -> None:
    from outlet_desk.services.uow import UnitOfWork

    with UnitOfWork(desk, actor) as uow:
        uow.audit(AuditAction.LOGOUT, "operator", actor.operator_id, after={"reason": reason.value})
        uow.commit()


def force_logout(desk: Desk, new_actor: Actor, old_actor: Actor, unfinished: str = "") -> None:
    """Another operator, signed in at the locked screen, logs the first one out; unfinished work is lost."""
    if new_actor.operator_id == old_actor.operator_id:
        raise ValueError("an operator does not force themself out; unlock instead")
    from outlet_desk.services.uow import UnitOfWork

    with UnitOfWork(desk, new_actor) as uow:
        uow.audit(
            AuditAction.SESSION_FORCED_LOGOUT,
            "operator",
            old_actor.operator_id,
            after={"logged_out": old_actor.username, "by": new_actor.username, "unfinished": unfinished[:200]},
        )
        uow.commit()
