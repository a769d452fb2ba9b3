"""The pure rules of a cancellation (which cards go, what proves it), of the fee paid back, and of a change of
personal data."""

from __future__ import annotations

from datetime import date

import pytest

from outlet_desk.domain.cancellation import CancellationRefused, CancelReason, cards_to_cancel, checked_document
from outlet_desk.domain.card_lifecycle import CardStatus as S
from outlet_desk.domain.fees import refund_due
from outlet_desk.domain.personal_change import PersonalChangeRefused, PersonalData, checked_change

CARDS = {1: S.REPLACED, 2: S.ACTIVE, 3: S.READY, 4: S.SPOILED}


def test_a_death_or_an_emigration_ends_every_card_not_yet_over() -> None:
    assert cards_to_cancel(CancelReason.DEATH, CARDS, None) == [2, 3]
    with pytest.raises(CancellationRefused, match="no card that can still be cancelled"):
        cards_to_cancel(CancelReason.EMIGRATION, {1: S.REPLACED}, None)


def test_a_duplicate_ends_every_other_card_but_the_one_on_its_way_for_the_kept_card() -> None:
    assert cards_to_cancel(CancelReason.DUPLICATE, CARDS, keep=3) == [2]
    with pytest.raises(CancellationRefused, match="no other card"):
        cards_to_cancel(CancelReason.DUPLICATE, CARDS, keep=2, exchanged_for_keep=[3])
    with pytest.raises(CancellationRefused, match="Choose the card that stays"):
        cards_to_cancel(CancelReason.DUPLICATE, CARDS, keep=1)


def test_a_death_is_reported_by_a_relative_with_the_certificate() -> None:
    assert checked_document(CancelReason.DEATH, "proxy", " DC-1 ") == "DC-1"
    with pytest.raises(CancellationRefused, match="relative"):
        checked_document(CancelReason.DEATH, "holder", "DC-1")
    assert checked_document(CancelReason.DUPLICATE, "holder", "") == ""


def test_a_fee_is_paid_back_only_while_no_card_was_made_for_it() -> None:
    assert refund_due(2000, card_made=False) == 2000
    assert refund_due(2000, card_made=True) == 0
    with pytest.raises(ValueError):
        refund_due(-1, card_made=False)


NOW = PersonalData("张三", "01", "11010519491231002X")


def test_a_change_names_what_changed_and_a_corrected_number_needs_its_document() -> None:
    change = checked_change(NOW, PersonalData(" 张山 ", "01", NOW.citizen_number), "", date(2026, 12, 1))
    assert change.changed(NOW) == ["name"] and change.data.name == "张山"
    with pytest.raises(PersonalChangeRefused, match="needs the document"):
        checked_change(NOW, PersonalData("张三", "01", "110105194912310011"), "", date(2026, 12, 1))
    corrected = checked_change(NOW, PersonalData("张三", "01", "110105194912310011"), "D-1", date(2026, 12, 1))
    assert corrected.number.gender.value == "male"
