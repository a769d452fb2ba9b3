"""The supervisor's desk work beside the day's report: operators taken out of service (deactivated) or back
in. Listing and unlocking operators is ``services.operators``; approvals waiting for a checker are
``services.approvals.decisions``."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import Operator
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action, Role, require, require_manage
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.operators import OperatorView, list_operators
from outlet_desk.services.outlet_bindings import require_bound_here
from outlet_desk.services.uow import UnitOfWork


class OperatorChangeRefused(ServiceError):
    code = "operator_change_refused"


def operators_overview(desk: Desk, actor: Actor) -> list[OperatorView]:
    """Every operator with state (active, locked until), for the supervisor's operators list."""
    require(actor.role, Action.MANAGE_OPERATORS)
    return list_operators(desk)


def _locked_operator(s: Session, username: str) -> Operator | None:
    """The operator's row, locked for the use case (PostgreSQL; SQLite's write transaction is exclusive).
    An administrator's row is locked with every active administrator's, in one order, so that two
    administrators deactivating each other at the same moment cannot leave the outlet with none (and
    cannot deadlock)."""
    name = username.strip().lower()
    role = s.execute(select(col(Operator.role)).where(col(Operator.username) == name)).scalar_one_or_none()
    if role == Role.ADMIN.value:
        _active_admins_locked(s)
    return s.execute(select(Operator).where(col(Operator.username) == name).with_for_update()
                     .execution_options(populate_existing=True)).scalar_one_or_none()


def _active_admins_locked(s: Session) -> list[Operator]:
    return list(s.execute(select(Operator).where(
        col(Operator.role) == Role.ADMIN.value, col(Operator.active).is_(True)
    ).order_by(col(Operator.id)).with_for_update().execution_options(populate_existing=True)).scalars().all())


def set_active(desk: Desk, actor: Actor, username: str, *, active: bool, reason: str) -> None:
    """Take an operator out of service (they can no longer sign in) or back in; audited with the reason."""
    reason = clean_text(reason, _("The reason"), REASON_MAX, multi_line=True)
    if not reason:
        raise OperatorChangeRefused(_("Give the reason for this change."))
    with UnitOfWork(desk, actor, Action.MANAGE_OPERATORS) as uow:
        s = uow.session
        op = _locked_operator(s, username)
        if op is None or op.id is None:
            raise NotFound(_("There is no operator '{u}'.").format(u=username))
        if not active and op.id == actor.operator_id:
            raise OperatorChangeRefused(_("You cannot deactivate yourself."))
        require_bound_here(s, desk, op)
        require_manage(actor.role, Role(op.role))
        if not active and op.role == Role.ADMIN.value:
            admins = len(_active_admins_locked(s))
            if admins <= 1:
                raise OperatorChangeRefused(_("{u} is the last active administrator and stays active.").format(
                    u=op.username))
        if op.active == active:
            raise OperatorChangeRefused((_("{u} is already active.") if active else _("{u} is already inactive."))
                                        .format(u=op.username))
        op.active = active
        uow.audit(AuditAction.OPERATOR_ACTIVATED if active else AuditAction.OPERATOR_DEACTIVATED, "operator", op.id,
                  before={"active": not active}, after={"username": op.username, "active": active,
                                                        "reason": reason.strip()[:200]})
        uow.commit()


def deactivate(desk: Desk, actor: Actor, username: str, reason: str) -> None:
    set_active(desk, actor, username, active=False, reason=reason)


def reactivate(desk: Desk, actor: Actor, username: str, reason: str) -> None:
    set_active(desk, actor, username, active=True, reason=reason)
