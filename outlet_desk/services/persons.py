"""Finding and opening persons (card holders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import Session, col

from outlet_desk.db.engine import read_connection
from outlet_desk.db.tables import AuditEvent, Card, CardTransfer, LossReport, Person, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_functions import FunctionUse, functions_of, generation_of
from outlet_desk.domain.card_lifecycle import CardStatus, allowed_events, functions_suspended, is_terminal
from outlet_desk.domain.card_numbers import validate_card_number
from outlet_desk.domain.citizen_id import mask_citizen_id, parse_citizen_id
from outlet_desk.domain.roles import Action
from outlet_desk.domain.search_query import QueryKind, classify_query
from outlet_desk.domain.text import PERSON_NAME_MAX, clean_text
from outlet_desk.domain.transfers import TransferStatus
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.uow import UnitOfWork

SEARCH_LIMIT = 50
TERMINAL = tuple(status.value for status in CardStatus if is_terminal(status))
"""Cards that are over (replaced, returned, spoiled, cancelled): never a person's current card."""


@dataclass(frozen=True)
class PersonSummary:
    id: int
    masked_number: str
    name: str
    gender: str
    card_number: str | None
    card_status: CardStatus | None


def _current_card_id() -> ScalarSelect[Any]:
    """The person's current card: the newest one that is not over (:data:`TERMINAL`)."""
    card = Card.__table__.alias("cc")  # type: ignore[attr-defined]
    person = Person.__table__  # type: ignore[attr-defined]
    return (
        select(func.max(card.c.id))
        .where(card.c.person_id == person.c.id, *(card.c.status != status for status in TERMINAL))
        .scalar_subquery()
    )


@lru_cache(maxsize=8)
def _search_statements(dialect: str) -> dict[QueryKind, Select[Any]]:
    """The three searches, built once per dialect (one round trip each, rows as tuples)."""
    person = Person.__table__  # type: ignore[attr-defined]
    card = Card.__table__  # type: ignore[attr-defined]
    columns = (person.c.id, person.c.citizen_number, person.c.name, person.c.gender, card.c.card_number, card.c.status)
    base = select(*columns).select_from(person.outerjoin(card, card.c.id == _current_card_id()))
    # Name order is code-point order: SQLite's BINARY collation, PostgreSQL's "C" (its index is built so).
    name = person.c.name.collate("C") if dialect == "postgresql" else person.c.name
    by_card = card.alias("by_card")
    return {
        # The citizen number is sealed: its blind index (the column's type turns the number into it) is the key.
        QueryKind.CITIZEN_NUMBER: base.where(person.c.citizen_index == bindparam("key")),
        QueryKind.CARD_NUMBER: base.where(
            person.c.id == select(by_card.c.person_id).where(by_card.c.card_number == bindparam("key"))
            .scalar_subquery()
        ),
        QueryKind.NAME: base.where(name >= bindparam("key"), name < bindparam("upper"))
        .order_by(name, person.c.id)
        .limit(bindparam("limit")),
    }


def search_terms(query: str, limit: int = SEARCH_LIMIT) -> tuple[QueryKind, dict[str, Any]] | None:
    """What ``query`` is (:func:`classify_query`'s rule) and the values it is looked up by, checked by its
    rules (InvalidCitizenId, InvalidCardNumber, InvalidText); ``None`` for an empty query. Reads nothing, so a
    mistyped query is refused before anyone signs in."""
    q = clean_text(query, _("The search"), PERSON_NAME_MAX)
    if not q:
        return None
    kind = classify_query(q)
    if kind is QueryKind.CITIZEN_NUMBER:
        return kind, {"key": parse_citizen_id(q).number}
    if kind is QueryKind.CARD_NUMBER:
        return kind, {"key": validate_card_number(q)}
    # In code-point order, [prefix, prefix + U+10FFFF) is exactly "starts with prefix".
    return kind, {"key": q, "upper": q + "\U0010ffff", "limit": limit}


def find_persons(desk: Desk, query: str, limit: int = SEARCH_LIMIT) -> list[PersonSummary]:
    """Search by citizen number (validated: InvalidCitizenId), card number (validated: InvalidCardNumber), or
    name prefix; which of them ``query`` is, is :func:`classify_query`'s rule."""
    terms = search_terms(query, limit)
    if terms is None:
        return []
    kind, params = terms
    statement = _search_statements(desk.engine.dialect.name)[kind]
    with read_connection(desk.engine) as conn:
        rows = conn.execute(statement, params).all()
    return [
        PersonSummary(pid, mask_citizen_id(number), name, gender, card_number, CardStatus(status) if status else None)
        for pid, number, name, gender, card_number, status in rows
    ]


