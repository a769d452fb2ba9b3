"""The audit viewer's use case: the outlet's audit trail, filtered by day, operator, action, card or citizen
number, newest first, one page at a time (keyed by the sequence number, each filter on an index: the day on
(outlet, time), the action on (outlet, action, time), the operator on (outlet, operator, time), a card or a
citizen on the holder's person id; the citizen number is looked up by its blind index, never read in clear).
Each event comes with its before/after values in words, its seal status (verified with its neighbours) and
the receipt it sealed. A search by citizen or card is an audited read of personal data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from outlet_desk.db.engine import read_snapshot
from outlet_desk.db.tables import AuditEvent, Operator
from outlet_desk.domain.audit_actions import AuditAction, SealStatus
from outlet_desk.domain.card_numbers import validate_card_number
from outlet_desk.domain.citizen_id import parse_citizen_id
from outlet_desk.domain.roles import Action, require
from outlet_desk.i18n import _
from outlet_desk.services.audit.event_words import Change, changes
from outlet_desk.services.audit.trail_seals import Seal, seals_of
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.personal_reads import ReadKind, record_personal_read
from outlet_desk.services.queries import card_by_number, person_by_citizen_number
from outlet_desk.services.receipt_seal import RECEIPT_DETAIL, detail, sealed_record
from outlet_desk.services.receipts import KIND_LABELS, verification_code
from outlet_desk.services.report import check_report_day

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class TrailFilter:
    """What to show; empty fields do not filter. Days are the outlet's local days, both included."""

    first_day: date | None = None
    last_day: date | None = None
    operator: str = ""
    """A user name."""
    action: AuditAction | None = None
    card_number: str = ""
    citizen_number: str = ""

    @property
    def names_a_person(self) -> bool:
        """A citizen or card filter: the search itself is a read of personal data."""
        return bool(self.citizen_number.strip() or self.card_number.strip())


@dataclass(frozen=True)
class TrailReceipt:
    """The receipt an event sealed: its verification code and what it states."""

    code: str
    title: str
    card_number: str
    fee_fen: int


@dataclass(frozen=True)
class TrailEvent:
    seq: int
    at: datetime
    operator: str
    """The operator's user name ("" for the system)."""
    action: str
    """The action's code (its words: ``AuditAction.label_of``)."""
    entity: str
    entity_id: str
    changes: tuple[Change, ...]
    before: str
    """The before values as sealed (JSON, personal data masked)."""
    after: str
    seal: Seal
    receipt: TrailReceipt | None

    @property
    def action_words(self) -> str:
        return AuditAction.label_of(self.action)


@dataclass(frozen=True)
class TrailPage:
    events: tuple[TrailEvent, ...]
    older: int | None
    """Pass as ``before_seq`` for the next (older) page; None when this is the last one."""

    @property
    def intact(self) -> bool:
        return all(e.seal.status is SealStatus.INTACT for e in self.events)


@dataclass(frozen=True)
class _Where:
    """A filter resolved to ids; ``nobody`` when the person, card or operator named has no events at all."""

    clauses: tuple[object, ...]
    nobody: bool = False


def _day_start(desk: Desk, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=desk.tz).astimezone(UTC)


