"""Operators: argon2id hashes, password policy, login refusals and lockout, roles enforced by services."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from outlet_desk.db.tables import Operator
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import AccountOutOfReach, Role
from outlet_desk.services import operators
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused, ServiceError
from tests.clock import FakeClock

PW = "correct horse battery"


def test_password_is_stored_as_argon2id_with_owasp_minimum(desk: Desk, admin: Actor) -> None:
    with Session(desk.engine) as s:
        op = s.exec(select(Operator).where(Operator.username == "admin")).one()
    assert op.password_hash.startswith("$argon2id$")
    params = dict(p.split("=") for p in op.password_hash.split("$")[3].split(","))
    assert int(params["m"]) >= 19456 and int(params["t"]) >= 2 and int(params["p"]) == 1
    assert PW not in op.password_hash


def test_short_password_is_refused(desk: Desk, admin: Actor) -> None:
    with pytest.raises(DomainError, match="12"):
        operators.add_operator(desk, admin, "clerk9", "Clerk", Role.CLERK, "short-pass")


def test_first_operator_must_be_an_admin_and_only_once(desk: Desk) -> None:
    with pytest.raises(ServiceError, match="first administrator"):
        operators.add_operator(desk, None, "clerk1", "Clerk", Role.CLERK, PW)
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, PW)
    with pytest.raises(ServiceError, match="first administrator"):
        operators.add_operator(desk, None, "admin2", "Admin 2", Role.ADMIN, PW)


def test_wrong_password_and_unknown_user_get_the_same_message(desk: Desk, admin: Actor) -> None:
    with pytest.raises(LoginRefused) as wrong:
        operators.authenticate(desk, "admin", "not the password")
    with pytest.raises(LoginRefused) as unknown:
        operators.authenticate(desk, "nobody", "not the password")
    assert wrong.value.message == unknown.value.message == "Wrong user name or password."


def test_lockout_after_attempts_names_minutes_left_and_lifts(desk: Desk, admin: Actor, clock: FakeClock) -> None:
    attempts = desk.settings.security.lockout_attempts
    for _ in range(attempts - 1):
        with pytest.raises(LoginRefused, match="Wrong user name"):
            operators.authenticate(desk, "admin", "bad password!")
    with pytest.raises(LoginRefused) as locked:
        operators.authenticate(desk, "admin", "bad password!")
    minutes = desk.settings.security.lockout_minutes
    assert locked.value.minutes_left == minutes
    assert f"{minutes} minutes" in locked.value.message
    # Even the right password is refused while locked, with the time left.
    clock.advance(minutes=minutes - 2)
    with pytest.raises(LoginRefused) as still:
        operators.authenticate(desk, "admin", PW)
    assert still.value.minutes_left == 2
    clock.advance(minutes=3)
    assert operators.authenticate(desk, "admin", PW).role is Role.ADMIN


def test_wrong_passwords_at_two_desks_at_once_both_count(desk: Desk, admin: Actor) -> None:
    """An attacker typing at two desks at the same moment gets no more tries than ``lockout_attempts``: the
    last two wrong passwords, read together, both count, and the account is locked."""
    from tests.services.builders import at_once
    from tests.services.races import reads_held_together

    attempts = desk.settings.security.lockout_attempts
    for _ in range(attempts - 2):
        with pytest.raises(LoginRefused, match="Wrong user name"):
            operators.authenticate(desk, "admin", "bad password!")
    with reads_held_together(desk.engine, "operator"):  # both read the same count unless the row is locked
        outcomes = at_once(lambda _actor, _n: operators.authenticate(desk, "admin", "bad password!"),
                           [admin, admin], [0, 1], (LoginRefused,))
    assert sorted(o.message.split(":")[0] for o in outcomes if isinstance(o, LoginRefused)) == [
        "Too many wrong passwords", "Wrong user name or password."], outcomes
    with pytest.raises(LoginRefused, match="locked") as locked:
        operators.authenticate(desk, "admin", PW)  # even the right password, now
    assert locked.value.minutes_left == desk.settings.security.lockout_minutes


def test_unlock_by_admin(desk: Desk, admin: Actor) -> None:
    operators.add_operator(desk, admin, "clerk1", "Clerk One", Role.CLERK, PW)
    for _ in range(desk.settings.security.lockout_attempts):
        with pytest.raises(LoginRefused):
            operators.authenticate(desk, "clerk1", "bad password!")
    operators.unlock(desk, admin, "clerk1")
    assert operators.authenticate(desk, "clerk1", PW).username == "clerk1"


def test_clerk_cannot_manage_operators(desk: Desk, admin: Actor) -> None:
    operators.add_operator(desk, admin, "clerk1", "Clerk One", Role.CLERK, PW)
    clerk = operators.authenticate(desk, "clerk1", PW)
    with pytest.raises(DomainError):
        operators.add_operator(desk, clerk, "clerk2", "Clerk Two", Role.CLERK, PW)
    with pytest.raises(DomainError):
        operators.change_password(desk, clerk, "admin", "another long password")
    # but a clerk may change their own password
    operators.change_password(desk, clerk, "clerk1", "another long password")
    assert operators.authenticate(desk, "clerk1", "another long password").username == "clerk1"


def test_duplicate_username_is_refused(desk: Desk, admin: Actor) -> None:
    with pytest.raises(ServiceError, match="already taken"):
        operators.add_operator(desk, admin, "ADMIN", "Admin again", Role.CLERK, PW)


def test_sign_in_is_recorded_as_the_operators_own_action(desk: Desk, admin: Actor) -> None:
    from outlet_desk.db.tables import AuditEvent

    with Session(desk.engine) as s:
        logins = s.exec(select(AuditEvent).where(AuditEvent.action == "login")).all()
    assert [e.operator_id for e in logins] == [admin.operator_id]


SUPERVISOR_REFUSAL = (
    "The supervisor role may not manage {target} accounts: only an administrator creates administrator and "
    "supervisor accounts or changes, unlocks or deactivates them; the supervisor role manages clerk, hotline "
    "agent, auditor accounts."
)


@pytest.fixture
def supervisor(desk: Desk, admin: Actor) -> Actor:
    operators.add_operator(desk, admin, "super1", "Supervisor", Role.SUPERVISOR, PW)
    return operators.authenticate(desk, "super1", PW)


def _hash_of(desk: Desk, username: str) -> str:
    with Session(desk.engine) as s:
        return s.exec(select(Operator).where(Operator.username == username)).one().password_hash


@pytest.mark.parametrize(("role", "label"), [(Role.ADMIN, "administrator"), (Role.SUPERVISOR, "supervisor")])
def test_a_supervisor_cannot_create_an_account_of_their_own_role_or_above(
    desk: Desk, supervisor: Actor, role: Role, label: str
) -> None:
    with pytest.raises(AccountOutOfReach) as refused:
        operators.add_operator(desk, supervisor, "boss2", "Boss", role, PW)
    assert refused.value.message == SUPERVISOR_REFUSAL.format(target=label)
    assert [op.username for op in operators.list_operators(desk)] == ["admin", "super1"]


def test_a_supervisor_cannot_change_or_unlock_an_administrators_account(
    desk: Desk, admin: Actor, supervisor: Actor
) -> None:
    before = _hash_of(desk, "admin")
    with pytest.raises(AccountOutOfReach) as refused:
        operators.change_password(desk, supervisor, "admin", "taken over at night")
    assert refused.value.message == SUPERVISOR_REFUSAL.format(target="administrator")
    assert _hash_of(desk, "admin") == before
    with pytest.raises(AccountOutOfReach):
        operators.unlock(desk, supervisor, "admin")
    assert operators.authenticate(desk, "admin", PW).role is Role.ADMIN


def test_a_supervisor_manages_clerks_hotline_agents_and_auditors(desk: Desk, supervisor: Actor) -> None:
    for username, role in (("clerk1", Role.CLERK), ("hotline1", Role.HOTLINE), ("audit1", Role.AUDITOR)):
        operators.add_operator(desk, supervisor, username, username, role, PW)
        operators.change_password(desk, supervisor, username, "a new long password")
        operators.unlock(desk, supervisor, username)
        assert operators.authenticate(desk, username, "a new long password").role is role
    # and their own password
    operators.change_password(desk, supervisor, "super1", "a new long password")


def test_an_admin_manages_every_account(desk: Desk, admin: Actor) -> None:
    operators.add_operator(desk, admin, "admin2", "Second admin", Role.ADMIN, PW)
    operators.change_password(desk, admin, "admin2", "a new long password")
    operators.unlock(desk, admin, "admin2")
    assert operators.authenticate(desk, "admin2", "a new long password").role is Role.ADMIN


@pytest.mark.parametrize(("password", "rule"), [
    (" " * 12, "only spaces"),
    ("\u3000\t " * 6, "only spaces"),
    ("a" * 1025, "at most 1024"),
    ("correct horse\x00battery", "control characters"),
    ("correct horse\x1b[2Jbattery", "control characters"),
])
def test_password_rules_refuse_with_the_rule(desk: Desk, admin: Actor, password: str, rule: str) -> None:
    with pytest.raises(DomainError, match=rule):
        operators.add_operator(desk, admin, "clerk9", "Clerk", Role.CLERK, password)
    with pytest.raises(DomainError, match=rule):
        operators.change_password(desk, admin, "admin", password)
    assert operators.authenticate(desk, "admin", PW).username == "admin"  # nothing changed


def test_long_password_with_spaces_and_any_script_is_accepted(desk: Desk, admin: Actor) -> None:
    password = ("正确 马 电池 订书钉 " * 100)[:1020] + "wxyz"
    assert len(password) == 1024
    operators.change_password(desk, admin, "admin", password)
    assert operators.authenticate(desk, "admin", password).username == "admin"


def _answers(desk: Desk, username: str, tries: int) -> list[tuple[str, int | None]]:
    answers = []
    for _ in range(tries):
        with pytest.raises(LoginRefused) as refused:
            operators.authenticate(desk, username, "bad password!")
        answers.append((refused.value.message, refused.value.minutes_left))
    return answers


def test_unknown_name_is_locked_like_a_real_one(desk: Desk, admin: Actor, clock: FakeClock) -> None:
    """The answers, before, at and after the lockout, are the same for a real and an unknown user name."""
    tries = desk.settings.security.lockout_attempts + 2
    real, unknown = _answers(desk, "admin", tries), _answers(desk, "nobody.here", tries)
    assert real == unknown
    assert "locked" in real[-1][0]
    clock.advance(minutes=desk.settings.security.lockout_minutes + 1)
    assert _answers(desk, "admin", 1) == _answers(desk, "Nobody.Here", 1) == [("Wrong user name or password.", 0)]


def test_inactive_operator_is_answered_as_an_unknown_name(desk: Desk, admin: Actor) -> None:
    from outlet_desk.services import supervision

    operators.add_operator(desk, admin, "clerk9", "Clerk", Role.CLERK, PW)
    supervision.deactivate(desk, admin, "clerk9", "left the outlet")
    tries = desk.settings.security.lockout_attempts + 1
    assert _answers(desk, "clerk9", tries) == _answers(desk, "nobody.else", tries)


def test_unknown_names_are_remembered_in_a_bounded_table(desk: Desk, admin: Actor,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from outlet_desk.db.tables import LoginFailure

    monkeypatch.setattr(operators, "MAX_LOGIN_FAILURE_ROWS", 3)
    for n in range(6):
        _answers(desk, f"ghost{n}", 1)
    with Session(desk.engine) as s:
        rows = s.exec(select(LoginFailure)).all()
    assert len(rows) == 3
    assert all("ghost" not in row.name_digest for row in rows)  # a digest, never the name typed


def test_unknown_name_costs_the_same_argon2_verification(desk: Desk, admin: Actor) -> None:
    import time

    def cost(username: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(LoginRefused):
                operators.authenticate(desk, username, "bad password!")
            best = min(best, time.perf_counter() - start)
        return best

    real, unknown = cost("admin"), cost("nobody")
    assert 0.5 < unknown / real < 2, (real, unknown)


@pytest.mark.parametrize("display_name", ["Ann\x1b[31m", "Ann\u202eeivaD", "Ann\x00", "x" * 101])
def test_display_name_with_control_characters_or_too_long_is_refused(desk: Desk, admin: Actor,
                                                                     display_name: str) -> None:
    from outlet_desk.domain.text import InvalidText

    with pytest.raises(InvalidText, match="display name"):
        operators.add_operator(desk, admin, "clerk9", display_name, Role.CLERK, PW)
    assert [op.username for op in operators.list_operators(desk)] == ["admin"]


def test_display_name_with_markup_is_stored_as_typed(desk: Desk, admin: Actor) -> None:
    operators.add_operator(desk, admin, "clerk9", "[/] [bold red]x[/]", Role.CLERK, PW)
    assert {op.display_name for op in operators.list_operators(desk)} >= {"[/] [bold red]x[/]"}
