"""The clerk withdraws a loss report when the card turns up, on both databases: the reported card itself in
the reader, a second operator where the outlet asks for one, not once a new card was applied for, not at
another outlet when the rules say so, and a stale screen is told what changed."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import (
    LossReport,
)
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.loss import WithdrawalRefused
from outlet_desk.reader.card_data import Gender
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.loss import (
    ChipDoesNotMatch,
    SecondOperatorNeeded,
    report_loss_counter,
    withdraw_loss,
)
from tests.services.builders import apply_for_lost_card, chip_of, identity, login, person_with, reload
from tests.services.conftest import SeededFactory


def test_withdrawal_needs_the_reported_card_in_the_reader(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    check = identity(seeded, clerk, person, "withdraw_loss")
    with pytest.raises(ChipDoesNotMatch, match=card.card_number):
        withdraw_loss(seeded, clerk, card.id or 0, card.version, check,
                      chip_of(card, person, card_number="Z99999999"))
    result = withdraw_loss(seeded, clerk, card.id or 0, card.version, check, chip_of(card, person))
    assert result.card_status is CardStatus.ACTIVE
    assert reload(seeded, card.id or 0).status == "active"


def test_withdrawal_under_dual_control_needs_another_operator(make_seeded: SeededFactory) -> None:
    desk = make_seeded('\n[security]\ndual_control = ["withdraw_loss"]\n')
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.SUSPENDED)
    check = identity(desk, clerk, person, "withdraw_loss")
    with pytest.raises(SecondOperatorNeeded):
        withdraw_loss(desk, clerk, card.id or 0, card.version, check, chip_of(card, person))
    with pytest.raises(SecondOperatorNeeded, match="someone else"):
        withdraw_loss(desk, clerk, card.id or 0, card.version, check, chip_of(card, person), second_operator=clerk)
    result = withdraw_loss(desk, clerk, card.id or 0, card.version, check, chip_of(card, person),
                           second_operator=login(desk, "super1"))
    assert result.card_status is CardStatus.ACTIVE


def test_withdrawal_refuses_a_chip_with_the_same_number_but_another_identification_code(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    forged = chip_of(card, person, identification_code="110105D156000005FFFFFFFFFFFFFFFF")
    with pytest.raises(ChipDoesNotMatch) as refused:
        withdraw_loss(seeded, clerk, card.id or 0, card.version, identity(seeded, clerk, person, "withdraw_loss"),
                      forged)
    message = refused.value.message
    assert "110105D156000005FFFFFFFFFFFFFFFF" in message and (card.identification_code or "") in message
    assert message.count(card.card_number) == 1  # the number that matches is not shown as if it differed
    assert reload(seeded, card.id or 0).status == "suspended"


def test_withdrawal_refuses_the_reported_card_whose_chip_holds_another_gender(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    other = Gender.FEMALE if person.gender == "male" else Gender.MALE
    with pytest.raises(ChipDoesNotMatch, match=r"does not match the record \(Gender\)"):
        withdraw_loss(seeded, clerk, card.id or 0, card.version, identity(seeded, clerk, person, "withdraw_loss"),
                      chip_of(card, person, gender=other))
    assert reload(seeded, card.id or 0).status == "suspended"


def test_withdrawal_is_refused_once_a_reissue_was_applied_for(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    apply_for_lost_card(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    card = reload(seeded, card.id or 0)
    with pytest.raises(WithdrawalRefused, match="a new card has already been applied for"):
        withdraw_loss(seeded, clerk, card.id or 0, card.version, identity(seeded, clerk, person, "withdraw_loss"),
                      chip_of(card, person))
    assert reload(seeded, card.id or 0).status == "lost"


def test_withdrawal_only_at_the_reporting_outlet_when_the_rules_say_so(make_seeded: SeededFactory) -> None:
    from outlet_desk.db.tables import Outlet

    desk = make_seeded("\n[loss]\nwithdraw_same_outlet_only = true\n")
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.SUSPENDED)
    with Session(desk.engine) as s:  # the hotline report was taken by another outlet of the same database
        s.add(Outlet(code="OTHER1", name="Other outlet", division_code="310104"))
        s.flush()
        for report in s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).all():
            report.outlet_code = "OTHER1"
            s.add(report)
        s.commit()
    with pytest.raises(WithdrawalRefused, match="outlet"):
        withdraw_loss(desk, clerk, card.id or 0, card.version, identity(desk, clerk, person, "withdraw_loss"),
                      chip_of(card, person))


def test_stale_screen_is_told_the_record_changed_and_its_new_state(seeded: Desk) -> None:
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    shown_version = card.version  # both counters show the card at this version
    report_loss_counter(seeded, clerk1, card.id or 0, shown_version,
                        identity(seeded, clerk1, person, "report_loss_counter"))
    with pytest.raises(RecordChanged, match="now reported lost"):
        withdraw_loss(seeded, clerk2, card.id or 0, shown_version,
                      identity(seeded, clerk2, person, "withdraw_loss"), chip_of(card, person))
    assert reload(seeded, card.id or 0).status == "lost"
