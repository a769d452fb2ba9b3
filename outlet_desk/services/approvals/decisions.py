"""The supervisor's decision on an approval asked for by request (the maker is never the checker): the
list of approvals waiting at this outlet, with what each is about, and approving or rejecting one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import Approval, Operator
from outlet_desk.domain.approvals import ApprovalStatus, move_approval
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action, require
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.approvals.waiver import waiver_subject_line
from outlet_desk.services.approvals.withdrawal import withdrawal_subject_line
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, RecordChanged, ServiceError
from outlet_desk.services.uow import UnitOfWork


def approval_status_label(status: str) -> str:
    return ApprovalStatus.label_of(status)


class ApprovalRefused(ServiceError):
    code = "approval_refused"


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
        uow.audit(AuditAction.APPROVAL_REQUESTED, "approval", row.id,
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
        return [_view(r, names, _subject_line(desk, s, r)) for r in rows]


def _subject_line(desk: Desk, s: Session, row: Approval) -> str:
    return waiver_subject_line(desk, s, row) or withdrawal_subject_line(s, row) or ""


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
        uow.audit(AuditAction.APPROVAL_APPROVED if approve else AuditAction.APPROVAL_REJECTED, "approval", row.id,
                  before={"status": ApprovalStatus.PENDING}, after={"status": row.status, "action": row.action,
                                                       "reason": reason.strip()})
        uow.commit()
        return _view(row, _names(uow.session))


