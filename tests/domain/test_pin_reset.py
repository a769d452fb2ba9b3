"""Which card's PIN may be reset at the counter, and how often."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.pin import PinRefused, check_chosen_pin
from outlet_desk.domain.pin_reset import (
    PinResetRefused,
    check_pin_reset_limit,
    check_pin_resettable,
    period_start,
    pin_resettable,
)


def test_only_an_active_cards_pin_is_reset() -> None:
    assert {s for s in CardStatus if pin_resettable(s)} == {CardStatus.ACTIVE}
    with pytest.raises(PinResetRefused, match="temporarily reported lost"):
        check_pin_resettable(CardStatus.SUSPENDED)


def test_the_limit_refuses_the_reset_that_would_pass_it() -> None:
    check_pin_reset_limit(2, 3, 30)
    with pytest.raises(PinResetRefused, match="already reset 3 times in the last 30 days; the limit is 3"):
        check_pin_reset_limit(3, 3, 30)


def test_the_period_is_the_last_days_up_to_now() -> None:
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert period_start(now, 30) == now - timedelta(days=30)


@pytest.mark.parametrize(("new", "again", "rule"), [("80241", "80241", "length"), ("80241a", "80241a", "length"),
                                                    ("802417", "802418", "differ"), ("123456", "123456", "initial")])
def test_a_new_pin_at_a_reset_obeys_the_pin_rules(new: str, again: str, rule: str) -> None:
    with pytest.raises(PinRefused) as refused:
        check_chosen_pin(new, again)
    assert refused.value.rule == rule