@dataclass(frozen=True)
class CardLine:
    id: int
    card_number: str
    identification_code: str | None
    status: CardStatus
    issue_date: date | None
    expiry_date: date | None
    version: int
    functions_suspended: bool
    actions: tuple[str, ...]
    generation: int = 3
    """The card's generation (``domain.card_functions.generation_of``: its issue date and the region's settings)."""
    functions: tuple[FunctionUse, ...] = ()
    """Each of the seven functions: carried by this card or not, usable now or suspended and why."""
    held_elsewhere: str = ""
    """A card ready for collection held at another outlet than this desk's (it is collected there): that outlet."""
    on_its_way_to: str = ""
    """A card ready for collection sent to another outlet and not scanned in there yet: that outlet."""


@dataclass(frozen=True)
class LossLine:
    id: int
    card_number: str
    channel: str
    kind: str
    reported_at: datetime
    lapses_at: datetime | None
    withdrawn_at: datetime | None
    lapsed_at: datetime | None


@dataclass(frozen=True)
class RequestLine:
    id: int
    reason: str
    status: str
    fee_fen: int
    waived: bool
    due_date: date | None
    created_at: datetime
    old_card_id: int | None = None
    """The card the new one replaces."""


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    action: str


@dataclass(frozen=True)
class PersonDetail:
    id: int
    citizen_number: str
    name: str
    gender: str
    birth_date: date
    birth_place: str
    ethnicity: str
    phone: str
    address: str
    cards: tuple[CardLine, ...]
    losses: tuple[LossLine, ...]
    requests: tuple[RequestLine, ...]
    audit: tuple[AuditLine, ...]


def open_person(desk: Desk, actor: Actor, person_id: int) -> PersonDetail:
    """Everything about one person; opening is a read access and is audited."""
    with UnitOfWork(desk, actor, Action.OPEN_PERSON) as uow:
        s = uow.session
        person = s.get(Person, person_id)
        if person is None:
            raise NotFound(_("No person with this record number."))
        cards = list(s.execute(select(Card).where(col(Card.person_id) == person_id).order_by(col(Card.id))).scalars())
        card_numbers = {c.id: c.card_number for c in cards}
        losses = list(
            s.execute(
                select(LossReport).where(col(LossReport.card_id).in_(list(card_numbers)))
                .order_by(col(LossReport.reported_at))
            ).scalars()
        ) if card_numbers else []
        requests = list(
            s.execute(
                select(ReissueRequest)
                .where(col(ReissueRequest.person_id) == person_id)
                .order_by(col(ReissueRequest.id))
            ).scalars()
        )
        trail = list(
            s.execute(
                select(AuditEvent).where(col(AuditEvent.person_id) == person_id)
                .order_by(col(AuditEvent.seq).desc()).limit(100)
            ).scalars()
        )
        sent_to = on_their_way(s, [c.id for c in cards if c.id is not None and c.status == CardStatus.READY])
        uow.audit(AuditAction.PERSON_OPENED, "person", person_id, person_id=person_id)
        uow.commit()
        try:
            place = parse_citizen_id(person.citizen_number).birth_place()
        except Exception:  # a record made before validation was strict still opens
            place = ""
        assert person.id is not None
        return PersonDetail(
            id=person.id,
            citizen_number=person.citizen_number,
            name=person.name,
            gender=person.gender,
            birth_date=person.birth_date,
            birth_place=place,
            ethnicity=person.ethnicity,
            phone=person.phone,
            address=person.address,
            cards=tuple(card_line(c, desk, sent_to.get(c.id or 0, "")) for c in cards),
            losses=tuple(
                LossLine(lr.id or 0, card_numbers[lr.card_id], lr.channel, lr.kind, lr.reported_at,
                         lr.lapses_at, lr.withdrawn_at, lr.lapsed_at)
                for lr in losses
            ),
            requests=tuple(
                RequestLine(r.id or 0, r.reason, r.status, r.fee_fen, r.waived, r.due_date, r.created_at,
                            r.old_card_id)
                for r in requests
            ),
            audit=tuple(AuditLine(e.seq, e.at, e.action) for e in trail),
        )


def on_their_way(s: Session, card_ids: list[int]) -> dict[int, str]:
    """The outlet each of these cards is on its way to (sent, not scanned in there yet), by card id."""
    if not card_ids:
        return {}
    return {card_id: to for card_id, to in s.execute(
        select(col(CardTransfer.card_id), col(CardTransfer.to_outlet)).where(
            col(CardTransfer.card_id).in_(card_ids), col(CardTransfer.status) == TransferStatus.SENT)).all()}


def card_line(card: Card, desk: Desk, on_its_way_to: str = "") -> CardLine:
    status = CardStatus(card.status)
    assert card.id is not None
    today = desk.local_now().date()
    regional = desk.settings.functions
    generation = generation_of(card.issue_date, regional.generation_from(), today)
    return CardLine(
        card.id, card.card_number, card.identification_code, status, card.issue_date, card.expiry_date,
        card.version, functions_suspended(status), tuple(sorted(e.value for e in allowed_events(status))),
        generation, functions_of(regional.carried_by(generation), status, card.expiry_date, today),
        card.outlet_code if status is CardStatus.READY and card.outlet_code != desk.outlet_code else "",
        on_its_way_to,
    )
