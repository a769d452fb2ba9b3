"""One usable card per person, as the store enforces it (migration 0017's ``ux_card_usable_per_person``): a
write that would give a person a second usable card is refused with the card that is already in use."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card
from outlet_desk.domain.card_lifecycle import USABLE
from outlet_desk.i18n import _
from outlet_desk.services.errors import ServiceError


class SecondUsableCard(ServiceError):
    code = "second_usable_card"


def second_usable_card_refused(session: Session, card: Card) -> None:
    """Write ``card``'s new status now; if the person already holds another usable card, the store refuses it
    and so does this (nothing of the use case is kept: the caller's transaction rolls back)."""
    try:
        session.flush()
    except IntegrityError as exc:
        if "ux_card_usable_per_person" not in str(exc.orig) and "card.person_id" not in str(exc.orig):
            raise
        session.rollback()
        other = session.exec(select(Card).where(col(Card.person_id) == card.person_id,
                                                col(Card.status).in_([s.value for s in USABLE]))).first()
        raise SecondUsableCard(
            _("The holder already has a card in use ({card}); a person holds one usable card. Nothing was saved.")
            .format(card=other.card_number if other else "-")) from exc
