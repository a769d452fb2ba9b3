from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outlet_desk.domain.card_numbers import (
    InvalidCardNumber,
    InvalidIdentificationCode,
    issuing_region,
    looks_like_card_number,
    validate_card_number,
    validate_identification_code,
)

CODE = "110100D15600000500A1B2C3D4E5F601"


def test_card_number_is_upper_cased_and_spaces_removed() -> None:
    assert validate_card_number(" a1234 5678 ") == "A12345678"


@pytest.mark.parametrize(
    ("raw", "rule", "message"),
    [
        ("", "empty", "Card number is empty: type the 9 characters printed on the card."),
        ("A1234567", "length", "Card number has 8 characters; it must have 9."),
        ("A123456789", "length", "Card number has 10 characters; it must have 9."),
        ("123456789", "format", "Card number must be one letter followed by 8 digits, like A12345678."),
        ("AB2345678", "format", "Card number must be one letter followed by 8 digits, like A12345678."),
        ("Ａ12345678", "format", "Card number must be one letter followed by 8 digits, like A12345678."),
    ],
)
def test_card_number_refusals(raw: str, rule: str, message: str) -> None:
    with pytest.raises(InvalidCardNumber) as caught:
        validate_card_number(raw)
    assert caught.value.rule == rule
    assert caught.value.code == "invalid_card_number"
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A12345678", True),
        ("a12345678", True),
        ("11010519491231002X", False),
        ("张三", False),
        ("A1234567", False),
    ],
)
def test_looks_like_card_number(text: str, expected: bool) -> None:
    assert looks_like_card_number(text) is expected


def test_identification_code_is_upper_cased_and_gives_the_region() -> None:
    assert validate_identification_code(CODE.lower()) == CODE
    assert issuing_region(CODE) == "110100"


@pytest.mark.parametrize(
    ("raw", "rule", "message"),
    [
        ("", "empty", "Card identification code is empty."),
        (CODE[:-1], "length", "Card identification code has 31 characters; it must have 32."),
        (
            CODE[:-1] + "G",
            "characters",
            "Card identification code may contain only the hex characters 0-9 and A-F.",
        ),
        (
            "A" + CODE[1:],
            "region",
            "Card identification code must start with the 6-digit issuing region code, not A10100.",
        ),
        (
            CODE[:6] + "D156000006" + CODE[16:],
            "application_mark",
            "Card identification code must have D156000005 as characters 7 to 16, not D156000006.",
        ),
    ],
)
def test_identification_code_refusals(raw: str, rule: str, message: str) -> None:
    with pytest.raises(InvalidIdentificationCode) as caught:
        validate_identification_code(raw)
    assert caught.value.rule == rule
    assert caught.value.message == message


@given(st.text())
def test_random_text_raises_only_domain_refusals(text: str) -> None:
    try:
        valid = bool(validate_card_number(text))
    except InvalidCardNumber:
        valid = False
    assert looks_like_card_number(text) is valid
    with contextlib.suppress(InvalidIdentificationCode):
        validate_identification_code(text)
