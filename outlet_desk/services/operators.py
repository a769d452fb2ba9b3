"""Operators: create, log in (with lockout), change password, unlock, list."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col

from outlet_desk.db.tables import LoginFailure, Operator
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.passwords import check_password_policy
from outlet_desk.domain.roles import Action, Role, require_manage
from outlet_desk.domain.text import DISPLAY_NAME_MAX, clean_text, visible
from outlet_desk.i18n import _, ngettext
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused, NotFound, ServiceError
from outlet_desk.services.outlet_bindings import (
    bind,
    checked_outlets,
    outlets_by_operator,
    outlets_of,
    require_bound_here,
    sign_in_refusal,
)
from outlet_desk.services.passwords import hash_password, needs_rehash, verify_password
from outlet_desk.services.uow import UnitOfWork

# Names that are no active operator whose wrong sign-ins are remembered (the least recently tried go first).
MAX_LOGIN_FAILURE_ROWS = 10_000

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")


@dataclass(frozen=True)
class OperatorView:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: datetime | None
    failed_logins: int
    outlets: tuple[str, ...]
    """The outlets whose desks let this operator in."""


def _view(op: Operator, outlets: tuple[str, ...]) -> OperatorView:
    assert op.id is not None
    return OperatorView(op.id, op.username, op.display_name, Role(op.role), op.active, op.locked_until,
                        op.failed_logins, outlets)


def _actor(op: Operator) -> Actor:
    assert op.id is not None
    return Actor(op.id, op.username, op.display_name, Role(op.role))


def count_operators(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return int(s.execute(select(func.count()).select_from(Operator)).scalar_one())


def _by_username(session: Session, username: str) -> Operator | None:
    """The operator's row, locked for the rest of the use case (PostgreSQL; SQLite's write transaction is
    already exclusive): wrong passwords typed at several desks at the same moment each count, so the
    lockout comes after ``lockout_attempts`` of them, not after that many per desk."""
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        return None  # no operator has such a name (and a lone surrogate cannot even be sent to the store)
    return session.execute(
        select(Operator).where(col(Operator.username) == name).with_for_update()
    ).scalar_one_or_none()


def add_operator(
    desk: Desk, actor: Actor | None, username: str, display_name: str, role: Role, password: str,
    outlets: Iterable[str] | None = None,
) -> OperatorView:
    """Create an operator bound to ``outlets`` (default: this desk's outlet; several only for an
    administrator, and only outlets the actor belongs to). ``actor`` None is allowed only for the first
    admin of an empty database."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ServiceError(
            _("User name '{u}' is not allowed: 3 to 32 characters, lower-case letters, digits, . _ -, "
              "starting with a letter.").format(u=username)
        )
    check_password_policy(password)
    display_name = clean_text(display_name, _("The display name"), DISPLAY_NAME_MAX)
    if not display_name:
        raise ServiceError(_("The display name must not be empty."))
    if actor is not None:
        require_manage(actor.role, role)  # nobody creates an account above what their role may manage
    with UnitOfWork(desk, actor, Action.MANAGE_OPERATORS if actor else None) as uow:
        if actor is None:
            existing = uow.session.execute(select(func.count()).select_from(Operator)).scalar_one()
            if existing or role != Role.ADMIN:
                raise ServiceError(_("Only the first administrator can be created without logging in."))
        if _by_username(uow.session, username) is not None:
            raise ServiceError(_("User name '{u}' is already taken.").format(u=username))
        bound = checked_outlets(uow.session, desk, role, outlets,
                                None if actor is None else outlets_of(uow.session, actor.operator_id))
        op = Operator(
            outlet_code=desk.outlet_code,
            username=username,
            display_name=display_name,
            role=role.value,
            password_hash=hash_password(password),
            created_at=desk.now(),
        )
        uow.session.add(op)
        uow.session.flush()
        assert op.id is not None
        bind(uow.session, op.id, bound)
        uow.audit(AuditAction.OPERATOR_ADDED, "operator", op.id,
                  after={"username": username, "role": role.value, "display_name": op.display_name,
                         "outlets": list(bound)})
        uow.commit()
        return _view(op, bound)


