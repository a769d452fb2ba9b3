"""What every action asked for by request shares (a fee waiver, the withdrawal of a loss report under dual
control): the clerk sends it to the supervisors (a pending ``approval`` bound to a card), a supervisor
decides it at their own desk (``supervision.decide``), the clerk's screen watches it and may withdraw it
while it waits, and an approved one is used once, by the clerk who asked, on the day it was asked for.

Each action keeps in its own module what it asks for and how a used approval is known; the rules here are
the ones that hold for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Approval, Card, Operator, Person
from outlet_desk.domain.approvals import OPEN_APPROVALS, ApprovalStatus, move_approval
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.roles import Action, Role, can
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.uow import UnitOfWork

CARD_ENTITY = "card"
"""A request asked for at the counter is bound to the card it concerns (``entity_id``): the card names the
person."""


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


def request_state(s: Session, row: Approval, *, used: bool = False) -> RequestState:
    assert row.id is not None and row.entity_id is not None
    checker = s.get(Operator, row.checker_id) if row.checker_id else None
    return RequestState(row.id, row.entity_id, ApprovalStatus.USED if used else row.status, row.reason,
                        checker.display_name if checker else "", row.decision_reason, row.created_at)


def start_of_day(desk: Desk) -> datetime:
    """Midnight today in the outlet's time zone: a request holds only on the day it was asked for."""
    return desk.local_now().replace(hour=0, minute=0, second=0, microsecond=0)


def todays_requests(s: Session, desk: Desk, clerk: Actor, action: str, card_id: int) -> list[Approval]:
    """This clerk's requests of ``action`` for this card asked for today, waiting or approved, newest first."""
    return list(s.exec(select(Approval).where(
        col(Approval.outlet_code) == desk.outlet_code, col(Approval.action) == action,
        col(Approval.entity) == CARD_ENTITY, col(Approval.entity_id) == card_id,
        col(Approval.maker_id) == clerk.operator_id, col(Approval.status).in_(OPEN_APPROVALS),
        col(Approval.created_at) >= start_of_day(desk),
    ).order_by(col(Approval.id).desc())).all())


def waiting_request(s: Session, desk: Desk, action: str, card_id: int) -> Approval | None:
    """A request of ``action`` for this card still waiting for a decision (whoever asked)."""
    return s.exec(select(Approval).where(
        col(Approval.outlet_code) == desk.outlet_code, col(Approval.action) == action,
        col(Approval.entity) == CARD_ENTITY, col(Approval.entity_id) == card_id,
        col(Approval.status) == ApprovalStatus.PENDING)).first()


def cancel_request(uow: UnitOfWork, row: Approval, refused: type[ServiceError]) -> None:
    """The clerk no longer waits for the decision: the request leaves the supervisors' list (audited)."""
    if row.status != ApprovalStatus.PENDING:
        raise refused(_("Request {id} has already been decided; it can no longer be withdrawn.").format(id=row.id))
    row.status, row.decided_at = move_approval(row.status, ApprovalStatus.CANCELLED), uow.desk.now()
    card = uow.session.get(Card, row.entity_id) if row.entity == CARD_ENTITY else None
    uow.audit("approval_withdrawn", "approval", row.id, person_id=card.person_id if card else None,
              before={"status": ApprovalStatus.PENDING}, after={"status": row.status, "action": row.action})


def check_approved_for(desk: Desk, s: Session, actor: Actor, row: Approval, checker_may: Action,
                       refused: type[ServiceError]) -> Operator:
    """The rules every approved request is used by (what it was asked for, and whether it was used already,
    are the caller's): asked for by this clerk, on this day, approved (not waiting, rejected or withdrawn)
    by a supervisor who may do ``checker_may``, and not by the clerk. Returns the deciding supervisor."""
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
    if checker is None or checker.id == actor.operator_id or not can(Role(checker.role), checker_may):
        raise refused(_("Approval {id} was not given by a supervisor who may approve it.").format(id=row.id))
    return checker


def card_holder(s: Session, row: Approval) -> tuple[Card, Person] | None:
    """The card a request is bound to and its holder (None when it is bound to something else)."""
    if row.entity != CARD_ENTITY or row.entity_id is None:
        return None
    card = s.get(Card, row.entity_id)
    person = s.get(Person, card.person_id) if card is not None else None
    return (card, person) if card is not None and person is not None else None


def holder_line(person: Person) -> str:
    """The holder as a supervisor reads them: the name and the masked citizen number."""
    return f"{person.name} {mask_citizen_id(person.citizen_number)}"
