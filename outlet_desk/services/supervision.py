"""The supervisor's desk work beside the day's report: approvals waiting for a checker (maker is never
the checker), and operators taken out of service (deactivated) or back in. Listing and unlocking
operators is ``services.operators``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import Approval, Operator
from outlet_desk.domain.approvals import ApprovalStatus, move_approval
from outlet_desk.domain.roles import Action, Role, require, require_manage
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, RecordChanged, ServiceError
from outlet_desk.services.operators import OperatorView, list_operators
from outlet_desk.services.uow import UnitOfWork
from outlet_desk.services.waiver import waiver_subjects
from outlet_desk.services.withdrawal_request import withdrawal_subjects


def approval_status_label(status: str) -> str:
    return ApprovalStatus.label_of(status)


class ApprovalRefused(ServiceError):
    code = "approval_refused"


class OperatorChangeRefused(ServiceError):
    code = "operator_change_refused"


@dataclass(frozen=True)
class ApprovalView:
    id: int
    action: str
    entity: str
    entity_id: int | None
    maker: str
    checker: str
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None
    subject: str = ""
    """What it is about, as the supervisor reads it (a fee waiver: the person, card and fee; a withdrawal: the
    person and card), or ""."""
    decision_reason: str = ""
    """The checker's words with the decision (a rejection's reason)."""


def _view(row: Approval, names: dict[int, str], subject: str = "") -> ApprovalView:
    assert row.id is not None
    return ApprovalView(row.id, row.action, row.entity, row.entity_id, names.get(row.maker_id, str(row.maker_id)),
                        names.get(row.checker_id, "") if row.checker_id else "", row.status, row.reason,
                        row.created_at, row.decided_at, subject, row.decision_reason)


def _names(session: Session) -> dict[int, str]:
    return {int(i or 0): u for i, u in session.execute(select(col(Operator.id), col(Operator.username)))}


def request_approval(desk: Desk, maker: Actor, action: str, entity: str, entity_id: int | None,
                     reason: str) -> ApprovalView:
    """A maker asks for a checker's decision (it waits in the supervisor's list)."""
    reason = clean_text(reason, _("The reason"), REASON_MAX, multi_line=True)
    if not reason:
        raise ApprovalRefused(_("Say why the approval is needed."))
    with UnitOfWork(desk, maker) as uow:
        row = Approval(outlet_code=desk.outlet_code, action=action[:32], entity=entity[:32], entity_id=entity_id,
                       maker_id=maker.operator_id, reason=reason.strip()[:500], created_at=desk.now())
        uow.session.add(row)
        uow.session.flush()
        uow.audit("approval_requested", "approval", row.id,
                  after={"action": row.action, "entity": entity, "entity_id": entity_id, "reason": row.reason})
        uow.commit()
        return _view(row, {maker.operator_id: maker.username})


def pending_approvals(desk: Desk, actor: Actor) -> list[ApprovalView]:
    """Approvals of this outlet still waiting for a decision, oldest first."""
    require(actor.role, Action.APPROVE)
    with Session(desk.engine) as s:
        rows = s.execute(select(Approval).where(
            col(Approval.outlet_code) == desk.outlet_code, col(Approval.status) == ApprovalStatus.PENDING,
        ).order_by(col(Approval.created_at), col(Approval.id))).scalars().all()
        names = _names(s)
        subjects = {i: w.describe() for i, w in waiver_subjects(desk, s, list(rows)).items()}
        subjects.update(withdrawal_subjects(s, list(rows)))
        return [_view(r, names, subjects.get(r.id or 0, "")) for r in rows]


def decide(desk: Desk, checker: Actor, approval_id: int, *, approve: bool, reason: str = "") -> ApprovalView:
    """Approve or reject a waiting approval. The checker is never its maker; a rejection says why."""
    reason = clean_text(reason, _("The reason"), REASON_MAX, multi_line=True)
    if not approve and not reason:
        raise ApprovalRefused(_("Say why the request is rejected."))
    with UnitOfWork(desk, checker, Action.APPROVE) as uow:
        # Locked (PostgreSQL; SQLite's write transaction is already exclusive): two supervisors deciding at
        # the same moment are one decision and one "already decided", not two contradicting decisions.
        row = uow.session.get(Approval, approval_id, with_for_update=True)
        if row is None or row.outlet_code != desk.outlet_code:
            raise NotFound(_("No approval with number {id}.").format(id=approval_id))
        if row.status != ApprovalStatus.PENDING:
            raise RecordChanged(_("Approval {id} has already been decided: it is {status}.").format(
                id=approval_id, status=approval_status_label(row.status)))
        if row.maker_id == checker.operator_id:
            raise ApprovalRefused(_("You asked for this approval yourself; another supervisor must decide it."))
        row.status = move_approval(row.status, ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED)
        row.checker_id, row.decided_at = checker.operator_id, desk.now()
        row.decision_reason = reason.strip()[:500]
        uow.audit("approval_" + row.status, "approval", row.id,
                  before={"status": ApprovalStatus.PENDING}, after={"status": row.status, "action": row.action,
                                                       "reason": reason.strip()})
        uow.commit()
        return _view(row, _names(uow.session))


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
        uow.audit("operator_activated" if active else "operator_deactivated", "operator", op.id,
                  before={"active": not active}, after={"username": op.username, "active": active,
                                                        "reason": reason.strip()[:200]})
        uow.commit()


def deactivate(desk: Desk, actor: Actor, username: str, reason: str) -> None:
    set_active(desk, actor, username, active=False, reason=reason)


def reactivate(desk: Desk, actor: Actor, username: str, reason: str) -> None:
    set_active(desk, actor, username, active=True, reason=reason)
