"""Operators bound to outlets (``operator_outlet``): reading and writing the bindings, and the checks that
keep each desk to its own outlet's accounts. The rule itself (one outlet; several for an administrator;
a desk lets in only its own outlet's operators) is :mod:`outlet_desk.domain.outlet_binding`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import Operator, OperatorOutlet, Outlet
from outlet_desk.domain.divisions import Division, is_division_code
from outlet_desk.domain.outlet_binding import check_outlets, may_sign_in_at, reads_city, reads_province
from outlet_desk.domain.roles import Role
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused, NotFound, ServiceError


def outlets_of(session: Session, operator_id: int) -> tuple[str, ...]:
    """The outlets an operator is bound to, by code."""
    return tuple(session.execute(
        select(col(OperatorOutlet.outlet_code)).where(col(OperatorOutlet.operator_id) == operator_id)
        .order_by(col(OperatorOutlet.outlet_code))
    ).scalars())


def outlets_by_operator(session: Session) -> dict[int, tuple[str, ...]]:
    """Every operator's outlets (for a list), in one query."""
    found: dict[int, list[str]] = {}
    rows = select(col(OperatorOutlet.operator_id), col(OperatorOutlet.outlet_code))
    for operator_id, code in session.execute(rows.order_by(col(OperatorOutlet.outlet_code))):
        found.setdefault(int(operator_id), []).append(str(code))
    return {k: tuple(v) for k, v in found.items()}


def checked_outlets(session: Session, desk: Desk, role: Role, outlets: Iterable[str] | None,
                    granted_by: tuple[str, ...] | None) -> tuple[str, ...]:
    """The outlets a new account of ``role`` is bound to: ``outlets`` (default: this desk's), by the
    domain's rule, each one an outlet of this database, and each one an outlet of the operator who binds it
    (``granted_by``; ``None`` for the first administrator, who is made before anyone can sign in)."""
    wanted = check_outlets(role, [desk.outlet_code] if outlets is None else list(outlets))
    known = set(session.execute(select(col(Outlet.code)).where(col(Outlet.code).in_(wanted))).scalars())
    if missing := [code for code in wanted if code not in known]:
        raise NotFound(_("There is no outlet {codes} in this database; an operator is bound to an outlet that "
                         "has a desk.").format(codes=", ".join(missing)))
    if granted_by is not None and (foreign := [code for code in wanted if code not in granted_by]):
        raise ServiceError(_("You may bind an account only to your own outlets ({own}), not to {codes}.").format(
            own=", ".join(granted_by), codes=", ".join(foreign)))
    return wanted


def bind(session: Session, operator_id: int, outlets: Iterable[str]) -> None:
    for code in outlets:
        session.add(OperatorOutlet(operator_id=operator_id, outlet_code=code))


def sign_in_refusal(username: str, bound_to: tuple[str, ...], outlet_code: str) -> LoginRefused | None:
    """The refusal of an operator (password already verified) at a desk of another outlet, with the
    reason; ``None`` when they belong here."""
    if may_sign_in_at(bound_to, outlet_code):
        return None
    if not bound_to:
        return LoginRefused(_("{u} is bound to no outlet, so no desk lets them in; an administrator of this "
                              "outlet can bind the account.").format(u=username))
    return LoginRefused(_("{u} belongs to outlet {own}, not to this desk's outlet {here}; sign in at a desk of "
                          "your own outlet.").format(u=username, own=", ".join(bound_to), here=outlet_code))


def require_bound_here(session: Session, desk: Desk, op: Operator) -> None:
    """An account managed at this desk belongs to this desk's outlet; another outlet's is not found here."""
    assert op.id is not None
    if desk.outlet_code not in outlets_of(session, op.id):
        raise NotFound(_("There is no operator '{u}' at outlet {outlet}.").format(u=op.username,
                                                                                   outlet=desk.outlet_code))


def city_of(session: Session, outlet_code: str) -> str | None:
    """The city (first four digits of the division code) of an outlet of this database, None if unknown."""
    code = session.execute(select(col(Outlet.division_code)).where(col(Outlet.code) == outlet_code)).scalar()
    return Division(code).city_code if code and is_division_code(code) else None


def require_belongs_to(desk: Desk, actor: Actor, outlet_code: str) -> None:
    """Another outlet's records (its report, on a database outlets share) are read only by an operator bound
    to that outlet too (an administrator of both), by the city's roles for an outlet of their city, or by the
    province's role for an outlet of its province."""
    if outlet_code == desk.outlet_code:
        return  # signing in here already required belonging here
    with Session(desk.engine) as s:
        bound = outlets_of(s, actor.operator_id)
        city = city_of(s, outlet_code) if reads_city(actor.role) else None
        reach = 2 if reads_province(actor.role) else 4  # the first digits shared: the province's, or the city's
        if city is not None and city[:reach] in {(city_of(s, code) or "")[:reach] for code in bound}:
            return
    if outlet_code not in bound:
        raise ServiceError(_("{u} belongs to outlet {own}, not to outlet {other}: its records are read by its own "
                             "operators.").format(u=actor.username, own=", ".join(bound) or "-", other=outlet_code))