def authenticate(desk: Desk, username: str, password: str) -> Actor:
    """Log in. A wrong password and an unknown (or inactive) user get the same message, the same argon2
    verification and, after ``lockout_attempts`` wrong tries, the same lockout naming the minutes left."""
    sec = desk.settings.security
    now = desk.now()
    with UnitOfWork(desk, None) as uow:
        op = _by_username(uow.session, username)
        known = op is not None and op.active
        ok = verify_password(op.password_hash if known and op else None, password)
        counter: Operator | LoginFailure = op if known and op else _failure_row(uow.session, username, now)
        subject = op.id if op is not None else None
        name = op.username if op is not None else visible(username.strip().lower()[:64])
        if counter.locked_until is not None and counter.locked_until > now:
            minutes = max(1, math.ceil((counter.locked_until - now).total_seconds() / 60))
            uow.audit(AuditAction.LOGIN_REFUSED_LOCKED, "operator", subject, after={"username": name})
            uow.commit()
            raise LoginRefused(_locked_message(minutes), minutes)
        if not ok:
            counter.failed_logins += 1
            locked = counter.failed_logins >= sec.lockout_attempts
            if locked:
                counter.locked_until = now + timedelta(minutes=sec.lockout_minutes)
                counter.failed_logins = 0
            action = AuditAction.OPERATOR_LOCKED if locked and known else AuditAction.LOGIN_FAILED
            uow.audit(action, "operator", subject, after={"username": name, "locked": locked})
            uow.commit()
            if locked:
                raise LoginRefused(_locked_message(sec.lockout_minutes), sec.lockout_minutes)
            raise LoginRefused(_("Wrong user name or password."))
        assert op is not None and op.id is not None
        if (refused := sign_in_refusal(op.username, outlets_of(uow.session, op.id), desk.outlet_code)) is not None:
            uow.audit(AuditAction.LOGIN_REFUSED_OUTLET, "operator", op.id,
                      after={"username": op.username, "outlet": desk.outlet_code})
            uow.commit()
            raise refused
        op.failed_logins = 0
        op.locked_until = None
        if needs_rehash(op.password_hash):
            op.password_hash = hash_password(password)
        uow.actor = _actor(op)  # the sign-in is the operator's own action (it counts in their day)
        uow.audit(AuditAction.LOGIN, "operator", op.id, after={"username": op.username})
        uow.commit()
        return _actor(op)


def _failure_row(session: Session, username: str, now: datetime) -> LoginFailure:
    """The wrong-sign-in counter of a name that is no active operator (created at its first try, locked for
    the use case); beyond :data:`MAX_LOGIN_FAILURE_ROWS` names the least recently tried are forgotten."""
    digest = hashlib.sha256(username.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
    table = LoginFailure.__table__  # type: ignore[attr-defined]
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    created = cast("CursorResult[Any]", session.execute(
        insert(table).values(name_digest=digest, failed_logins=0, locked_until=None, last_at=now)
        .on_conflict_do_nothing(index_elements=["name_digest"])
    )).rowcount
    if created:
        keep = select(col(LoginFailure.name_digest)).order_by(col(LoginFailure.last_at).desc()).limit(
            MAX_LOGIN_FAILURE_ROWS)
        session.execute(delete(LoginFailure).where(col(LoginFailure.name_digest).not_in(keep)))
    row: LoginFailure = session.execute(
        select(LoginFailure).where(col(LoginFailure.name_digest) == digest).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    row.last_at = now
    return row


def _locked_message(minutes: int) -> str:
    return ngettext(
        "Too many wrong passwords: this user is locked. Try again in {n} minute or ask a supervisor to unlock.",
        "Too many wrong passwords: this user is locked. Try again in {n} minutes or ask a supervisor to unlock.",
        minutes,
    ).format(n=minutes)


def change_password(desk: Desk, actor: Actor, username: str, new_password: str) -> None:
    """Set a password: one's own, or (with the right to manage operators) that of an account the actor's
    role may manage (``domain.roles.MANAGES``: only an administrator changes an administrator's)."""
    check_password_policy(new_password)
    own = username.strip().lower() == actor.username
    with UnitOfWork(desk, actor, None if own else Action.MANAGE_OPERATORS) as uow:
        op = _by_username(uow.session, username)
        if op is None:
            raise NotFound(_("There is no operator '{u}'.").format(u=username))
        if not own:
            require_bound_here(uow.session, desk, op)
            require_manage(actor.role, Role(op.role))
        op.password_hash = hash_password(new_password)
        op.failed_logins = 0
        uow.audit(AuditAction.PASSWORD_CHANGED, "operator", op.id, after={"username": op.username})
        uow.commit()


def unlock(desk: Desk, actor: Actor, username: str) -> None:
    """Lift a lockout, on an account the actor's role may manage."""
    with UnitOfWork(desk, actor, Action.MANAGE_OPERATORS) as uow:
        op = _by_username(uow.session, username)
        if op is None:
            raise NotFound(_("There is no operator '{u}'.").format(u=username))
        require_bound_here(uow.session, desk, op)
        require_manage(actor.role, Role(op.role))
        op.locked_until = None
        op.failed_logins = 0
        uow.audit(AuditAction.OPERATOR_UNLOCKED, "operator", op.id, after={"username": op.username})
        uow.commit()


def list_operators(desk: Desk) -> list[OperatorView]:
    """The operators this desk's outlet may let in (bound to it), with all their outlets."""
    with Session(desk.engine) as s:
        outlets = outlets_by_operator(s)
        rows = s.execute(select(Operator).order_by(Operator.username)).scalars().all()
        return [_view(op, outlets.get(op.id or 0, ())) for op in rows
                if desk.outlet_code in outlets.get(op.id or 0, ())]
