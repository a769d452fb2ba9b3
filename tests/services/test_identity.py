"""The identity check at the counter: every refusal named, every check stored with one audit event."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, col, select

from outlet_desk.config import Settings
from outlet_desk.db.tables import AuditEvent, IdentityCheck, Person
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services.context import Desk
from outlet_desk.services.identity import (
    Document,
    IdentityRefused,
    IdentityRule,
    ProxyDetails,
    record_identity_check,
)
from tests.services.builders import login

PROXY_NUMBER = "11010519491231002X"


@pytest.fixture
def holder(seeded: Desk) -> Person:
    with Session(seeded.engine) as s:
        person = s.exec(select(Person).order_by(col(Person.id))).first()
    assert person is not None
    return person


def _id_card(person: Person, **changes: object) -> Document:
    doc = Document("resident_id_card", person.citizen_number, person.name, date(2035, 1, 1))
    return replace(doc, **changes)  # type: ignore[arg-type]


def _checks(desk: Desk) -> list[IdentityCheck]:
    with Session(desk.engine) as s:
        return list(s.exec(select(IdentityCheck).where(col(IdentityCheck.flow) != "report_loss_counter")).all())


def _last_event(desk: Desk) -> AuditEvent:
    with Session(desk.engine) as s:
        event = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None
    return event


def test_holder_with_a_valid_id_card_passes_and_is_stored(desk: Desk, holder: Person) -> None:
    # the name as typed with a full-width space and half-width digits still matches
    typed = holder.name[0] + "\u3000" + holder.name[1:]
    result = record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "apply_reissue", presenter="holder",
                                   document=_id_card(holder, name=typed), face_confirmed=True)
    assert result.presenter == "holder" and result.flow == "apply_reissue"
    assert result.masked_document_number == holder.citizen_number[:6] + "*" * 12
    [row] = _checks(desk)
    assert row.id == result.check_id and row.passed
    assert (row.check_digit_ok, row.name_match_ok, row.document_valid_ok, row.face_confirmed) == (True,) * 4
    event = _last_event(desk)
    assert event.action == "identity_checked" and event.person_id == holder.id
    assert holder.citizen_number not in event.after  # PII masked in the audit trail


def test_long_term_id_card_has_no_expiry(desk: Desk, holder: Person) -> None:
    result = record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "collect_card", presenter="holder",
                                   document=_id_card(holder, expiry=None), face_confirmed=True)
    assert result.check_id > 0


@pytest.mark.parametrize(
    ("changes", "rule", "words"),
    [
        ({"name": "欧阳娜娜"}, IdentityRule.NAME_MISMATCH, "does not match the name on record"),
        ({"expiry": date(2026, 11, 24)}, IdentityRule.DOCUMENT_EXPIRED, "expired on 2026-11-24"),
        ({"number": "110105194912310021"}, IdentityRule.CHECK_DIGIT_WRONG, "check digit is wrong"),
        ({"number": PROXY_NUMBER}, IdentityRule.DOCUMENT_NUMBER_MISMATCH, "not the citizen number on record"),
        ({"type": "passport", "number": "E12345678"}, IdentityRule.DOCUMENT_NOT_ACCEPTED,
         "not accepted at this outlet"),
    ],
)
def test_holder_document_refusals_are_named_and_stored(
    desk: Desk, holder: Person, changes: dict[str, object], rule: IdentityRule, words: str
) -> None:
    with pytest.raises(IdentityRefused, match=words) as refused:
        record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "apply_reissue", presenter="holder",
                              document=_id_card(holder, **changes), face_confirmed=True)
    assert refused.value.rule is rule
    [row] = _checks(desk)
    assert not row.passed
    assert _last_event(desk).action == "identity_check_refused"


def test_face_must_be_confirmed(desk: Desk, holder: Person) -> None:
    with pytest.raises(IdentityRefused, match="Compare the face") as refused:
        record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "apply_reissue", presenter="holder",
                              document=_id_card(holder), face_confirmed=False)
    assert refused.value.rule is IdentityRule.FACE_NOT_CONFIRMED
    [row] = _checks(desk)
    assert not row.face_confirmed and not row.passed


def _proxy(**changes: object) -> ProxyDetails:
    details = ProxyDetails(Document("resident_id_card", PROXY_NUMBER, "张小燕", None), "daughter", "AUTH-2026-001")
    return replace(details, **changes)  # type: ignore[arg-type]


def test_proxy_with_both_documents_and_authorisation_passes(desk: Desk, holder: Person) -> None:
    result = record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "collect_card", presenter="proxy",
                                   document=_id_card(holder), face_confirmed=True, proxy=_proxy())
    assert (result.proxy_name, result.proxy_relationship, result.proxy_authorisation_ref) == (
        "张小燕", "daughter", "AUTH-2026-001")
    [row] = _checks(desk)
    assert row.presenter == "proxy" and row.passed
    # Who took the card is on record: the proxy's own document beside the holder's.
    assert (row.proxy_name, row.proxy_document_type, row.proxy_document_number) == (
        "张小燕", "resident_id_card", PROXY_NUMBER)
    assert row.document_number == holder.citizen_number
    event = _last_event(desk)
    assert PROXY_NUMBER not in event.after and "张小燕" not in event.after


def test_a_holder_at_the_counter_leaves_the_proxy_columns_empty(desk: Desk, holder: Person) -> None:
    record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "collect_card", presenter="holder",
                          document=_id_card(holder), face_confirmed=True, proxy=_proxy())
    [row] = _checks(desk)
    assert (row.proxy_name, row.proxy_document_number, row.proxy_relationship, row.proxy_document_expiry) == (
        "", "", "", None)


def test_proxy_not_allowed_for_a_flow_the_outlet_keeps_in_person(desk: Desk, holder: Person) -> None:
    assert "withdraw_loss" not in desk.settings.collection.proxy_allowed
    with pytest.raises(IdentityRefused, match="holder must come in person") as refused:
        record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "withdraw_loss", presenter="proxy",
                              document=_id_card(holder), face_confirmed=True, proxy=_proxy())
    assert refused.value.rule is IdentityRule.PROXY_NOT_ALLOWED


def test_proxy_allowed_list_is_a_setting(make_settings, clock, holder: Person) -> None:  # type: ignore[no-untyped-def]
    from outlet_desk.services.bootstrap import open_desk

    settings: Settings = make_settings('\n[collection]\nproxy_allowed = ["withdraw_loss"]\n')
    other = open_desk(settings)
    other.clock = clock
    try:
        result = record_identity_check(other, login(other, "clerk1"), holder.id or 0, "withdraw_loss",
                                       presenter="proxy", document=_id_card(holder), face_confirmed=True,
                                       proxy=_proxy())
        assert result.presenter == "proxy"
        with pytest.raises(IdentityRefused) as refused:
            record_identity_check(other, login(other, "clerk1"), holder.id or 0, "collect_card", presenter="proxy",
                                  document=_id_card(holder), face_confirmed=True, proxy=_proxy())
        assert refused.value.rule is IdentityRule.PROXY_NOT_ALLOWED
    finally:
        other.engine.dispose()


@pytest.mark.parametrize(
    ("proxy", "words"),
    [
        (_proxy(authorisation_ref=" "), "signed authorisation"),
        (_proxy(relationship=""), "relationship"),
        (_proxy(document=Document("resident_id_card", "11010519491231002X", "张小燕", date(2020, 1, 1))),
         "expired"),
        (_proxy(document=Document("resident_id_card", "110105194912310021", "张小燕", None)), "check digit"),
    ],
)
def test_proxy_refusals(desk: Desk, holder: Person, proxy: ProxyDetails, words: str) -> None:
    with pytest.raises(IdentityRefused, match=words) as caught:
        record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "collect_card", presenter="proxy",
                              document=_id_card(holder), face_confirmed=True, proxy=proxy)
    assert caught.value.rule in (IdentityRule.PROXY_DETAILS_MISSING, IdentityRule.DOCUMENT_EXPIRED,
                                 IdentityRule.CHECK_DIGIT_WRONG)


def test_proxy_cannot_show_the_holders_own_document(desk: Desk, holder: Person) -> None:
    own = _proxy(document=Document("resident_id_card", holder.citizen_number, holder.name, None))
    with pytest.raises(IdentityRefused, match="holder's own number") as refused:
        record_identity_check(desk, login(desk, "clerk1"), holder.id or 0, "collect_card", presenter="proxy",
                              document=_id_card(holder), face_confirmed=True, proxy=own)
    assert refused.value.rule is IdentityRule.PROXY_DETAILS_MISSING


def test_roles_that_do_not_serve_the_counter_are_forbidden(desk: Desk, holder: Person) -> None:
    with pytest.raises(Forbidden):
        record_identity_check(desk, login(desk, "hotline1"), holder.id or 0, "apply_reissue", presenter="holder",
                              document=_id_card(holder), face_confirmed=True)
    assert _checks(desk) == []
