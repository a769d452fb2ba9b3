"""Which outlets an operator belongs to: the one rule for binding an account to outlets and for signing
in at a desk.

An operator is bound to one outlet; an administrator may be bound to several (one administrator may
look after the accounts of a few outlets sharing a database). A desk lets in only the operators bound to
its own outlet. The bindings are rows (``operator_outlet``), not a column, so that the city roles of a
later issue (a city supervisor who reads every outlet of a city) can be bound the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Role, role_label
from outlet_desk.i18n import _

MULTI_OUTLET_ROLES: frozenset[Role] = frozenset({Role.ADMIN})
"""The roles an account may hold at several outlets at once; every other role belongs to exactly one."""


class OutletBindingRefused(DomainError):
    """An account cannot be bound to these outlets."""

    code = "outlet_binding"


def check_outlets(role: Role, outlets: Iterable[str]) -> tuple[str, ...]:
    """The outlets an account of ``role`` is bound to, each once and in the order given; refused when
    there is none, or several for a role that belongs to one outlet."""
    distinct = tuple(dict.fromkeys(code.strip() for code in outlets if code.strip()))
    if not distinct:
        raise OutletBindingRefused(_("An operator belongs to an outlet: name one."))
    if len(distinct) > 1 and role not in MULTI_OUTLET_ROLES:
        raise OutletBindingRefused(
            _("A {role} belongs to one outlet, not to {outlets}; only an administrator may be bound to "
              "several.").format(role=role_label(role), outlets=", ".join(distinct)))
    return distinct


def may_sign_in_at(bound_to: Iterable[str], outlet_code: str) -> bool:
    """Whether an operator bound to ``bound_to`` may sign in at a desk of ``outlet_code``."""
    return outlet_code in set(bound_to)


CITY_ROLES: frozenset[Role] = frozenset({Role.CITY_SUPERVISOR, Role.CITY_AUDITOR})
"""The city's roles: bound to one outlet (their office's, where they sign in) like everyone else, they read
every outlet of that outlet's city (same first four digits of the division code) and act in none."""


def reads_city(role: Role) -> bool:
    """Whether ``role`` reads the records of every outlet of its outlet's city (the province's role reads its
    whole province, so its city too)."""
    return role in CITY_ROLES or reads_province(role)


def reads_province(role: Role) -> bool:
    """Whether ``role`` reads the records of every outlet of its outlet's province (every city of it)."""
    return role is Role.PROVINCE_SUPERVISOR
