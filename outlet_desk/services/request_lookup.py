"""Where a citizen's new card is: their reissue requests with their stages, read for the person screen, asked
for by a caller on the hotline (identified as for a loss report), or on the command line by citizen number.
The hotline's and the command line's reads are audited as reads of personal data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from outlet_desk.db.tables import Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.citizen_id import mask_citizen_id, parse_citizen_id
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.loss import identify_caller
from outlet_desk.services.personal_reads import ReadKind
from outlet_desk.services.queries import person_by_citizen_number
from outlet_desk.services.request_stages import RequestTimeline, timelines
from outlet_desk.services.uow import UnitOfWork


@dataclass(frozen=True)
class PersonRequests:
    person_id: int
    name: str
    masked_number: str
    requests: tuple[RequestTimeline, ...]
    """Newest first."""


def person_timelines(desk: Desk, person_id: int) -> tuple[RequestTimeline, ...]:
    """The person's requests with their stages, newest first (for the open record: its opening is audited)."""
    with Session(desk.engine) as s:
        return tuple(timelines(s, person_id))


def request_status(desk: Desk, actor: Actor, citizen_number: str) -> PersonRequests:
    """The requests of the holder with this citizen number (a mistyped number is refused; nobody on record:
    :class:`NotFound`), the read audited by its kind and how many it found."""
    number = parse_citizen_id(citizen_number, desk.local_now().date()).number
    with UnitOfWork(desk, actor, Action.OPEN_PERSON) as uow:
        person = person_by_citizen_number(uow.session, number)
        found = _requests_of(uow.session, person) if person is not None else None
        _audit(uow, found)
        uow.commit()
    if found is None:
        raise NotFound(_("No card holder with this citizen number is on record."))
    return found


def caller_request_status(desk: Desk, actor: Actor, citizen_number: str, name: str, fact: str) -> PersonRequests:
    """The requests of the caller on the hotline, identified as for a loss report by telephone (else
    ``CallerNotIdentified``, nothing read)."""
    number = parse_citizen_id(citizen_number, desk.local_now().date()).number
    with UnitOfWork(desk, actor, Action.OPEN_PERSON) as uow:
        found = _requests_of(uow.session, identify_caller(uow.session, number, name, fact))
        _audit(uow, found)
        uow.commit()
        return found


def _requests_of(s: Session, person: Person) -> PersonRequests:
    assert person.id is not None
    return PersonRequests(person.id, person.name, mask_citizen_id(person.citizen_number),
                          tuple(timelines(s, person.id)))


def _audit(uow: UnitOfWork, found: PersonRequests | None) -> None:
    uow.audit(AuditAction.PERSONAL_DATA_READ, "person", found.person_id if found else None,
              person_id=found.person_id if found else None,
              after={"kind": ReadKind.REQUEST_STATUS.value, "found": len(found.requests) if found else 0})
