"""Operators belong to outlets (issue 13 item 6): a desk lets in only its own outlet's operators, with the
reason; an administrator may belong to several outlets, any other role to one. Two outlets on one
database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select

from outlet_desk.config import Settings, parse_settings
from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.outlet_binding import OutletBindingRefused
from outlet_desk.domain.roles import Role
from outlet_desk.services import operators, supervision
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused, NotFound, ServiceError
from tests.clock import FakeClock

PW = "correct horse battery"


@pytest.fixture
def other_desk(desk: Desk, clock: FakeClock) -> Iterator[Desk]:
    """A desk of outlet TST002 on the same database (and the same data folder) as ``desk`` (TST001)."""
    path = desk.settings.config_path
    text = path.read_text().replace('"TST001"', '"TST002"').replace('"Test outlet"', '"Second outlet"')
    settings: Settings = parse_settings(text, path.with_name("outlet2.toml"))
    d = open_desk(settings)
    d.clock = clock
    yield d
    d.engine.dispose()


def _add(desk: Desk, actor: Actor | None, username: str, role: Role, outlets: list[str] | None = None) -> None:
    operators.add_operator(desk, actor, username, username.title(), role, PW, outlets=outlets)


def test_an_operator_is_bound_to_the_outlet_of_the_desk_that_added_them(desk: Desk, admin: Actor) -> None:
    _add(desk, admin, "clerk1", Role.CLERK)
    listed = {op.username: op.outlets for op in operators.list_operators(desk)}
    assert listed == {"admin": ("TST001",), "clerk1": ("TST001",)}


def test_another_outlets_desk_refuses_the_operator_with_the_reason(desk: Desk, admin: Actor,
                                                                    other_desk: Desk) -> None:
    _add(desk, admin, "super1", Role.SUPERVISOR)
    with pytest.raises(LoginRefused) as refused:
        operators.authenticate(other_desk, "super1", PW)
    assert refused.value.message == ("super1 belongs to outlet TST001, not to this desk's outlet TST002; sign in at "
                                     "a desk of your own outlet.")
    with Session(other_desk.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.outlet_code) == "TST002")
                       .order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None and event.action == "login_refused_outlet"
    assert operators.authenticate(desk, "super1", PW).username == "super1"  # at home, in


def test_a_wrong_password_at_another_outlet_says_nothing_of_the_outlet(desk: Desk, admin: Actor,
                                                                       other_desk: Desk) -> None:
    """The outlet is named only to someone who knows the password: the answers do not tell names apart."""
    _add(desk, admin, "clerk1", Role.CLERK)
    with pytest.raises(LoginRefused, match=r"^Wrong user name or password\.$"):
        operators.authenticate(other_desk, "clerk1", "not the password at all")


def test_nobody_binds_an_account_to_an_outlet_they_do_not_belong_to(desk: Desk, admin: Actor, other_desk: Desk) -> None:
    # The first admin belongs to TST001 only, so they cannot bind anyone to TST002 ...
    with pytest.raises(ServiceError, match=r"only to your own outlets \(TST001\), not to TST002"):
        _add(desk, admin, "cityadmin", Role.ADMIN, ["TST001", "TST002"])


def test_an_administrator_of_two_outlets_signs_in_at_both(desk: Desk, other_desk: Desk) -> None:
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, PW, outlets=["TST001", "TST002"])
    for d in (desk, other_desk):
        assert operators.authenticate(d, "admin", PW).username == "admin"
    admin = operators.authenticate(other_desk, "admin", PW)
    _add(other_desk, admin, "clerk2", Role.CLERK)
    assert [op.outlets for op in operators.list_operators(other_desk) if op.username == "clerk2"] == [("TST002",)]
    assert "clerk2" not in {op.username for op in operators.list_operators(desk)}
    with pytest.raises(LoginRefused, match="belongs to outlet TST002, not to this desk's outlet TST001"):
        operators.authenticate(desk, "clerk2", PW)


@pytest.mark.parametrize("role", [Role.CLERK, Role.SUPERVISOR, Role.HOTLINE, Role.AUDITOR])
def test_any_other_role_belongs_to_one_outlet(desk: Desk, other_desk: Desk, role: Role) -> None:
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, PW, outlets=["TST001", "TST002"])
    admin = operators.authenticate(desk, "admin", PW)
    with pytest.raises(OutletBindingRefused, match="belongs to one outlet, not to TST001, TST002"):
        _add(desk, admin, "someone", role, ["TST001", "TST002"])


def test_an_outlet_that_is_not_in_the_database_is_refused(desk: Desk, admin: Actor) -> None:
    with pytest.raises(NotFound, match="There is no outlet NOPE01 in this database"):
        _add(desk, admin, "clerk1", Role.CLERK, ["NOPE01"])


def test_a_desk_manages_only_its_own_outlets_accounts(desk: Desk, other_desk: Desk) -> None:
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, PW, outlets=["TST001", "TST002"])
    admin = operators.authenticate(other_desk, "admin", PW)
    _add(other_desk, admin, "clerk2", Role.CLERK)
    here = operators.authenticate(desk, "admin", PW)
    for act in (lambda: operators.unlock(desk, here, "clerk2"),
                lambda: operators.change_password(desk, here, "clerk2", "another long password"),
                lambda: supervision.set_active(desk, here, "clerk2", active=False, reason="left")):
        with pytest.raises(NotFound, match=r"There is no operator 'clerk2' at outlet TST001\."):
            act()
    operators.unlock(other_desk, admin, "clerk2")  # at its own outlet's desk, it is there


def test_another_outlets_report_is_read_only_by_its_own_operators(desk: Desk, other_desk: Desk) -> None:
    from outlet_desk.services.report import daily_report

    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, PW, outlets=["TST001", "TST002"])
    admin = operators.authenticate(desk, "admin", PW)
    _add(desk, admin, "super1", Role.SUPERVISOR)
    supervisor = operators.authenticate(desk, "super1", PW)
    with pytest.raises(ServiceError, match="super1 belongs to outlet TST001, not to outlet TST002"):
        daily_report(desk, outlet_code="TST002", actor=supervisor, verify=False)
    assert daily_report(desk, outlet_code="TST002", actor=admin, verify=False).outlet_code == "TST002"
    assert daily_report(desk, actor=supervisor, verify=False).outlet_code == "TST001"
