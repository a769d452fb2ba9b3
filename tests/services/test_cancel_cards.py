"""Cancelling a person's cards, on both databases: a death reported by a relative with the certificate, an
emigration with its document, a duplicate card (the clerk chooses which stays); the cards blocked like a lost one
(the blocked-card notice says why), the pending requests cancelled, a fee not yet spent paid back; a refusal for
each rule; and one usable card per person held by the store itself, also when two counters act at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Payment, Person, ReissueRequest
from outlet_desk.domain.cancellation import CancellationRefused, CancelReason
from outlet_desk.domain.card_lifecycle import USABLE, CardStatus
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.cancellation import cancel_cards
from outlet_desk.services.collection import (
    CollectionRefused,
    CollectionResult,
    card_presented,
    complete_collection,
)
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from outlet_desk.services.receipts import render_text
from outlet_desk.services.reissue import apply_reissue, receive_card
from outlet_desk.services.usable_card import SecondUsableCard
from tests.services.builders import (
    apply_for_lost_card,
    at_once,
    audit_events,
    cards_without_application,
    chip_of,
    identity,
    login,
    person_with,
    ready_card,
    reload,
    request_version,
)
from tests.services.races import reads_held_together


def relative_check(desk: Desk, clerk: Actor, person: Person) -> int:
    """The holder's daughter at the counter with her own ID card, the holder's, and the death certificate."""
    assert person.id is not None
    proxy = ProxyDetails(Document("resident_id_card", "11010519491231002X", "张小燕", None), "daughter", "DC-2026-77")
    return record_identity_check(
        desk, clerk, person.id, "cancel_card", presenter="proxy", proxy=proxy, face_confirmed=True,
        document=Document("resident_id_card", person.citizen_number, person.name, None)).check_id


def usable_cards(desk: Desk, person_id: int) -> list[str]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Card.card_number).where(
            col(Card.person_id) == person_id, col(Card.status).in_([u.value for u in USABLE]))).all())


def test_a_death_reported_by_a_relative_cancels_every_card_and_pays_back_the_fee_not_spent(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, lost = person_with(seeded, CardStatus.LOST)
    applied = apply_for_lost_card(seeded, clerk, person, lost, payment_method="cash", amount_paid_fen=2000)
    card = reload(seeded, lost.id or 0)
    result = cancel_cards(seeded, clerk, card.id or 0, card.version, CancelReason.DEATH,
                          relative_check(seeded, clerk, person), document_ref="DC-2026-77")
    assert result.cancelled == (lost.card_number,)
    assert result.requests_cancelled == (applied.request_id,)
    assert result.refunded_fen == 2000  # the new card was not made yet: nothing of the fee was spent
    assert reload(seeded, lost.id or 0).status == "cancelled"
    with Session(seeded.engine) as s:
        request = s.get(ReissueRequest, applied.request_id)
        assert request is not None and request.status == RequestStatus.CANCELLED
        paid = s.exec(select(Payment.amount_fen).where(col(Payment.request_id) == applied.request_id)).all()
        assert sorted(paid) == [-2000, 2000]
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact
    text = render_text(result.receipt)
    assert "Paid back: 20.00 yuan" in text and "the holder died" in text
    [event] = audit_events(seeded, "card_cancelled_death")
    assert json.loads(event.after)["document_ref"] == "DC-2026-77"


def test_the_cancelled_card_is_blocked_when_presented_and_the_notice_says_why(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    cancel_cards(seeded, clerk, card.id or 0, card.version, CancelReason.EMIGRATION,
                 identity(seeded, clerk, person, "cancel_card"), document_ref="EMIG-88")
    presented = card_presented(seeded, clerk, chip_of(card, person))
    assert presented is not None and presented.blocked and presented.status is CardStatus.CANCELLED
    assert presented.why == "Cancelled: the holder emigrated (document EMIG-88)."
    assert audit_events(seeded, "blocked_card_presented")


def test_a_fee_already_spent_on_a_made_card_is_not_paid_back(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, lost = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, lost)  # paid 20 yuan, and the card was made
    result = cancel_cards(seeded, clerk, new.id or 0, new.version, CancelReason.EMIGRATION,
                          identity(seeded, clerk, person, "cancel_card"), document_ref="EMIG-1")
    assert set(result.cancelled) == {lost.card_number, new.card_number}
    assert result.requests_cancelled == (request_id,) and result.refunded_fen == 0
    assert reload(seeded, new.id or 0).status == "cancelled"


def _second_card(desk: Desk, person: Person, status: CardStatus, number: str) -> Card:
    """A second card for the same person from another issuance (rows as the card centre's import writes them)."""
    with Session(desk.engine) as s:
        card = Card(card_number=number, identification_code=f"110105D156000005{number[1:]:0>16}",
                    person_id=person.id or 0, outlet_code=desk.outlet_code, issue_date=desk.local_now().date(),
                    expiry_date=desk.local_now().date() + timedelta(days=3650), status=status.value,
                    status_changed_at=desk.now())
        s.add(card)
        s.commit()
        s.refresh(card)
        return card


def test_a_duplicate_card_is_cancelled_and_the_one_the_clerk_chose_stays(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    other = _second_card(seeded, person, CardStatus.READY, "D00000001")
    check = identity(seeded, clerk, person, "cancel_card")
    result = cancel_cards(seeded, clerk, other.id or 0, other.version, CancelReason.DUPLICATE, check,
                          keep_card_id=card.id)
    assert (result.cancelled, result.kept) == ((other.card_number,), card.card_number)
    assert reload(seeded, card.id or 0).status == "active" and reload(seeded, other.id or 0).status == "cancelled"
    presented = card_presented(seeded, clerk, chip_of(other, person))
    assert presented is not None and presented.why == f"Cancelled as a duplicate: card {card.card_number} stays in use."


@pytest.mark.parametrize(("reason", "presenter", "ref", "keep", "message"), [
    (CancelReason.DEATH, "holder", "DC-1", None, "A death is reported by a relative"),
    (CancelReason.DEATH, "proxy", "", None, "death certificate"),
    (CancelReason.EMIGRATION, "holder", "  ", None, "document that shows the emigration"),
    (CancelReason.DUPLICATE, "holder", "", None, "Choose the card that stays"),
    (CancelReason.DUPLICATE, "holder", "", "self", "no other card"),
])
def test_each_rule_of_a_cancellation_refuses_with_its_reason(
        seeded: Desk, reason: CancelReason, presenter: str, ref: str, keep: str | None, message: str) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    check = (relative_check(seeded, clerk, person) if presenter == "proxy"
             else identity(seeded, clerk, person, "cancel_card"))
    with pytest.raises(CancellationRefused, match=message):
        cancel_cards(seeded, clerk, card.id or 0, card.version, reason, check, document_ref=ref,
                     keep_card_id=card.id if keep else None)
    assert reload(seeded, card.id or 0).status == "active"


def test_a_cancellation_needs_an_identity_check_for_it_and_the_card_as_shown(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    [_first, (someone_else, _card)] = cards_without_application(seeded, CardStatus.ACTIVE.value, 2)
    with pytest.raises(Exception, match="identity check"):  # the visit's check is another person's
        cancel_cards(seeded, clerk, card.id or 0, card.version, CancelReason.EMIGRATION,
                     identity(seeded, clerk, someone_else, "apply_reissue"), document_ref="E-1")
    with pytest.raises(RecordChanged):
        cancel_cards(seeded, clerk, card.id or 0, card.version + 1, CancelReason.EMIGRATION,
                     identity(seeded, clerk, person, "cancel_card"), document_ref="E-1")


def test_the_store_itself_refuses_a_second_usable_card(seeded: Desk) -> None:
    person, _card = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(IntegrityError):
        _second_card(seeded, person, CardStatus.ACTIVE, "D00000002")
    with pytest.raises(IntegrityError):
        _second_card(seeded, person, CardStatus.SUSPENDED, "D00000003")
    _second_card(seeded, person, CardStatus.LOST, "D00000004")  # a card out of use is not a second usable one


def _exchange_ready(desk: Desk, clerk: Actor, person: Person, card: Card) -> tuple[int, Card]:
    """The holder's card in use is exchanged (expired) and the new card arrived: (request id, new card)."""
    with Session(desk.engine) as s:  # the card expires in a month: it may be exchanged now
        row = s.get(Card, card.id)
        assert row is not None
        row.expiry_date = desk.local_now().date() + timedelta(days=30)
        s.add(row)
        s.commit()
        s.refresh(row)
        version = row.version
    applied = apply_reissue(desk, clerk, card.id or 0, version, ReissueReason.EXPIRED,
                            identity(desk, clerk, person, "apply_reissue"), payment_method=None)
    received = receive_card(desk, login(desk, "super1"), applied.request_id, "E12345678",
                            "110105D156000005ABCDEF0123450000")
    return applied.request_id, reload(desk, received.card_id)


def test_two_counters_cancelling_and_collecting_for_one_person_leave_no_second_usable_card(seeded: Desk) -> None:
    """Counter 1 hands over the exchanged card while counter 2 cancels the holder's cards (emigration): one waits
    for the other, and the person ends with no usable card at all, whichever went first."""
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    request_id, new = _exchange_ready(seeded, clerk1, person, card)
    shown, card_version = request_version(seeded, request_id), reload(seeded, card.id or 0).version
    checks = [identity(seeded, clerk1, person, "collect_card"), identity(seeded, clerk2, person, "cancel_card")]

    def act(actor: Actor, check: int) -> object:
        if actor is clerk1:
            return complete_collection(seeded, actor, request_id, shown, check, chip_of(new, person), pin_changed=True)
        return cancel_cards(seeded, actor, card.id or 0, card_version, CancelReason.EMIGRATION, check,
                            document_ref="EMIG-2")

    with reads_held_together(seeded.engine, "card"):
        outcomes = at_once(act, (clerk1, clerk2), checks, (RecordChanged, CollectionRefused))
    assert len(outcomes) == 2 and len(usable_cards(seeded, person.id or 0)) <= 1
    cancelled = [o for o in outcomes if not isinstance(o, Exception | CollectionResult)]
    if not cancelled:  # the hand-over went first: the cancelling counter was told the card changed, and tries again
        assert any(isinstance(o, RecordChanged) for o in outcomes), outcomes
        now = reload(seeded, new.id or 0)
        assert now.status == "active"
        cancel_cards(seeded, clerk2, now.id or 0, now.version, CancelReason.EMIGRATION, checks[1],
                     document_ref="EMIG-2")
    assert usable_cards(seeded, person.id or 0) == []
    assert {reload(seeded, new.id or 0).status, reload(seeded, card.id or 0).status} <= {"cancelled", "replaced"}


def test_two_counters_activating_two_cards_of_one_person_at_once_leave_one_usable_card(seeded: Desk) -> None:
    """Two cards of one person are handed over at two counters at the same moment (the exchanged card, and a
    second card from another issuance with a request of its own): the store keeps one usable card, the other
    counter is told which card is in use."""
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    request_id, new = _exchange_ready(seeded, clerk1, person, card)
    stray = _second_card(seeded, person, CardStatus.READY, "D00000005")
    with Session(seeded.engine) as s:
        other = ReissueRequest(outlet_code=seeded.outlet_code, person_id=person.id or 0, new_card_id=stray.id,
                               reason=ReissueReason.INFO_CHANGE.value, production_mode="factory",
                               status=RequestStatus.READY, operator_id=clerk1.operator_id, created_at=seeded.now())
        s.add(other)
        s.commit()
        other_id = other.id or 0
    requests = {clerk1.operator_id: (request_id, new), clerk2.operator_id: (other_id, stray)}
    checks = [identity(seeded, c, person, "collect_card") for c in (clerk1, clerk2)]
    versions = {r: request_version(seeded, r) for r in (request_id, other_id)}

    def act(actor: Actor, check: int) -> object:
        rid, handed = requests[actor.operator_id]
        return complete_collection(seeded, actor, rid, versions[rid], check, chip_of(handed, person), pin_changed=True)

    with reads_held_together(seeded.engine, "card"):
        outcomes = at_once(act, (clerk1, clerk2), checks, (SecondUsableCard, RecordChanged, CollectionRefused))
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], SecondUsableCard) and "already has a card in use" in refusals[0].message
    assert len(usable_cards(seeded, person.id or 0)) == 1
    with Session(seeded.engine) as s:
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact


def test_an_older_store_holding_two_usable_cards_for_one_person_is_not_upgraded(
        seeded: Desk, make_settings) -> None:  # type: ignore[no-untyped-def]
    """The upgrade to one usable card per person finds the pairs first and refuses, naming each person's cards:
    which card stays is the clerk's choice, not the migration's."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from outlet_desk.db.migrate import MigrationRefused, alembic_config, current_revision, upgrade
    from outlet_desk.services.bootstrap import open_desk
    from outlet_desk.services.store_access import StoreRefused

    config = alembic_config(seeded.engine)
    before = ScriptDirectory.from_config(config).get_revision("0017").down_revision
    command.downgrade(config, str(before))
    person, card = person_with(seeded, CardStatus.ACTIVE)
    second = _second_card(seeded, person, CardStatus.ACTIVE, "D00000009")  # the older store allowed it
    with pytest.raises(MigrationRefused) as refused:
        upgrade(seeded.engine)
    assert refused.value.usable_cards == {person.id: [(card.card_number, "active"), (second.card_number, "active")]}
    assert current_revision(seeded.engine) == before
    with pytest.raises(StoreRefused, match=f"person record {person.id}: {card.card_number} \\(active\\), "
                                           f"{second.card_number} \\(active\\)"):
        open_desk(make_settings())
    assert current_revision(seeded.engine) == before
