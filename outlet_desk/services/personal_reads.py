"""Reads of personal data, audited: a search of card holders or a receipt looked up on the command line,
and a full citizen number shown on screen (with the operator's reason). Each writes one audit event by
the signed-in operator that names what kind of read it was, never the personal data itself."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import col, select

from outlet_desk.db.tables import Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.uow import UnitOfWork


class ReadKind(StrEnum):
    """What was read: the kind of query (a search's kind, from ``domain.search_query``) or the command."""

    CITIZEN_NUMBER = "citizen_number"
    CARD_NUMBER = "card_number"
    NAME = "name"
    RECEIPT = "receipt"
    CARD_EMULATION = "card_emulation"
    """``outlet-desk card emulate``: a person's record written to a virtual card."""
    AUDIT_TRAIL = "audit_trail"
    CHIP_READ = "chip_read"
    """``outlet-desk reader watch`` by a signed-in operator: a card's chip data printed in full."""
    REQUEST_STATUS = "request_status"
    """Where a holder's new card is: ``outlet-desk request status``, or a caller's question on the hotline."""


def record_personal_read(desk: Desk, actor: Actor, kind: ReadKind, found: int) -> None:
    """Audit one read of personal data: its kind and how many records it returned (not the query)."""
    with UnitOfWork(desk, actor) as uow:
        uow.audit(AuditAction.PERSONAL_DATA_READ, "person", None, after={"kind": kind.value, "found": found})
        uow.commit()


def show_citizen_number(desk: Desk, actor: Actor, person_id: int, reason: str) -> str:
    """The person's full citizen number, for the screen, given the operator's reason (kept in the audit
    event); without a reason it stays masked (refused)."""
    reason = clean_text(reason, _("The reason"), REASON_MAX, multi_line=False)
    if not reason:
        raise ServiceError(_("Give the reason for showing the full citizen number."))
    with UnitOfWork(desk, actor, Action.OPEN_PERSON) as uow:
        number = uow.session.execute(
            select(col(Person.citizen_number)).where(col(Person.id) == person_id)).scalar_one_or_none()
        if number is None:
            raise NotFound(_("No person with this record number."))
        uow.audit(AuditAction.CITIZEN_NUMBER_SHOWN, "person", person_id, person_id=person_id, after={"reason": reason})
        uow.commit()
        return str(number)
