"""Finding and opening persons (card holders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import ColumnElement, and_, select
from sqlmodel import Session, col

from outlet_desk.db.tables import AuditEvent, Card, LossReport, Person, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardStatus, allowed_events, functions_suspended
from outlet_desk.domain.card_numbers import looks_like_card_number, validate_card_number
from outlet_desk.domain.citizen_id import (
    looks_like_citizen_id,
    mask_citizen_id,
    parse_citizen_id,
)
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.uow import UnitOfWork

SEARCH_LIMIT = 50
TERMINAL = (CardStatus.REPLACED.value, CardStatus.RETURNED.value, CardStatus.SPOILED.value)


class QueryKind(StrEnum):
    CITIZEN_NUMBER = "citizen_number"
    CARD_NUMBER = "card_number"
    NAME = "name"


@dataclass(frozen=True)
class PersonSummary:
    id: int
    masked_number: str
    name: str
    gender: str
    birth_date: date
    card_number: str | None
    card_status: CardStatus | None


def classify_query(query: str) -> QueryKind:
    q = query.strip()
    if looks_like_citizen_id(q):
        return QueryKind.CITIZEN_NUMBER
    if looks_like_card_number(q):
        return QueryKind.CARD_NUMBER
    return QueryKind.NAME


def _name_prefix(session: Session, prefix: str) -> ColumnElement[bool]:
    name = _name_key(session)
    # In code-point order, [prefix, prefix + U+10FFFF) is exactly "starts with prefix".
    return and_(name >= prefix, name < prefix + "\U0010ffff")


def _name_key(session: Session) -> ColumnElement[str]:
    """The name in code-point order: SQLite's BINARY collation, PostgreSQL's "C" (indexed so)."""
    name = col(Person.name)
    if session.get_bind().dialect.name == "postgresql":
        return name.collate("C")
    return cast(ColumnElement[str], name)


def find_persons(desk: Desk, query: str, limit: int = SEARCH_LIMIT) -> list[PersonSummary]:
    """Search by citizen number (validated: InvalidCitizenId), card number, or name prefix."""
    q = query.strip()
    if not q:
        return []
    kind = classify_query(q)
    with Session(desk.engine) as s:
        if kind is QueryKind.CITIZEN_NUMBER:
            number = parse_citizen_id(q).number
            persons = list(s.execute(select(Person).where(col(Person.citizen_number) == number)).scalars())
        elif kind is QueryKind.CARD_NUMBER:
            card_number = validate_card_number(q)
            persons = list(
                s.execute(
                    select(Person)
                    .join(Card, col(Card.person_id) == col(Person.id))
                    .where(col(Card.card_number) == card_number)
                ).scalars()
            )
        else:
            persons = list(
                s.execute(
                    select(Person).where(_name_prefix(s, q)).order_by(_name_key(s), col(Person.id)).limit(limit)
                ).scalars()
            )
        cards = _current_cards(s, [p.id for p in persons if p.id is not None])
        out = []
        for p in persons:
            assert p.id is not None
            card = cards.get(p.id)
            out.append(
                PersonSummary(
                    p.id, mask_citizen_id(p.citizen_number), p.name, p.gender, p.birth_date,
                    card.card_number if card else None, CardStatus(card.status) if card else None,
                )
            )
        return out


def _current_cards(session: Session, person_ids: list[int]) -> dict[int, Card]:
    """Each person's current card: the newest one that is not replaced, returned or spoiled."""
    if not person_ids:
        return {}
    rows = session.execute(
        select(Card)
        .where(col(Card.person_id).in_(person_ids), col(Card.status).not_in(TERMINAL))
        .order_by(col(Card.id))
    ).scalars()
    current: dict[int, Card] = {}
    for card in rows:
        current[card.person_id] = card
    return current


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
        uow.audit("person_opened", "person", person_id, person_id=person_id)
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
            cards=tuple(_card_line(c) for c in cards),
            losses=tuple(
                LossLine(lr.id or 0, card_numbers[lr.card_id], lr.channel, lr.kind, lr.reported_at,
                         lr.lapses_at, lr.withdrawn_at, lr.lapsed_at)
                for lr in losses
            ),
            requests=tuple(
                RequestLine(r.id or 0, r.reason, r.status, r.fee_fen, r.waived, r.due_date, r.created_at)
                for r in requests
            ),
            audit=tuple(AuditLine(e.seq, e.at, e.action) for e in trail),
        )


def _card_line(card: Card) -> CardLine:
    status = CardStatus(card.status)
    assert card.id is not None
    return CardLine(
        card.id, card.card_number, card.identification_code, status, card.issue_date, card.expiry_date,
        card.version, functions_suspended(status), tuple(sorted(e.value for e in allowed_events(status))),
    )
