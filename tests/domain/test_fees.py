from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outlet_desk.domain.fees import (
    AmountInvalid,
    Fee,
    FeeNotConfigured,
    ReissueReason,
    expiry_exchange_allowed,
    format_yuan,
    parse_yuan,
    reissue_fee,
)

R = ReissueReason
FEES = {R.LOST: 2000, R.DAMAGED: 2000, R.INFO_CHANGE: 2000}
FREE = {R.EXPIRED}


def test_lost_card_costs_twenty_yuan() -> None:
    fee = reissue_fee(R.LOST, FEES, FREE)
    assert fee == Fee(amount_fen=2000, free=False, reason=R.LOST)
    assert format_yuan(fee.amount_fen) == "20.00"


def test_expired_card_is_exchanged_free_even_if_a_fee_is_set() -> None:
    assert reissue_fee(R.EXPIRED, {R.EXPIRED: 2000}, FREE) == Fee(0, True, R.EXPIRED)


def test_fee_configured_as_zero_is_free() -> None:
    assert reissue_fee(R.DAMAGED, {R.DAMAGED: 0}, ()).free


def test_missing_fee_is_refused_with_a_message_naming_the_reason() -> None:
    with pytest.raises(FeeNotConfigured) as caught:
        reissue_fee(R.DAMAGED, {R.LOST: 2000}, ())
    assert caught.value.code == "fee_not_configured"
    assert caught.value.message == (
        "No reissue fee is set for the reason 'card damaged'; ask the administrator to set one."
    )


def test_a_fee_cannot_be_negative_or_free_with_an_amount() -> None:
    with pytest.raises(ValueError):
        Fee(-1, False, R.LOST)
    with pytest.raises(ValueError):
        reissue_fee(R.LOST, {R.LOST: -2000}, ())
    with pytest.raises(ValueError):
        Fee(2000, True, R.LOST)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (2000, "20.00"),
        (1850, "18.50"),
        (5, "0.05"),
        (0, "0.00"),
        (-5, "-0.05"),
        (-2500, "-25.00"),
        (123456, "1234.56"),
    ],
)
def test_format_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_format_yuan_round_trips(fen: int) -> None:
    assert round(float(format_yuan(fen)) * 100) == fen


@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (date(2026, 3, 2), False),  # 61 days before
        (date(2026, 3, 3), True),  # exactly 60 days before
        (date(2026, 5, 2), True),  # the expiry date
        (date(2027, 1, 1), True),  # long expired
    ],
)
def test_expiry_exchange_opens_sixty_days_before(today: date, allowed: bool) -> None:
    assert expiry_exchange_allowed(date(2026, 5, 2), today) is allowed


def test_expiry_exchange_window_is_a_setting() -> None:
    assert expiry_exchange_allowed(date(2026, 5, 2), date(2026, 4, 2), days_before=30)
    assert not expiry_exchange_allowed(date(2026, 5, 2), date(2026, 4, 1), days_before=30)
    with pytest.raises(ValueError):
        expiry_exchange_allowed(date(2026, 5, 2), date(2026, 4, 1), days_before=-1)


@pytest.mark.parametrize(("typed", "fen"), [("20", 2000), ("20.5", 2050), ("20.50", 2050), (" 1,200.00 ", 120000),
                                            ("0", 0), ("0.07", 7), ("20.", 2000),
                                            ("２０．５０", 2050)])
def test_amounts_typed_in_yuan_become_fen(typed: str, fen: int) -> None:
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["", "-5", "1e3", "20.505", "nan", "twenty", ".5", "+20", "20 yuan", "20,5",
                                   "²", "٢٠"])
def test_anything_but_a_plain_amount_is_refused_with_how_to_write_it(typed: str) -> None:
    with pytest.raises(AmountInvalid, match=r"write it like 120\.50"):
        parse_yuan(typed)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_shown_amount_reads_back_as_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("status", "expires", "reason"), [
    ("lost", date(2036, 1, 1), "lost"),
    ("damaged", date(2036, 1, 1), "damaged"),
    ("active", date(2026, 12, 31), "expired"),  # inside the exchange window: free
    ("active", date(2025, 1, 1), "expired"),  # past its expiry date
    ("suspended", date(2026, 12, 31), "expired"),
    ("active", date(2034, 5, 1), "damaged"),  # years before expiry: "expired" would only be refused
    ("active", None, "damaged"),
])
def test_a_reissue_starts_with_the_reason_the_rule_allows(status: str, expires: date | None, reason: str) -> None:
    from outlet_desk.domain.card_lifecycle import CardStatus
    from outlet_desk.domain.fees import ReissueReason, default_reissue_reason

    assert default_reissue_reason(CardStatus(status), expires, TODAY, days_before=60) is ReissueReason(reason)
