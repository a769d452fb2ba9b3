"""The rules every kind of approval by request follows, written once and told the kind (``kinds``):
sending a request, finding it, its state as the clerk's screen shows it, withdrawing it while it waits,
the clerk's open request for a card, using an approved one (once: it is then ``used``), and who may sign
the same action at the counter instead."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Approval, Card, Operator, Person
from outlet_desk.domain.approvals import OPEN_APPROVALS, ApprovalStatus, move_approval
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.roles import Role, can
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.approvals.kinds import CARD_ENTITY, RequestKind, SignerRule
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.uow import UnitOfWork

S = TypeVar("S")


@dataclass(frozen=True)
class RequestState:
    """A request as the clerk's screen shows it."""

    approval_id: int
    entity_id: int
    status: str
    """pending | approved | rejected | cancelled (withdrawn) | used"""
    reason: str
    """The clerk's words with the request."""
    checker: str
    """The deciding supervisor's display name ("" while pending)."""
    decision: str
    """The supervisor's words with the decision (a rejection's reason)."""
    asked_at: datetime

    @property
    def usable(self) -> bool:
        return self.status == ApprovalStatus.APPROVED


def request_state(s: Session, row: Approval) -> RequestState:
    """The request as the clerk's screen shows it."""
    assert row.id is not None and row.entity_id is not None
    checker = s.get(Operator, row.checker_id) if row.checker_id else None
    return RequestState(row.id, row.entity_id, row.status, row.reason,
                        checker.display_name if checker else "", row.decision_reason, row.created_at)


def start_of_day(desk: Desk) -> datetime:
    """Midnight today in the outlet's time zone: a request holds only on the day it was asked for."""
    return desk.local_now().replace(hour=0, minute=0, second=0, microsecond=0)


def _of_kind(desk: Desk, kind: RequestKind, card_id: int) -> list[Any]:
    return [col(Approval.outlet_code) == desk.outlet_code, col(Approval.action) == kind.kind,
            col(Approval.entity) == CARD_ENTITY, col(Approval.entity_id) == card_id]


def open_request(s: Session, desk: Desk, clerk: Actor, kind: RequestKind, card_id: int) -> Approval | None:
    """This clerk's newest request of ``kind`` for this card asked for today and not yet used, waiting or
    approved (the task screen, opened again, picks it up), else None."""
    return s.exec(select(Approval).where(
        *_of_kind(desk, kind, card_id), col(Approval.maker_id) == clerk.operator_id,
        col(Approval.status).in_(OPEN_APPROVALS), col(Approval.created_at) >= start_of_day(desk),
    ).order_by(col(Approval.id).desc())).first()


def waiting_requests(s: Session, desk: Desk, kind: RequestKind, card_id: int) -> list[Approval]:
    """The requests of ``kind`` for this card still waiting for a decision (whoever asked)."""
    return list(s.exec(select(Approval).where(
        *_of_kind(desk, kind, card_id), col(Approval.status) == ApprovalStatus.PENDING)).all())


def cancel_waiting(s: Session, desk: Desk, kind: RequestKind, card_id: int) -> list[int]:
    """Requests of ``kind`` for this card still waiting have nothing left to decide once the action is done
    another way: they are withdrawn (in the caller's transaction and audit event). Returns their numbers."""
    rows = waiting_requests(s, desk, kind, card_id)
    for row in rows:
        row.status, row.decided_at = move_approval(row.status, ApprovalStatus.CANCELLED), desk.now()
    return [row.id for row in rows if row.id is not None]


def find_request(s: Session, desk: Desk, clerk: Actor, kind: RequestKind, approval_id: int) -> Approval:
    """The clerk's own request of ``kind`` (``NotFound`` for anyone else's, or another kind's)."""
    row = s.get(Approval, approval_id)
    if (row is None or row.outlet_code != desk.outlet_code or row.action != kind.kind
            or row.entity != CARD_ENTITY or row.maker_id != clerk.operator_id):
        raise NotFound(_(kind.not_yours).format(id=approval_id))
    return row


def send_request(uow: UnitOfWork, kind: RequestKind, card: Card, detail: str, reason: str,
                 facts: Mapping[str, Any]) -> Approval:
    """Send ``kind`` for this card to the supervisors (one waiting at a time); audited with ``facts``. The
    caller has checked that the action itself could be done now."""
    assert card.id is not None
    waiting = waiting_requests(uow.session, uow.desk, kind, card.id)
    if waiting:
        raise kind.refused(_(kind.already_waiting).format(id=waiting[0].id))
    assert uow.actor is not None
    row = Approval(outlet_code=uow.desk.outlet_code, action=kind.kind, entity=CARD_ENTITY, entity_id=card.id,
                   detail=detail, maker_id=uow.actor.operator_id, reason=reason[:200], created_at=uow.desk.now())
    uow.session.add(row)
    uow.session.flush()
    uow.audit(AuditAction.APPROVAL_REQUESTED, "approval", row.id, person_id=card.person_id,
              after={"action": kind.kind, "entity": CARD_ENTITY, "entity_id": card.id,
                     "card_number": card.card_number, **facts, "reason": row.reason})
    return row


def withdraw_request(uow: UnitOfWork, kind: RequestKind, approval_id: int) -> Approval:
    """The clerk no longer waits for the decision: the request leaves the supervisors' list (audited)."""
    assert uow.actor is not None
    row = find_request(uow.session, uow.desk, uow.actor, kind, approval_id)
    if row.status != ApprovalStatus.PENDING:
        raise kind.refused(_("Request {id} has already been decided; it can no longer be withdrawn.").format(
            id=row.id))
    row.status, row.decided_at = move_approval(row.status, ApprovalStatus.CANCELLED), uow.desk.now()
    card = uow.session.get(Card, row.entity_id)
    uow.audit(AuditAction.APPROVAL_WITHDRAWN, "approval", row.id, person_id=card.person_id if card else None,
              before={"status": ApprovalStatus.PENDING}, after={"status": row.status, "action": row.action})
    return row