def _resolve(conn: Connection, desk: Desk, wanted: TrailFilter) -> _Where:
    s = Session(bind=conn)
    ev = AuditEvent
    clauses: list[object] = [col(ev.outlet_code) == desk.outlet_code]
    for day in (wanted.first_day, wanted.last_day):
        if day is not None:
            check_report_day(day)  # the days a store can hold, on both databases
    if wanted.first_day and wanted.last_day and wanted.first_day > wanted.last_day:
        raise ServiceError(_("The first day {first} is after the last day {last}.").format(
            first=wanted.first_day.isoformat(), last=wanted.last_day.isoformat()))
    if wanted.first_day is not None:
        clauses.append(col(ev.at) >= _day_start(desk, wanted.first_day))
    if wanted.last_day is not None:
        clauses.append(col(ev.at) < _day_start(desk, wanted.last_day + timedelta(days=1)))
    if wanted.action is not None:
        clauses.append(col(ev.action) == wanted.action.value)
    if name := wanted.operator.strip():
        operator_id = s.exec(select(col(Operator.id)).where(col(Operator.username) == name)).first()
        if operator_id is None:
            raise NotFound(_("No operator is called {name}.").format(name=name))
        clauses.append(col(ev.operator_id) == operator_id)
    if wanted.citizen_number.strip():
        number = parse_citizen_id(wanted.citizen_number, desk.local_now().date()).number
        person = person_by_citizen_number(s, number)
        if person is None:
            return _Where(tuple(clauses), nobody=True)
        clauses.append(col(ev.person_id) == person.id)
    if wanted.card_number.strip():
        card = card_by_number(s, validate_card_number(wanted.card_number))
        if card is None:
            return _Where(tuple(clauses), nobody=True)
        mentions = f'%"{card.card_number}"%'
        clauses.append(col(ev.person_id) == card.person_id)
        clauses.append(or_((col(ev.entity) == "card") & (col(ev.entity_id) == str(card.id)),
                           col(ev.before).like(mentions), col(ev.after).like(mentions)))
    return _Where(tuple(clauses))


def _receipt(desk: Desk, event: AuditEvent) -> TrailReceipt | None:
    if RECEIPT_DETAIL not in detail(event.after):
        return None
    record = sealed_record(event)
    title = _(KIND_LABELS[record.kind]) if record.kind in KIND_LABELS else AuditAction.label_of(record.kind)
    return TrailReceipt(verification_code(desk.audit_key, event.mac), title, record.card_number, record.fee_fen)


def _read(conn: Connection, desk: Desk, where: _Where, before_seq: int | None, size: int) -> TrailPage:
    if where.nobody:
        return TrailPage((), None)
    s = Session(bind=conn)
    query = select(AuditEvent).where(*where.clauses)  # type: ignore[arg-type]
    if before_seq is not None:
        query = query.where(col(AuditEvent.seq) < before_seq)
    rows = list(s.exec(query.order_by(col(AuditEvent.seq).desc()).limit(size + 1)).all())
    more = len(rows) > size
    rows = rows[:size]
    ids = {row.operator_id for row in rows if row.operator_id is not None}
    names = dict(s.exec(select(col(Operator.id), col(Operator.username)).where(col(Operator.id).in_(ids))).all()
                 ) if ids else {}
    seals = seals_of(conn, desk.audit_key, desk.outlet_code, [row.seq for row in rows])
    events = tuple(
        TrailEvent(seq=row.seq, at=row.at, operator=names.get(row.operator_id or 0, ""), action=row.action,
                   entity=row.entity, entity_id=row.entity_id, changes=changes(row.before, row.after),
                   before=row.before, after=row.after, seal=seals[row.seq], receipt=_receipt(desk, row))
        for row in rows)
    return TrailPage(events, rows[-1].seq if more and rows else None)


def trail_page(desk: Desk, actor: Actor, wanted: TrailFilter, *, before_seq: int | None = None,
               size: int = PAGE_SIZE) -> TrailPage:
    """One page of the outlet's trail, newest first, older than ``before_seq`` when given. The first page of a
    search by citizen or card is recorded as a read of personal data (its kind and how many were found)."""
    require(actor.role, Action.VIEW_AUDIT)
    size = max(1, min(size, MAX_PAGE_SIZE))
    with read_snapshot(desk.engine) as conn:
        page = _read(conn, desk, _resolve(conn, desk, wanted), before_seq, size)
    if wanted.names_a_person and before_seq is None:
        record_personal_read(desk, actor, ReadKind.AUDIT_TRAIL, len(page.events))
    return page


def all_events(desk: Desk, actor: Actor, wanted: TrailFilter, *, batch: int = 500) -> Iterator[TrailEvent]:
    """Every event the filter selects, newest first, read page by page (for an export)."""
    before: int | None = None
    while True:
        page = trail_page(desk, actor, wanted, before_seq=before, size=batch)
        yield from page.events
        if page.older is None:
            return
        before = page.older
