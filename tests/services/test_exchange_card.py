"""Exchanging a card in use, on both databases: for changed personal data (the record changed with before and
after in the audit, masked; the new card written with the new name, collected, and the receipt naming the new
holder; a corrected citizen number keeps the person's history), for a damaged card (kept by the outlet, recorded)
and for an expiring one (from the settings' window); a refusal for each rule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, LossReport, Person, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import InvalidCitizenId, mask_citizen_id
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.personal_change import PersonalChangeRefused, PersonalData
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.bootstrap import ensure_training_issuer_key
from outlet_desk.services.collection import complete_collection
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.masking import mask_name
from outlet_desk.services.personal_change import NumberTaken
from outlet_desk.services.queries import person_by_citizen_number
from outlet_desk.services.receipts import render_text
from outlet_desk.services.reissue import (
    ReissueRefused,
    ReissueResult,
    apply_reissue,
    complete_instant_issue,
    instant_card_data,
)
from tests.services.builders import audit_events, identity, login, person_with, reload, request_version
from tests.services.conftest import SeededFactory

INSTANT = '\n[reissue]\nproduction_mode = "instant"\n'
CORRECTED = "11010519491231002X"
"""A valid citizen number no training holder has (born 1949-12-31, female)."""


@pytest.fixture
def instant(make_seeded: SeededFactory) -> Desk:
    desk = make_seeded(INSTANT)
    ensure_training_issuer_key(desk.settings.issuer_key_path())
    return desk


@pytest.fixture
def reader() -> Iterator[TrainingReader]:
    r = TrainingReader()
    yield r
    r.close()


def exchange(desk: Desk, clerk: Actor, person: Person, card: Card, new: PersonalData | None, document: str = "",
             reason: ReissueReason = ReissueReason.INFO_CHANGE) -> ReissueResult:
    fee = 0 if reason in desk.settings.fees.free_reasons else desk.settings.fees.reissue_fen.model_dump()[reason.value]
    return apply_reissue(desk, clerk, card.id or 0, reload(desk, card.id or 0).version, reason,
                         identity(desk, clerk, person, "apply_reissue"), payment_method="cash" if fee else None,
                         amount_paid_fen=fee or None, new_data=new, change_document=document)


def test_a_new_name_reaches_the_chip_the_record_and_the_receipt_and_the_audit_masks_both(
        instant: Desk, reader: TrainingReader) -> None:
    clerk = login(instant, "clerk1")
    person, card = person_with(instant, CardStatus.ACTIVE)
    new_name = "欧阳" + person.name[1:] if person.name[0] != "欧" else "司马" + person.name[1:]
    applied = exchange(instant, clerk, person, card, PersonalData(new_name, "03", person.citizen_number))
    assert reload(instant, card.id or 0).status == "active"  # the old card stays in use until the hand-over
    [event] = audit_events(instant, "reissue_applied")
    assert json.loads(event.before)["person"] == {"name": mask_name(person.name), "ethnicity": "01"}
    assert json.loads(event.after)["person"] == {"name": mask_name(new_name), "ethnicity": "03"}
    data = instant_card_data(instant, applied.request_id)
    assert (data.name, data.ethnicity) == (new_name, "03")
    slot = reader.insert(VirtualCard(None))
    written = reader.personalise(slot, data, instant.settings.issuer_key_path())
    new = complete_instant_issue(instant, clerk, applied.request_id, written)
    chip = reader.read_card(slot)
    assert chip.full_name == new_name
    result = complete_collection(instant, clerk, applied.request_id, request_version(instant, applied.request_id),
                                 identity(instant, clerk, reload_person(instant, person), "collect_card"), chip,
                                 pin_changed=True)
    assert result.replaced_card_number == card.card_number
    assert reload_person(instant, person).name == new_name
    assert f"Holder: {mask_name(new_name)}" in render_text(result.receipt)
    assert mask_name(new_name) != mask_name(person.name)
    assert (reload(instant, card.id or 0).status, reload(instant, new.card_id).status) == ("replaced", "active")


def reload_person(desk: Desk, person: Person) -> Person:
    with Session(desk.engine) as s:
        row = s.get(Person, person.id)
        assert row is not None
        return row


def test_a_corrected_citizen_number_keeps_the_persons_history_under_the_new_number(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    exchange(seeded, clerk, person, card, PersonalData(person.name, "01", CORRECTED), document="HUKOU-2026-3")
    with Session(seeded.engine) as s:
        assert person_by_citizen_number(s, person.citizen_number) is None
        found = person_by_citizen_number(s, CORRECTED)
        assert found is not None and found.id == person.id
        assert (found.gender, str(found.birth_date)) == ("female", "1949-12-31")
        assert card.id in [c.id for c in s.exec(select(Card).where(col(Card.person_id) == found.id)).all()]
        assert s.exec(select(ReissueRequest).where(col(ReissueRequest.person_id) == found.id)).all()
    [event] = audit_events(seeded, "reissue_applied")
    assert json.loads(event.before)["person"] == {"citizen_number": mask_citizen_id(person.citizen_number)}
    assert json.loads(event.after)["person"] == {"citizen_number": mask_citizen_id(CORRECTED),
                                                 "document_ref": "HUKOU-2026-3"}


def test_the_loss_reports_of_an_earlier_card_stay_with_the_corrected_number(seeded: Desk) -> None:
    """A holder whose lost card was replaced: after the correction, the new number finds the person, and through
    them the replaced card, its loss report and its request."""
    clerk = login(seeded, "clerk1")
    with Session(seeded.engine) as s:
        replaced = s.exec(select(Card).where(col(Card.status) == "replaced")).first()
        assert replaced is not None
        card = s.exec(select(Card).where(col(Card.person_id) == replaced.person_id,
                                         col(Card.status) == "active")).one()
        person = s.get(Person, card.person_id)
        assert person is not None
    exchange(seeded, clerk, person, card, PersonalData(person.name, "01", CORRECTED), document="HUKOU-9")
    with Session(seeded.engine) as s:
        found = person_by_citizen_number(s, CORRECTED)
        assert found is not None
        cards = [c.id for c in s.exec(select(Card).where(col(Card.person_id) == found.id)).all()]
        assert replaced.id in cards
        assert s.exec(select(LossReport).where(col(LossReport.card_id).in_(cards))).all()
        assert len(s.exec(select(ReissueRequest).where(col(ReissueRequest.person_id) == found.id)).all()) == 2


@pytest.mark.parametrize(("change", "document", "error", "message"), [
    (lambda p: PersonalData(p.name, "01", CORRECTED), "", PersonalChangeRefused, "needs the document"),
    (lambda p: PersonalData(p.name, "01", p.citizen_number), "", PersonalChangeRefused, "Nothing of the personal"),
    (lambda p: PersonalData(p.name, "77", p.citizen_number), "", PersonalChangeRefused, "not an ethnicity code"),
    (lambda p: PersonalData("  ", "01", p.citizen_number), "", PersonalChangeRefused, "Enter the holder's name"),
    (lambda p: PersonalData(p.name, "01", "110105194912310021"), "D-1", InvalidCitizenId, "check"),
    (lambda p: None, "", ReissueRefused, "Enter the corrected personal data"),
])
def test_each_rule_of_a_personal_data_change_refuses_and_changes_nothing(
        seeded: Desk, change, document: str, error: type[Exception], message: str) -> None:  # type: ignore[no-untyped-def]
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(error, match=message):
        exchange(seeded, clerk, person, card, change(person), document=document)
    assert reload_person(seeded, person).name == person.name
    assert not audit_events(seeded, "reissue_applied")


def test_a_citizen_number_of_another_person_is_refused(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    (person, card), (other, _card) = person_with(seeded, CardStatus.ACTIVE), person_with(seeded, CardStatus.LOST)
    with pytest.raises(NumberTaken, match="already belongs to another person"):
        exchange(seeded, clerk, person, card, PersonalData(person.name, "01", other.citizen_number), document="D-2")
    assert reload_person(seeded, person).citizen_number == person.citizen_number


def test_personal_data_are_changed_only_for_that_reason(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.DAMAGED)
    with pytest.raises(ReissueRefused, match="only with the reason"):
        exchange(seeded, clerk, person, card, PersonalData("王五", "01", person.citizen_number),
                 reason=ReissueReason.DAMAGED)


def test_a_damaged_card_is_kept_by_the_outlet_and_recorded(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    exchange(seeded, clerk, person, card, None, reason=ReissueReason.DAMAGED)
    assert reload(seeded, card.id or 0).status == "damaged"
    [event] = audit_events(seeded, "reissue_applied")
    assert json.loads(event.after)["old_card_kept"] is True


def test_an_expiring_card_is_exchanged_only_within_the_settings_window(make_seeded: SeededFactory) -> None:
    desk = make_seeded("\n[reissue]\nexpiry_exchange_days_before = 30\n")
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.ACTIVE)
    with Session(desk.engine) as s:
        row = s.get(Card, card.id)
        assert row is not None
        row.expiry_date = desk.local_now().date() + timedelta(days=31)
        s.add(row)
        s.commit()
    with pytest.raises(ReissueRefused, match="from 30 days before"):
        exchange(desk, clerk, person, card, None, reason=ReissueReason.EXPIRED)
    desk.clock.advance(days=1)  # type: ignore[attr-defined]
    exchange(desk, clerk, person, card, None, reason=ReissueReason.EXPIRED)
    assert reload(desk, card.id or 0).status == "active"  # in use until the new card is collected
