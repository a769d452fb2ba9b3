"""The identity check at the counter: who stands there, which document, and does it fit the record.

Every loss report, withdrawal, reissue and collection starts with one. :func:`record_identity_check`
checks, in this order: the document type is accepted here, a proxy is allowed for this task (and
brought a relationship and the holder's written authorisation), the holder's document (check digit,
number and name against the record, expiry), the proxy's own document, and that the clerk compared
the face. The check is stored (passed or refused) with one audit event; a refusal then raises the
typed error of the first failed rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from outlet_desk.db.tables import IdentityCheck, Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.citizen_id import InvalidCitizenId, normalise_citizen_id, parse_citizen_id
from outlet_desk.domain.identity_documents import CITIZEN_NUMBER_DOCUMENTS, DocumentType
from outlet_desk.domain.names import names_match
from outlet_desk.domain.roles import COUNTER_TASKS, Action
from outlet_desk.domain.text import AUTHORISATION_REF_MAX, DOCUMENT_FIELD_MAX, PERSON_NAME_MAX, clean_text
from outlet_desk.domain.visit import Presenter, task_refusal
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.masking import mask_number
from outlet_desk.services.uow import UnitOfWork

#: The task an identity check is for (its flow): one of the counter tasks (domain.roles.COUNTER_TASKS).
Flow = Action


class IdentityRule(StrEnum):
    """The rule of the identity check that refused it (the audit event's ``refused``), in the order checked."""

    DOCUMENT_NOT_ACCEPTED = "document_not_accepted"
    PROXY_NOT_ALLOWED = "proxy_not_allowed"
    PROXY_DETAILS_MISSING = "proxy_details_missing"
    CHECK_DIGIT_WRONG = "check_digit_wrong"
    DOCUMENT_NUMBER_MISMATCH = "document_number_mismatch"
    NAME_MISMATCH = "name_mismatch"
    DOCUMENT_EXPIRED = "document_expired"
    FACE_NOT_CONFIRMED = "face_not_confirmed"


class IdentityRefused(ServiceError):
    """The identity check failed: ``rule`` says which rule, the message what to do."""

    code = "identity_refused"

    def __init__(self, rule: IdentityRule, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.code = rule.value


@dataclass(frozen=True)
class Document:
    """An identity document as the clerk read it; ``expiry`` None = valid long-term (长期)."""

    type: str
    number: str
    name: str
    expiry: date | None


@dataclass(frozen=True)
class ProxyDetails:
    document: Document
    relationship: str
    authorisation_ref: str


@dataclass(frozen=True)
class IdentityCheckResult:
    """A passed identity check, handed to the flow that asked for it."""

    check_id: int
    person_id: int
    flow: str
    presenter: Presenter
    document_type: str
    masked_document_number: str
    proxy_name: str
    proxy_relationship: str
    proxy_authorisation_ref: str
    checked_at: datetime
    operator_id: int


@dataclass
class _Outcome:
    check_digit_ok: bool = True
    name_match_ok: bool = True
    document_valid_ok: bool = True
    refusal: IdentityRefused | None = None

    def refuse(self, rule: IdentityRule, message: str) -> None:
        """Refused by ``rule``; the first rule that refuses is the one the clerk is told."""
        if self.refusal is None:
            self.refusal = IdentityRefused(rule, message)


def _number_problem(document: Document, today: date) -> str | None:
    if document.type not in CITIZEN_NUMBER_DOCUMENTS:
        return None if document.number.strip() else _("The document number is empty.")
    try:
        parse_citizen_id(document.number, today)
    except InvalidCitizenId as error:
        return error.message
    return None


def _check_document(out: _Outcome, document: Document, accepted: tuple[str, ...], today: date,
                    whose: str) -> None:
    if document.type not in accepted:
        out.document_valid_ok = False
        out.refuse(IdentityRule.DOCUMENT_NOT_ACCEPTED,
            _("{whose}: a {document} is not accepted at this outlet.").format(
                whose=whose, document=DocumentType.label_of(document.type)))
    problem = _number_problem(document, today)
    if problem is not None:
        out.check_digit_ok = False
        out.refuse(IdentityRule.CHECK_DIGIT_WRONG, _("{whose}: {problem}").format(whose=whose, problem=problem))
    if document.expiry is not None and document.expiry < today:
        out.document_valid_ok = False
        out.refuse(IdentityRule.DOCUMENT_EXPIRED,
            _("{whose}: the document expired on {expiry}; ask for a valid document.").format(
                whose=whose, expiry=document.expiry.isoformat()))


def _evaluate(desk: Desk, person: Person, flow: str, presenter: Presenter, document: Document,
              proxy: ProxyDetails | None, face_confirmed: bool) -> _Outcome:
    today = desk.local_now().date()
    accepted = desk.settings.identity.document_types
    out = _Outcome()
    if presenter == Presenter.PROXY:
        not_allowed = task_refusal(presenter, flow, desk.settings.collection.proxy_allowed)
        if not_allowed is not None:
            out.refuse(IdentityRule.PROXY_NOT_ALLOWED, not_allowed.message)
        if proxy is None or not proxy.relationship.strip() or not proxy.authorisation_ref.strip():
            out.refuse(IdentityRule.PROXY_DETAILS_MISSING,
                _("For a proxy, enter the proxy's document, the relationship to the holder and the "
                  "reference of the holder's signed authorisation."))
    holder = _("Holder's document")
    _check_document(out, document, accepted, today, holder)
    if document.type in CITIZEN_NUMBER_DOCUMENTS and out.check_digit_ok and (
        normalise_citizen_id(document.number) != person.citizen_number
    ):
        out.refuse(IdentityRule.DOCUMENT_NUMBER_MISMATCH,
            _("Holder's document: the number is not the citizen number on record for this person."))
    if not names_match(document.name, person.name):
        out.name_match_ok = False
        out.refuse(IdentityRule.NAME_MISMATCH,
            _("Holder's document: the name {name} does not match the name on record.").format(
                name=document.name.strip() or "-"))
    if presenter == Presenter.PROXY and proxy is not None:
        whose = _("Proxy's document")
        _check_document(out, proxy.document, accepted, today, whose)
        if not proxy.document.name.strip():
            out.refuse(IdentityRule.PROXY_DETAILS_MISSING, _("Proxy's document: the name is empty."))
        if normalise_citizen_id(proxy.document.number) == person.citizen_number:
            out.refuse(IdentityRule.PROXY_DETAILS_MISSING,
                _("Proxy's document: this is the holder's own number; a proxy shows their own document."))
    if not face_confirmed:
        out.refuse(IdentityRule.FACE_NOT_CONFIRMED,
            _("Compare the face with the document photo and confirm it before the check can pass."))
    return out


def _stored_number(document: Document) -> str:
    """A citizen number as on record (upper-case X, no spaces); any other document's number as typed."""
    if document.type in CITIZEN_NUMBER_DOCUMENTS:
        return normalise_citizen_id(document.number)
    return document.number.strip()


def _refuse_unclean_text(document: Document, proxy: ProxyDetails | None) -> None:
    """Every typed field of the check obeys :func:`clean_text` (no control characters, the column's size)."""
    clean_text(document.number, _("Holder's document number"), DOCUMENT_FIELD_MAX)
    clean_text(document.name, _("Holder's name on the document"), PERSON_NAME_MAX)
    if proxy is not None:
        clean_text(proxy.document.number, _("Proxy's document number"), DOCUMENT_FIELD_MAX)
        clean_text(proxy.document.name, _("Proxy's name on the document"), PERSON_NAME_MAX)
        clean_text(proxy.relationship, _("Relationship to the holder"), DOCUMENT_FIELD_MAX)
        clean_text(proxy.authorisation_ref, _("Authorisation reference"), AUTHORISATION_REF_MAX)


_CHECK_INSERT = IdentityCheck.__table__.insert()  # type: ignore[attr-defined]


def record_identity_check(
    desk: Desk,
    actor: Actor,
    person_id: int,
    flow: str,
    *,
    presenter: Presenter,
    document: Document,
    face_confirmed: bool,
    proxy: ProxyDetails | None = None,
) -> IdentityCheckResult:
    """Check and store who stands at the counter for ``flow``; raise the first refusal (stored too)."""
    if flow not in COUNTER_TASKS:
        raise ValueError(f"unknown flow {flow!r}")
    _refuse_unclean_text(document, proxy if presenter == Presenter.PROXY else None)
    with UnitOfWork(desk, actor, Action(flow)) as uow:
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound(_("No person with this record number."))
        out = _evaluate(desk, person, flow, presenter, document, proxy, face_confirmed)
        number = _stored_number(document)
        by_proxy = proxy if presenter == Presenter.PROXY else None
        # Written in Core (one INSERT, the blind indexes filled by their column defaults): no ORM object built
        # and flushed for a row this use case only writes.
        passed = out.refusal is None
        row: dict[str, Any] = {
            "outlet_code": desk.outlet_code, "person_id": person_id, "flow": flow, "presenter": presenter,
            "document_type": document.type, "document_number": number[:40],
            "document_name": document.name.strip()[:60], "document_expiry": document.expiry,
            "proxy_name": by_proxy.document.name.strip()[:60] if by_proxy else "",
            "proxy_document_type": by_proxy.document.type[:40] if by_proxy else "",
            "proxy_document_number": _stored_number(by_proxy.document)[:40] if by_proxy else "",
            "proxy_document_expiry": by_proxy.document.expiry if by_proxy else None,
            "proxy_relationship": by_proxy.relationship.strip()[:40] if by_proxy else "",
            "proxy_authorisation_ref": by_proxy.authorisation_ref.strip()[:60] if by_proxy else "",
            "check_digit_ok": out.check_digit_ok, "name_match_ok": out.name_match_ok,
            "document_valid_ok": out.document_valid_ok, "face_confirmed": face_confirmed,
            "passed": passed, "operator_id": actor.operator_id, "checked_at": desk.now(),
        }
        inserted = uow.session.connection().execute(_CHECK_INSERT, row).inserted_primary_key
        assert inserted is not None
        check_id = int(inserted[0])
        after: dict[str, object] = {
            "flow": flow, "presenter": presenter, "document_type": document.type, "document_number": number,
            "passed": passed,
        }
        if out.refusal is not None:
            after["refused"] = out.refusal.code
        if by_proxy is not None:
            after.update(proxy_name=row["proxy_name"], proxy_document_number=row["proxy_document_number"],
                         proxy_document_type=row["proxy_document_type"], relationship=row["proxy_relationship"],
                         authorisation_ref=row["proxy_authorisation_ref"])
        action = AuditAction.IDENTITY_CHECKED if passed else AuditAction.IDENTITY_CHECK_REFUSED
        uow.audit(action, "identity_check", check_id, person_id=person_id, after=after)
        uow.commit()
    if out.refusal is not None:
        raise out.refusal
    return IdentityCheckResult(
        check_id=check_id, person_id=person_id, flow=flow, presenter=presenter, document_type=document.type,
        masked_document_number=mask_number(number),
        proxy_name=row["proxy_name"],
        proxy_relationship=row["proxy_relationship"], proxy_authorisation_ref=row["proxy_authorisation_ref"],
        checked_at=row["checked_at"], operator_id=actor.operator_id,
    )
