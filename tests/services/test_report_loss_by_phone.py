"""The hotline takes a loss report by phone, on both databases: the caller is identified by name and one
fact on file, the card is suspended until the lapse date, a second call is told the card's state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import (
    LossReport,
)
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services.context import Desk
from outlet_desk.services.loss import (
    CallerNotIdentified,
    CardNotInUse,
    report_loss_hotline,
)
from outlet_desk.services.receipt_check import verify_receipt
from tests.services.builders import login, person_with, reload


def test_hotline_report_suspends_the_card_until_the_lapse_date(seeded: Desk) -> None:
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    result = report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    assert result.card_status is CardStatus.SUSPENDED
    assert result.lapses_at == seeded.now() + timedelta(days=seeded.settings.loss.temporary_days)
    assert reload(seeded, card.id or 0).status == "suspended"
    assert verify_receipt(seeded, result.receipt.code) is not None


def test_hotline_caller_must_match_name_and_one_fact(seeded: Desk) -> None:
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(CallerNotIdentified, match="citizen number and name"):
        report_loss_hotline(seeded, hotline, person.citizen_number, "某某某", person.phone)
    with pytest.raises(CallerNotIdentified, match="phone number does not match") as refused:
        report_loss_hotline(seeded, hotline, person.citizen_number, person.name, "13000000000")
    assert refused.value.fact == "phone" and person.phone not in refused.value.message
    assert reload(seeded, card.id or 0).status == "active"


def test_hotline_caller_is_not_identified_by_the_district_of_the_address(seeded: Desk) -> None:
    """The beginning of an address ('北京市朝阳区') is everybody's in the district: only the end of the address
    on file (number, building, room) identifies the caller."""
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    for district in (person.address[:4], person.address[:6]):
        with pytest.raises(CallerNotIdentified, match="address") as refused:
            report_loss_hotline(seeded, hotline, person.citizen_number, person.name, district)
        assert refused.value.fact == "address" and person.address[-6:] not in refused.value.message
    assert reload(seeded, card.id or 0).status == "active"
    result = report_loss_hotline(seeded, hotline, person.citizen_number, person.name, " " + person.address + " ")
    assert result.card_status is CardStatus.SUSPENDED


def test_auditor_cannot_report_a_loss(seeded: Desk) -> None:
    person, _card = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(Forbidden):
        report_loss_hotline(seeded, login(seeded, "audit1"), person.citizen_number, person.name, person.phone)


def test_a_second_hotline_call_names_the_cards_status_and_lapse_date(seeded: Desk) -> None:
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    first = report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    assert first.lapses_at is not None
    lapse = first.lapses_at.astimezone(seeded.tz).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(CardNotInUse) as again:
        report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    assert f"Card {card.card_number} is already suspended" in again.value.message
    assert lapse in again.value.message and "no card in use" not in again.value.message
    with Session(seeded.engine) as s:
        assert len(s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).all()) == 1


def test_a_hotline_call_for_a_formally_lost_card_says_it_is_formally_lost(seeded: Desk) -> None:
    person, card = person_with(seeded, CardStatus.LOST)
    with pytest.raises(CardNotInUse, match=f"Card {card.card_number} is already formally reported lost"):
        report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    assert reload(seeded, card.id or 0).status == "lost"
