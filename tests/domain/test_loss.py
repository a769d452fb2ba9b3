from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.loss import WithdrawalRefused, check_withdrawal, has_lapsed, lapse_at, reported_card_mismatch

SHANGHAI = timezone(timedelta(hours=8))
REPORTED = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)


def test_temporary_loss_lapses_after_the_set_days_to_the_second() -> None:
    assert lapse_at(REPORTED, 7) == datetime(2026, 12, 2, 9, 30, tzinfo=SHANGHAI)


def test_lapse_boundaries() -> None:
    lapses = lapse_at(REPORTED, 7)
    assert not has_lapsed(lapses, lapses - timedelta(microseconds=1))
    assert has_lapsed(lapses, lapses)
    assert has_lapsed(lapses, lapses + timedelta(seconds=1))


def test_lapse_compares_instants_across_timezones() -> None:
    lapses = lapse_at(REPORTED, 7)
    assert has_lapsed(lapses, datetime(2026, 12, 2, 1, 30, tzinfo=UTC))
    assert not has_lapsed(lapses, datetime(2026, 12, 2, 1, 29, 59, tzinfo=UTC))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        lapse_at(datetime(2026, 11, 25, 9, 30), 7)
    with pytest.raises(ValueError, match="timezone-aware"):
        has_lapsed(lapse_at(REPORTED, 7), datetime(2026, 12, 3))
    with pytest.raises(ValueError, match="timezone-aware"):
        has_lapsed(datetime(2026, 12, 3), datetime(2026, 12, 3, tzinfo=UTC))


def test_temporary_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        lapse_at(REPORTED, 0)


@pytest.mark.parametrize("status", [CardStatus.SUSPENDED, CardStatus.LOST])
def test_found_card_can_be_withdrawn_at_any_outlet_by_default(status: CardStatus) -> None:
    check_withdrawal(
        status, reissue_applied=False, report_outlet="BJ01", this_outlet="BJ02", same_outlet_only=False
    )


def test_withdrawal_at_the_reporting_outlet_when_required() -> None:
    check_withdrawal(CardStatus.LOST, False, report_outlet="BJ01", this_outlet="BJ01", same_outlet_only=True)


def withdrawal_refusal(
    status: CardStatus = CardStatus.LOST,
    reissue_applied: bool = False,
    this_outlet: str = "BJ01",
    same_outlet_only: bool = False,
) -> WithdrawalRefused:
    with pytest.raises(WithdrawalRefused) as caught:
        check_withdrawal(status, reissue_applied, "BJ01", this_outlet, same_outlet_only)
    assert caught.value.code == "withdrawal_refused"
    return caught.value


def test_withdrawal_refused_once_a_reissue_was_applied_for() -> None:
    error = withdrawal_refusal(reissue_applied=True)
    assert error.rule == "reissue_applied"
    assert error.message == (
        "The loss report cannot be withdrawn: a new card has already been applied for. "
        "The old card stays reported lost."
    )


def test_withdrawal_refused_at_another_outlet_when_the_region_requires_it() -> None:
    error = withdrawal_refusal(this_outlet="BJ02", same_outlet_only=True)
    assert error.rule == "other_outlet"
    assert error.message == (
        "The loss report cannot be withdrawn here: it can only be withdrawn at outlet BJ01, "
        "which took the report."
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (CardStatus.ACTIVE, "active"),
        (CardStatus.REPLACED, "replaced"),
        (CardStatus.READY, "ready for collection"),
    ],
)
def test_withdrawal_refused_for_a_card_not_reported_lost_names_its_status(
    status: CardStatus, words: str
) -> None:
    error = withdrawal_refusal(status=status)
    assert error.rule == "status"
    assert error.message == f"The loss report cannot be withdrawn: the card is {words}, not reported lost."


def test_status_is_checked_before_the_reissue() -> None:
    assert withdrawal_refusal(status=CardStatus.REPLACED, reissue_applied=True).rule == "status"


def test_the_chip_is_the_reported_card_only_with_its_number_and_its_identification_code() -> None:
    assert reported_card_mismatch("A1", "CODE", "A1", "CODE") is None
    assert reported_card_mismatch("A2", "CODE", "A1", "CODE") == "card_number"
    assert reported_card_mismatch("A2", "OTHER", "A1", "CODE") == "card_number"
    assert reported_card_mismatch("A1", "OTHER", "A1", "CODE") == "identification_code"
    assert reported_card_mismatch("A1", "", "A1", None) is None
    assert reported_card_mismatch("A1", "CODE", "A1", None) == "identification_code"
