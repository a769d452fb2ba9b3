"""The clerk hands over a new card, on both databases: the chip checked against the record, the PIN changed,
the holder or a proxy named on the receipt, the old card replaced; a card not ready, already collected or
the holder's old one is explained and audited; two counters collecting at once hand it over once."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select
from stdnum.cn import ric as cn

from outlet_desk.db.tables import (
    AuditEvent,
    Card,
    Collection,
    IdentityCheck,
)
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.reader.card_data import Gender
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.collection import CollectionRefused, check_chip, complete_collection
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from outlet_desk.services.masking import mask_name
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.receipts import render_text
from outlet_desk.services.reissue import ReissueRefused, receive_card
from tests.services.builders import (
    at_once,
    audit_events,
    chip_of,
    identity,
    login,
    person_with,
    ready_card,
    reload,
    request_version,
)
from tests.services.races import reads_held_together


def test_collection_checks_the_chip_and_activates_the_new_card(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, old)
    assert new.status == "ready"
    wrong = chip_of(new, person, name="李鬼")
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, wrong)
    assert refused.value.comparison is not None
    assert [f.field for f in refused.value.comparison.fields if not f.matches] == ["name"]
    number = next(f for f in refused.value.comparison.fields if f.field == "citizen_number")
    masked = mask_citizen_id(person.citizen_number)  # a number that matches is shown masked on both sides
    assert number.shown == (masked, masked) and person.citizen_number[6:] not in "".join(number.shown)
    sequence = "001" if person.citizen_number[14:17] != "001" else "003"  # another person born the same day
    body = person.citizen_number[:14] + sequence  # stdnum ignores the last character
    elsewhere = chip_of(new, person, citizen_number=body + cn.calc_check_digit(body + "0"))
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, elsewhere)
    assert refused.value.comparison is not None  # one that differs in full: the clerk tells which digits differ
    number = next(f for f in refused.value.comparison.fields if f.field == "citizen_number")
    assert not number.matches and number.shown == (person.citizen_number, elsewhere.citizen_number)
    other = Gender.FEMALE if person.gender == "male" else Gender.MALE
    with pytest.raises(CollectionRefused, match="Gender") as refused:  # the chip's gender is compared like the name
        check_chip(seeded, clerk, request_id, chip_of(new, person, gender=other))
    assert refused.value.comparison is not None
    gender = next(f for f in refused.value.comparison.fields if f.field == "gender")
    assert not gender.matches and (gender.on_record, gender.on_chip) == (person.gender, other.name.lower())
    assert check_chip(seeded, clerk, request_id, chip_of(new, person)).passed
    version = request_version(seeded, request_id)
    check = identity(seeded, clerk, person, "collect_card")
    with pytest.raises(CollectionRefused, match="PIN"):
        complete_collection(seeded, clerk, request_id, version, check, chip_of(new, person), pin_changed=False)
    chip = chip_of(new, person, name=" ".join(person.name))  # spaced out on the chip: the same name
    result = complete_collection(seeded, clerk, request_id, version, check, chip, pin_changed=True)
    assert result.replaced_card_number == old.card_number
    with Session(seeded.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "card_collected")).one()
    # The audit keeps what the chip said (masked as everywhere), not the record's copy of it.
    assert json.loads(event.after)["chip"] == {
        "card_number": new.card_number, "identification_code": new.identification_code,
        "citizen_number": mask_citizen_id(person.citizen_number), "name": mask_name(chip.full_name),
        "gender": person.gender}
    assert mask_name(chip.full_name) != mask_name(person.name)
    assert reload(seeded, new.id or 0).status == "active"
    assert reload(seeded, old.id or 0).status == "replaced"
    found = verify_receipt(seeded, result.receipt.code.lower().replace("-", ""))
    assert found is not None and found.genuine and found.card_number == new.card_number
    with Session(seeded.engine) as s:
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact


def test_a_proxy_collects_the_card_and_is_named_on_the_receipt_and_the_record(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, old)
    version = request_version(seeded, request_id)
    assert person.id is not None
    proxy = ProxyDetails(Document("resident_id_card", "11010519491231002X", "张小燕", None), "daughter", "AUTH-7")
    check = record_identity_check(
        seeded, clerk, person.id, "collect_card", presenter="proxy", proxy=proxy, face_confirmed=True,
        document=Document("resident_id_card", person.citizen_number, person.name, None)).check_id
    result = complete_collection(seeded, clerk, request_id, version, check, chip_of(new, person), pin_changed=True)
    assert result.receipt.collected_by_proxy == "张小燕 (daughter)"
    assert "张小燕 (daughter)" in render_text(result.receipt)
    with Session(seeded.engine) as s:
        row = s.exec(select(IdentityCheck).join(Collection, col(Collection.identity_check_id) == col(IdentityCheck.id))
                     .where(col(Collection.request_id) == request_id)).one()
    assert (row.proxy_name, row.proxy_document_number, row.proxy_authorisation_ref) == (
        "张小燕", "11010519491231002X", "AUTH-7")


def test_a_collected_card_cannot_be_collected_again(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, old)
    check = identity(seeded, clerk, person, "collect_card")
    version = request_version(seeded, request_id)
    complete_collection(seeded, clerk, request_id, version, check, chip_of(new, person), pin_changed=True)
    with pytest.raises(CollectionRefused):
        check_chip(seeded, clerk, request_id, chip_of(new, person))


def test_collection_of_a_card_that_is_not_ready_is_refused_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, old)
    with Session(seeded.engine) as s:  # the card was activated behind the desk's back
        row = s.get(Card, new.id)
        assert row is not None
        row.status = "active"
        s.add(row)
        s.commit()
    with pytest.raises(CollectionRefused, match="not ready for collection"):
        check_chip(seeded, clerk, request_id, chip_of(new, person))
    assert audit_events(seeded, "chip_check_failed")


def test_a_card_already_collected_is_explained_with_its_status_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, old)
    version = request_version(seeded, request_id)
    complete_collection(seeded, clerk, request_id, version, identity(seeded, clerk, person, "collect_card"),
                        chip_of(new, person), pin_changed=True)
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, chip_of(new, person))
    assert f"Card {new.card_number} was already collected" in refused.value.message
    assert "is active" in refused.value.message  # the card's status, in words
    failures = audit_events(seeded, "chip_check_failed")
    assert len(failures) == 1 and failures[0].entity_id == str(request_id)


def test_the_holders_old_lost_card_at_collection_is_named_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk, person, old)
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, chip_of(old, person))
    message = refused.value.message
    assert f"{old.card_number}, the holder's old card (reported lost)" in message and new.card_number in message
    assert refused.value.comparison is not None  # shown side by side on the screen
    assert len(audit_events(seeded, "chip_check_failed")) == 1
    # the old card swapped in after the new one's check: refused at F9 too
    version = request_version(seeded, request_id)
    with pytest.raises(CollectionRefused, match="the holder's old card"):
        complete_collection(seeded, clerk, request_id, version, identity(seeded, clerk, person, "collect_card"),
                            chip_of(old, person), pin_changed=True)
    assert len(audit_events(seeded, "chip_check_failed")) == 2
    assert (reload(seeded, new.id or 0).status, reload(seeded, old.id or 0).status) == ("ready", "lost")


def test_a_request_status_reads_in_the_outlets_language(seeded: Desk) -> None:
    """A refusal that names a request's status uses the same words as the screens: '待领取', not '"ready"'."""
    from outlet_desk.i18n import set_language

    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, _new = ready_card(seeded, clerk, person, old)
    set_language("zh_CN")
    try:
        with pytest.raises(ReissueRefused) as refused:
            receive_card(seeded, login(seeded, "super1"), request_id, "C12345679", "110105D156000005ABCDEF0123456780")
        with pytest.raises(RecordChanged) as changed:
            complete_collection(seeded, clerk, request_id, 0, identity(seeded, clerk, person, "collect_card"),
                                chip_of(_new, person), pin_changed=True)
    finally:
        set_language("en")
    assert "待领取" in refused.value.message and "ready" not in refused.value.message
    assert "待领取" in changed.value.message and "ready" not in changed.value.message


def test_two_counters_collecting_the_same_card_one_hands_it_over_the_other_is_told(seeded: Desk) -> None:
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = ready_card(seeded, clerk1, person, old)
    shown = request_version(seeded, request_id)  # both screens show this version
    checks = [identity(seeded, c, person, "collect_card") for c in (clerk1, clerk2)]
    with reads_held_together(seeded.engine, "reissue_request"):  # both read "ready" unless the row is locked
        outcomes = at_once(
            lambda actor, check: complete_collection(seeded, actor, request_id, shown, check, chip_of(new, person),
                                                     pin_changed=True),
            (clerk1, clerk2), checks, (RecordChanged, CollectionRefused))
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], RecordChanged) and "Another counter" in refusals[0].message
    assert "reloaded" not in refusals[0].message  # a service reloads nothing: the screen does (and says what)
    assert (reload(seeded, new.id or 0).status, reload(seeded, old.id or 0).status) == ("active", "replaced")
    with Session(seeded.engine) as s:
        assert len(s.exec(select(Collection).where(col(Collection.request_id) == request_id)).all()) == 1
        assert len(s.exec(select(AuditEvent).where(col(AuditEvent.action) == "card_collected")).all()) == 1
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact
