"""Named builders for the service tests, composed on the one ``seeded`` desk (tests/services/conftest.py).

Each builder says what a clerk would find at the counter or do there: who is signed in (:func:`login`),
a holder with a card in some status (:func:`person_with`, :func:`cards_without_application`), the chip of a
card in the reader (:func:`chip_of`), the identity check done (:func:`identity`), a reissue applied for
(:func:`apply_for_lost_card`) and its new card waiting for collection (:func:`ready_card`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card, Person, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.services import demo, operators
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.identity import Document, record_identity_check
from outlet_desk.services.reissue import ReissueResult, apply_reissue, receive_card
from outlet_desk.services.uow import UnitOfWork

TRAINING_PERSONS = 40
"""How many holders the ``seeded`` desk has (every scenario of the training data, several times)."""


def seed(desk: Desk, persons: int = TRAINING_PERSONS) -> Desk:
    """The training data on ``desk`` (operators, holders, cards in every status); the desk again. A test that
    needs more holders of one kind than the usual number gives one (``persons``)."""
    demo.seed_training(desk, persons=persons)
    return desk


def login(desk: Desk, username: str) -> Actor:
    """A training operator signed in with their training password."""
    return operators.authenticate(desk, username, demo.training_password(username))


def cards_without_application(desk: Desk, status: str, n: int) -> list[tuple[Person, Card]]:
    """``n`` cards in ``status`` with no reissue applied for, oldest first: (holder, card)."""
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.old_card_id).is_not(None))
        cards = s.exec(select(Card).where(col(Card.status) == status, col(Card.id).not_in(taken))
                       .order_by(col(Card.id)).limit(n)).all()
        out = []
        for card in cards:
            person = s.get(Person, card.person_id)
            assert person is not None
            out.append((person, card))
    assert len(out) == n
    return out


def person_with(desk: Desk, status: CardStatus) -> tuple[Person, Card]:
    """The first holder whose card is in ``status`` with no reissue applied for: (holder, card)."""
    [found] = cards_without_application(desk, status.value, 1)
    return found


def reload(desk: Desk, card_id: int) -> Card:
    """The card as the store holds it now."""
    with Session(desk.engine) as s:
        card = s.get(Card, card_id)
        assert card is not None
        return card


def request_version(desk: Desk, request_id: int) -> int:
    """The version of a reissue request as a screen shows it now."""
    with Session(desk.engine) as s:
        request = s.get(ReissueRequest, request_id)
        assert request is not None
        return request.version


def chip_of(card: Card, person: Person, **changes: str) -> CardData:
    """What the reader reads from ``card``'s chip (``changes``: fields the chip says otherwise)."""
    values = {
        "card_number": card.card_number, "identification_code": card.identification_code or "",
        "citizen_number": person.citizen_number, "name": person.name,
        "gender": Gender.MALE if person.gender == "male" else Gender.FEMALE,
    }
    values.update(changes)
    return CardData(
        card_type=1, spec_version="3.00", issue_date=card.issue_date or date(2020, 1, 1),
        expiry_date=card.expiry_date or date(2030, 1, 1), ethnicity="01",
        birthplace=person.citizen_number[:6], birth_date=person.birth_date, **values,  # type: ignore[arg-type]
    )


def identity(desk: Desk, actor: Actor, person: Person, flow: str) -> int:
    """The holder showed their resident ID card for ``flow`` and the clerk confirmed the face: the check's id."""
    assert person.id is not None
    result = record_identity_check(
        desk, actor, person.id, flow, presenter="holder",
        document=Document("resident_id_card", person.citizen_number, person.name,
                          desk.local_now().date() + timedelta(days=3000)),
        face_confirmed=True,
    )
    return result.check_id


def apply_for_lost_card(desk: Desk, clerk: Actor, person: Person, card: Card, **kw: Any) -> ReissueResult:
    """The holder of a formally lost card applies for a new one (``kw``: payment or waiver)."""
    return apply_reissue(desk, clerk, card.id or 0, card.version, ReissueReason.LOST,
                         identity(desk, clerk, person, "apply_reissue"), **kw)


def ready_card(desk: Desk, clerk: Actor, person: Person, card: Card) -> tuple[int, Card]:
    """A reissue for a lost card paid in cash and its new card arrived: (request id, the new card)."""
    applied = apply_for_lost_card(desk, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    received = receive_card(desk, login(desk, "super1"), applied.request_id, "C12345678",
                            "110105D156000005ABCDEF0123456789")
    return applied.request_id, reload(desk, received.card_id)


def audit_notes(desk: Desk, notes: Iterable[dict[str, object]]) -> None:
    """More audit events on the outlet (action ``note``), one for each of ``notes``, recording it."""
    for after in notes:
        with UnitOfWork(desk, None) as uow:
            uow.audit("note", "outlet", desk.outlet_code, after=after)
            uow.commit()


def audit_events(desk: Desk, action: str) -> list[AuditEvent]:
    """The audit events of ``action``, oldest first."""
    with Session(desk.engine) as s:
        return list(s.exec(select(AuditEvent).where(col(AuditEvent.action) == action)
                           .order_by(col(AuditEvent.seq))).all())


def at_once(act: Callable[[Actor, int], object], actors: Sequence[Actor], checks: Sequence[int],
            refusals: tuple[type[Exception], ...]) -> list[object]:
    """Two counters press their key at the same moment (a barrier releases both threads): what each got,
    a result or one of ``refusals``."""
    barrier = threading.Barrier(len(actors))
    outcomes: list[object] = []

    def counter(actor: Actor, check: int) -> None:
        barrier.wait()
        try:
            outcomes.append(act(actor, check))
        except refusals as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=counter, args=(a, c)) for a, c in zip(actors, checks, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes
