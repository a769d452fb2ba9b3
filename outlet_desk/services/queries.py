"""The queries more than one use case asks, each written once: a card's reissue request, a card's open loss
report, the reissue requests ready for collection, a card by its number, a person's newest card, a person by
citizen number (through its blind index: the number itself is sealed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, exists
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from outlet_desk.db.tables import Card, CardTransfer, LossReport, Person, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.loss import LossKind
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.transfers import TransferStatus


def open_request_for_card(session: Session, card_id: int) -> ReissueRequest | None:
    """A reissue request (not cancelled) that replaces this card, if one was applied for."""
    return session.exec(select(ReissueRequest).where(
        col(ReissueRequest.old_card_id) == card_id, col(ReissueRequest.status) != RequestStatus.CANCELLED,
    )).first()


def report_is_open(*, temporary: bool = False) -> list[Any]:
    """The conditions of a loss report still in force (neither withdrawn nor lapsed); with ``temporary``, of
    a report made by the hotline (its ``kind``)."""
    open_ = [col(LossReport.withdrawn_at).is_(None), col(LossReport.lapsed_at).is_(None)]
    return [col(LossReport.kind) == LossKind.TEMPORARY, *open_] if temporary else open_


def open_report(session: Session, card_id: int, *, temporary: bool = False) -> LossReport | None:
    """The card's newest loss report still in force (only a temporary one with ``temporary``)."""
    return session.exec(select(LossReport).where(
        col(LossReport.card_id) == card_id, *report_is_open(temporary=temporary),
    ).order_by(col(LossReport.id).desc())).first()


def not_on_its_way() -> Any:
    """The condition of a card not on its way to another outlet (sent, not yet scanned in there)."""
    return ~exists().where(col(CardTransfer.card_id) == col(Card.id), col(CardTransfer.status) == TransferStatus.SENT)


def ready_for_collection(outlet_code: str) -> Select[ReissueRequest, Card, Person]:
    """The reissue requests whose new card is ready for collection at this outlet (held here, wherever the
    citizen applied, and not on its way elsewhere), with the card and holder."""
    return (select(ReissueRequest, Card, Person)
            .join(Card, col(Card.id) == col(ReissueRequest.new_card_id))
            .join(Person, col(Person.id) == col(ReissueRequest.person_id))
            .where(col(Card.outlet_code) == outlet_code, col(ReissueRequest.status) == RequestStatus.READY,
                   not_on_its_way()))


_CARD_BY_NUMBER = select(Card).where(col(Card.card_number) == bindparam("number"))


def card_by_number(session: Session, card_number: str) -> Card | None:
    """The card on record with this number (the one a chip names), if any."""
    return session.exec(_CARD_BY_NUMBER, params={"number": card_number}).first()


def newest_card(session: Session, person_id: int, *statuses: CardStatus) -> Card | None:
    """The person's newest card (only among ``statuses`` when given)."""
    where = [col(Card.person_id) == person_id]
    if statuses:
        where.append(col(Card.status).in_([s.value for s in statuses]))
    return session.exec(select(Card).where(*where).order_by(col(Card.id).desc())).first()


def person_by_citizen_number(session: Session, number: str) -> Person | None:
    """The person with this (valid, normalised) citizen number: the number is sealed at rest, so the lookup
    compares its blind index, which the column's type computes from ``number``."""
    return session.exec(select(Person).where(col(Person.citizen_index) == number)).first()
