"""The search box's one input: only text that looks like a name is searched as a name; a citizen number typed
wrong (15 to 20 characters of mostly digits, a letter in the middle or two, full-width digits) is refused by
the rule it breaks, as a wrong check digit is."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from outlet_desk.domain.card_numbers import InvalidCardNumber, validate_card_number
from outlet_desk.domain.citizen_id import InvalidCitizenId, normalise_citizen_id, parse_citizen_id
from outlet_desk.domain.search_query import (
    QueryKind,
    classify_query,
    is_exact_number,
    query_problem_so_far,
    ready_to_search,
)

TODAY = date(2026, 12, 4)
VALID = "11010519491231002X"
LETTERS = string.ascii_letters


@st.composite
def mistyped_citizen_numbers(draw: st.DrawFn) -> str:
    """15 to 20 characters, mostly digits, with one to three letters anywhere but where a lone final X is
    right: what a slip of the finger on an 18-character number gives."""
    length = draw(st.integers(min_value=15, max_value=20))
    chars = list(draw(st.text(alphabet=string.digits, min_size=length, max_size=length)))
    letters = draw(st.integers(min_value=1, max_value=3))
    positions = draw(st.lists(st.integers(min_value=0, max_value=length - 1), min_size=letters,
                              max_size=letters, unique=True))
    for position in positions:
        chars[position] = draw(st.sampled_from(LETTERS))
    number = "".join(chars)
    assume(not (len(positions) == 1 and positions[0] == length - 1 and number[-1] in "Xx"))
    return number


@given(mistyped_citizen_numbers())
def test_a_mistyped_citizen_number_is_refused_by_the_rule_it_breaks(typed: str) -> None:
    assert classify_query(typed) is QueryKind.CITIZEN_NUMBER
    with pytest.raises(InvalidCitizenId) as refused:
        parse_citizen_id(typed, today=TODAY)
    assert refused.value.rule in ("characters", "length")
    assert refused.value.message
    assert query_problem_so_far(typed, TODAY) is not None  # the search box says so as it is typed


@given(st.text(alphabet=string.digits + LETTERS + "Xx０１２３４５６７８９ 王张·", min_size=1, max_size=24))
def test_only_text_without_digits_is_searched_as_a_name(text: str) -> None:
    has_digit = any(char.isdigit() for char in normalise_citizen_id(text))
    assert (classify_query(text) is QueryKind.NAME) is (not has_digit)


@given(st.text(alphabet=string.digits + LETTERS, min_size=1, max_size=24))
def test_every_number_shaped_query_is_valid_or_refused_with_a_rule(text: str) -> None:
    kind = classify_query(text)
    try:
        if kind is QueryKind.CITIZEN_NUMBER:
            parse_citizen_id(text, today=TODAY)
        elif kind is QueryKind.CARD_NUMBER:
            validate_card_number(text)
    except (InvalidCitizenId, InvalidCardNumber) as refused:
        assert refused.rule and refused.message


@pytest.mark.parametrize(
    ("typed", "rule", "message"),
    [
        ("1101051949A231002X", "characters",
         "Citizen ID number has a character that is not allowed: 'A' at position 11."),
        ("11010519491231002XX", "length", "Citizen ID number has 19 characters; it must have 18."),
        ("1101051949X2310021", "characters",
         "Citizen ID number has an X at position 11; X can only be the 18th character."),
        ("AB0105194912310021", "characters",
         "Citizen ID number has a character that is not allowed: 'A' at position 1."),
        ("1101051949123100２1", "check_digit", None),  # a full-width digit reads as a digit
        ("11010519491231002", "length", "Citizen ID number has 17 characters; it must have 18."),
        ("110105194912310021234", "length", "Citizen ID number has 21 characters; it must have 18."),
    ],
)
def test_examples_of_mistyped_citizen_numbers(typed: str, rule: str, message: str | None) -> None:
    assert classify_query(typed) is QueryKind.CITIZEN_NUMBER
    with pytest.raises(InvalidCitizenId) as refused:
        parse_citizen_id(typed, today=TODAY)
    assert refused.value.rule == rule
    if message is not None:
        assert refused.value.message == message


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        (VALID, QueryKind.CITIZEN_NUMBER),
        ("110105 19491231 002x", QueryKind.CITIZEN_NUMBER),
        ("A12345678", QueryKind.CARD_NUMBER),
        ("a1234567", QueryKind.CARD_NUMBER),  # a digit short: the card number's length rule
        ("AB12345678", QueryKind.CARD_NUMBER),  # a second letter: the card number's format rule
        ("王", QueryKind.NAME),
        ("Zhang San", QueryKind.NAME),
        ("买买提·艾力", QueryKind.NAME),
        ("王2", QueryKind.CITIZEN_NUMBER),
    ],
)
def test_the_kind_of_a_query(typed: str, kind: QueryKind) -> None:
    assert classify_query(typed) is kind


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1101", None),
        ("1101A", "Citizen ID number has a character that is not allowed: 'A' at position 5."),
        ("A1234", None),
        ("A123456789", "Card number has 10 characters; it must have 9."),
        ("AB1", "Card number must be one letter followed by 8 digits, like A12345678."),
        ("王", None),
    ],
)
def test_the_search_box_says_what_is_wrong_as_it_is_typed(typed: str, problem: str | None) -> None:
    assert query_problem_so_far(typed, TODAY) == problem


@pytest.mark.parametrize(
    ("typed", "ready"),
    [("王", True), ("Z", False), ("Zh", True), ("1101051949", False), (VALID, True), ("A1234", False),
     ("A12345678", True), ("", False)],
)
def test_the_search_box_searches_as_it_is_typed_once_a_number_is_whole(typed: str, ready: bool) -> None:
    assert ready_to_search(typed) is ready


def test_a_citizen_number_typed_with_full_width_digits_is_found_as_typed_in_ascii() -> None:
    full_width = VALID[:-2].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + VALID[-2:]
    assert classify_query(full_width) is QueryKind.CITIZEN_NUMBER
    assert parse_citizen_id(full_width, today=TODAY).number == VALID


def test_an_exact_number_puts_the_cursor_on_its_holder() -> None:
    assert is_exact_number(VALID) and is_exact_number("A12345678")
    assert not is_exact_number("王") and not is_exact_number("  ")
