from __future__ import annotations

import pytest

from outlet_desk.domain.pin import INITIAL_PIN, PIN_LENGTH, PinRefused, check_new_pin


def test_a_new_pin_of_six_digits_typed_twice_and_not_the_initial_one_is_accepted() -> None:
    check_new_pin(INITIAL_PIN, "802417", "802417")


@pytest.mark.parametrize(("old", "new", "again", "rule"), [
    ("12345", "802417", "802417", "length"),
    (INITIAL_PIN, "80241", "80241", "length"),
    (INITIAL_PIN, "8024171", "8024171", "length"),
    (INITIAL_PIN, "80241a", "80241a", "length"),
    (INITIAL_PIN, "802417", "802418", "differ"),
    (INITIAL_PIN, INITIAL_PIN, INITIAL_PIN, "initial"),
    ("802417", INITIAL_PIN, INITIAL_PIN, "initial"),
])
def test_each_pin_rule_refuses_with_its_name(old: str, new: str, again: str, rule: str) -> None:
    with pytest.raises(PinRefused) as refused:
        check_new_pin(old, new, again)
    assert refused.value.rule == rule


def test_the_length_refusal_names_the_digits() -> None:
    with pytest.raises(PinRefused, match=f"{PIN_LENGTH} digits"):
        check_new_pin("1", "2", "2")