class ClerkRequests(Generic[S]):
    """The clerk's side of one kind, as its task screen calls it; ``show`` makes what the screen shows of a
    request (a ``RequestState``, or one with the kind's facts)."""

    def __init__(self, kind: RequestKind, show: Callable[[Desk, Session, Approval], S]) -> None:
        self.kind, self.show = kind, show

    def send(self, uow: UnitOfWork, card: Card, detail: str, reason: str, facts: Mapping[str, Any]) -> S:
        """Send the request (:func:`send_request`) and commit the use case: what the clerk's screen shows."""
        row = send_request(uow, self.kind, card, detail, reason, facts)
        uow.commit()
        return self.show(uow.desk, uow.session, row)

    def state(self, desk: Desk, clerk: Actor, approval_id: int) -> S:
        """Where the clerk's request stands now (the task screen asks every second or two)."""
        with Session(desk.engine) as s:
            return self.show(desk, s, find_request(s, desk, clerk, self.kind, approval_id))

    def withdraw(self, desk: Desk, clerk: Actor, approval_id: int) -> S:
        """The clerk no longer waits for the decision: the request leaves the supervisors' list (audited)."""
        with UnitOfWork(desk, clerk) as uow:
            row = withdraw_request(uow, self.kind, approval_id)
            uow.commit()
            return self.show(desk, uow.session, row)

    def open(self, desk: Desk, clerk: Actor, card_id: int) -> S | None:
        """The clerk's request for this card asked for today and not yet used, waiting or approved (the task
        screen, opened again, picks it up), else None."""
        with Session(desk.engine) as s:
            row = open_request(s, desk, clerk, self.kind, card_id)
            return self.show(desk, s, row) if row is not None else None


def use_approval(desk: Desk, s: Session, actor: Actor, kind: RequestKind, approval_id: int, card: Card,
                 detail: str | None = None) -> tuple[Approval, Operator]:
    """Use an approval of ``kind`` for this card (and ``detail``, when given) in the caller's transaction:
    asked for by this clerk, on this day, approved (not waiting, rejected or withdrawn) by a supervisor who
    may do the kind's ``checker_may`` and is not the clerk, and not used yet. It is marked used here (the one
    way a used approval is known). Returns it and the deciding supervisor."""
    row = s.get(Approval, approval_id)
    refused = kind.refused
    if row is None or row.outlet_code != desk.outlet_code or row.action != kind.kind or row.entity != CARD_ENTITY:
        raise refused(_(kind.no_such).format(id=approval_id))
    if row.status == ApprovalStatus.USED:
        raise refused(_("Approval {id} has already been used; an approval is used once.").format(id=approval_id))
    if row.maker_id != actor.operator_id:
        raise refused(_("Approval {id} was asked for by another clerk; only that clerk can use it.").format(
            id=row.id))
    asked_on = row.created_at.astimezone(desk.tz).date()
    if asked_on != desk.local_now().date():
        raise refused(_("Approval {id} was asked for on {day}; an approval holds only on that day. Send a new "
                        "request.").format(id=row.id, day=asked_on.isoformat()))
    if row.status == ApprovalStatus.PENDING:
        raise refused(_("Approval {id} is still waiting for a supervisor's decision.").format(id=row.id))
    if row.status == ApprovalStatus.REJECTED:
        raise refused(_("Approval {id} was rejected: {why}").format(id=row.id, why=row.decision_reason))
    if row.status != ApprovalStatus.APPROVED:
        raise refused(_("Approval {id} was withdrawn.").format(id=row.id))
    checker = s.get(Operator, row.checker_id) if row.checker_id else None
    if checker is None or checker.id == actor.operator_id or not can(Role(checker.role), kind.checker_may):
        raise refused(_("Approval {id} was not given by a supervisor who may approve it.").format(id=row.id))
    if row.entity_id != card.id or (detail is not None and row.detail != detail):
        raise refused(_(kind.other_subject).format(id=approval_id, card=card.card_number))
    row.status = move_approval(row.status, ApprovalStatus.USED)
    return row, checker


def check_signer(rule: SignerRule, maker: Actor, signer: Actor) -> None:
    """Who may sign the action at the counter beside the clerk: someone else, allowed to (the co-signature
    screen asks this as soon as they sign)."""
    if signer.operator_id == maker.operator_id:
        raise rule.refused(_(rule.not_yourself))
    if (rule.role is not None and signer.role is not rule.role) or not can(signer.role, rule.may):
        raise rule.refused(_(rule.not_allowed))


def card_subject(s: Session, row: Approval) -> dict[str, str] | None:
    """The card a request is bound to and its holder as a supervisor reads them: ``person`` (the name and the
    masked citizen number) and ``card`` (its number); None when it is bound to something else."""
    if row.entity != CARD_ENTITY or row.entity_id is None:
        return None
    card = s.get(Card, row.entity_id)
    person = s.get(Person, card.person_id) if card is not None else None
    if card is None or person is None:
        return None
    return {"person": f"{person.name} {mask_citizen_id(person.citizen_number)}", "card": card.card_number}


def clean_reason(text: str) -> str:
    """The clerk's reason for a request: typed text (:func:`clean_text`'s rule), on one line."""
    return " ".join(clean_text(text, _("The reason"), REASON_MAX, multi_line=True).split())


def request_state_of(desk: Desk, s: Session, row: Approval) -> RequestState:
    """:func:`request_state` as :class:`ClerkRequests` calls it, for a kind with no facts of its own."""
    return request_state(s, row)
