from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from outlet_desk.domain.citizen_id import (
    CitizenId,
    Gender,
    InvalidCitizenId,
    citizen_id_problem_so_far,
    is_valid_citizen_id,
    mask_citizen_id,
    parse_citizen_id,
)
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.search_query import QueryKind, classify_query

TODAY = date(2026, 11, 25)
VALID = "11010519491231002X"  # Beijing Chaoyang, born 1949-12-31, female
REGIONS = ("110105", "310104", "440305", "510107")
BAD_BIRTH = "Citizen ID number has an impossible birth date (digits 7 to 14) or one in the future."
BAD_CHECK = "Citizen ID number check digit is wrong: X is expected as the last character."


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return with_check_digit(f"{region}{born:%Y%m%d}{sequence:03d}")


@st.composite
def numbers_ending_in_x(draw: st.DrawFn) -> str:
    """A valid number whose check digit is X: the first sequence from a drawn start that gives one."""
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    start = draw(st.integers(min_value=0, max_value=999))
    for offset in range(1000):
        number = with_check_digit(f"{region}{born:%Y%m%d}{(start + offset) % 1000:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check digit X")  # pragma: no cover


def place_of(first17: str) -> str:
    return parse_citizen_id(with_check_digit(first17), today=TODAY).birth_place()


def refusal(raw: str) -> InvalidCitizenId:
    with pytest.raises(InvalidCitizenId) as caught:
        parse_citizen_id(raw, today=TODAY)
    return caught.value


# --- a valid number and what it tells the clerk ---------------------------------------------------


def test_valid_number_gives_birth_date_gender_region_and_place() -> None:
    citizen = parse_citizen_id(VALID, today=TODAY)
    assert citizen == CitizenId(VALID, date(1949, 12, 31), Gender.FEMALE, "110105")
    assert citizen.birth_place() == "北京市朝阳区"


def test_spaces_lowercase_x_and_full_width_digits_are_accepted() -> None:
    assert parse_citizen_id(" 110105 19491231 002x ", today=TODAY).number == VALID
    assert parse_citizen_id("１１０１０５１９４９１２３１００２ｘ", today=TODAY).number == VALID
    assert parse_citizen_id("110105\u300019491231002X", today=TODAY).number == VALID


def test_district_created_after_birth_is_still_accepted_and_named() -> None:
    # Wuhou district (510107) dates from 1990; people born earlier were registered there later.
    number = with_check_digit("51010719800101001")
    citizen = parse_citizen_id(number, today=TODAY)
    assert citizen.gender is Gender.MALE
    assert citizen.birth_place() == "四川省武侯区"


def test_birth_place_uses_the_county_name_of_the_birth_year() -> None:
    assert place_of("44030519850101001") == "广东省南头区办事处"
    assert place_of("44030519950101001") == "广东省南山区"


def test_province_level_code_names_the_province_once() -> None:
    assert place_of("11000019800101001") == "北京市"


def test_birth_place_of_an_unknown_region_says_so() -> None:
    assert CitizenId("999999198001010010", date(1980, 1, 1), Gender.MALE, "999999").birth_place() == (
        "unknown region"
    )


# --- one test per refusal rule -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_empty_is_refused(raw: str) -> None:
    error = refusal(raw)
    assert error.rule == "empty"
    assert error.message == "Citizen ID number is empty: type the 18-character number."


def test_legacy_15_digit_number_asks_for_the_18_digit_number() -> None:
    error = refusal("110105491231002")
    assert error.rule == "legacy_15"
    assert "15 digits" in error.message
    assert "18-character number" in error.message


@pytest.mark.parametrize("raw", ["11010519491231002", "11010519491231002X1", "1101"])
def test_wrong_length_is_refused_with_the_count(raw: str) -> None:
    error = refusal(raw)
    assert error.rule == "length"
    assert error.message == f"Citizen ID number has {len(raw)} characters; it must have 18."


def test_letter_is_refused_with_its_position() -> None:
    error = refusal("1101051949123I002X")
    assert error.rule == "characters"
    assert error.message == "Citizen ID number has a character that is not allowed: 'I' at position 14."


def test_x_before_the_end_is_refused() -> None:
    error = refusal("11010519491231X021")
    assert error.rule == "characters"
    assert error.message == "Citizen ID number has an X at position 15; X can only be the 18th character."


def test_unicode_digits_that_are_not_ascii_are_refused() -> None:
    assert refusal("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X").rule == "characters"


def test_unknown_region_is_refused() -> None:
    error = refusal(with_check_digit("99999919800101001"))
    assert error.rule == "region"
    assert error.message == "Citizen ID number starts with an unknown region code 999999."


@pytest.mark.parametrize(
    "birth",
    ["19490230", "19491301", "18991231", "20261126"],
    ids=["feb30", "month13", "before1900", "future"],
)
def test_impossible_or_future_birth_date_is_refused(birth: str) -> None:
    error = refusal(with_check_digit(f"110105{birth}002"))
    assert error.rule == "birth_date"
    assert error.message == BAD_BIRTH


def test_born_today_is_accepted() -> None:
    assert parse_citizen_id(with_check_digit("11010520261125002"), today=TODAY).birth_date == TODAY


def test_wrong_check_digit_names_the_expected_digit() -> None:
    error = refusal("110105194912310021")
    assert error.rule == "check_digit"
    assert error.code == "invalid_citizen_id"
    assert error.message == BAD_CHECK
    assert str(error) == error.message
    assert isinstance(error, DomainError)


def test_refusal_message_is_translated_when_raised(shouting: None) -> None:
    assert refusal("").message == "<<Citizen ID number is empty: type the 18-character number.>>"


# --- properties -----------------------------------------------------------------------------------


@given(valid_numbers())
def test_any_valid_number_parses_and_agrees_with_itself(number: str) -> None:
    citizen = parse_citizen_id(number, today=TODAY)
    assert citizen.number == number
    assert citizen.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert citizen.gender is (Gender.MALE if int(number[16]) % 2 else Gender.FEMALE)
    assert citizen.region_code == number[:6]
    assert parse_citizen_id(number.lower(), today=TODAY) == citizen
    assert citizen_id_problem_so_far(number, today=TODAY) is None
    assert classify_query(number) is QueryKind.CITIZEN_NUMBER


@given(numbers_ending_in_x())
def test_lowercase_x_is_accepted_and_upper_cased(number: str) -> None:
    citizen = parse_citizen_id(number[:-1] + "x", today=TODAY)
    assert citizen.number == number
    assert citizen_id_problem_so_far(number[:-1] + "x", today=TODAY) is None


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_is_refused(number: str, position: int, new: str) -> None:
    assume(number[position] != new)
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(InvalidCitizenId):
        parse_citizen_id(changed, today=TODAY)


@given(st.text())
def test_random_text_raises_nothing_but_invalid_citizen_id(text: str) -> None:
    try:
        parse_citizen_id(text, today=TODAY)
    except InvalidCitizenId as error:
        assert error.message
    citizen_id_problem_so_far(text, today=TODAY)
    classify_query(text)
    mask_citizen_id(text)


@given(st.text(alphabet=string.digits + "Xx ", max_size=20))
def test_random_digit_strings_raise_nothing_but_invalid_citizen_id(text: str) -> None:
    try:
        parse_citizen_id(text, today=TODAY)
    except InvalidCitizenId as error:
        assert error.message


@given(valid_numbers(), st.integers(min_value=0, max_value=18))
def test_no_feedback_while_typing_a_valid_number(number: str, typed: int) -> None:
    assert citizen_id_problem_so_far(number[:typed], today=TODAY) is None


# --- as-you-type feedback ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partial", "expected"),
    [
        ("1101a", "Citizen ID number has a character that is not allowed: 'a' at position 5."),
        ("1101X", "Citizen ID number has an X at position 5; X can only be the 18th character."),
        ("119999", "Citizen ID number starts with an unknown region code 119999."),
        ("1101053000", BAD_BIRTH),
        ("110105194913", BAD_BIRTH),
        ("11010519490230", BAD_BIRTH),
        ("110105194912310021", BAD_CHECK),
        ("11010519491231002X1", "Citizen ID number has 19 characters; it must have 18."),
    ],
)
def test_feedback_as_soon_as_the_number_cannot_become_valid(partial: str, expected: str) -> None:
    assert citizen_id_problem_so_far(partial, today=TODAY) == expected


@pytest.mark.parametrize("partial", ["", "1", "110105", "1101051949", "110105194912", "110105194912310"])
def test_no_feedback_while_the_number_can_still_become_valid(partial: str) -> None:
    assert citizen_id_problem_so_far(partial, today=TODAY) is None


# --- masking and search classification ------------------------------------------------------------


def test_feedback_on_a_typed_legacy_number_asks_for_the_18_digit_number() -> None:
    message = citizen_id_problem_so_far("110105491231002", today=TODAY)
    assert message is not None
    assert "15 digits" in message


def test_mask_shows_the_region_code_and_stars_the_rest() -> None:
    assert mask_citizen_id(VALID) == "110105************"
    assert mask_citizen_id("11010519491231002x") == "110105************"


@pytest.mark.parametrize("short", ["", "123", "1101051949"])
def test_mask_hides_short_input_completely(short: str) -> None:
    assert mask_citizen_id(short) == "*" * len(short)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID, True),
        (VALID.lower(), True),
        ("110105491231002", True),
        ("A12345678", False),
        ("张三", False),
        ("Zhang San", False),
        ("1101051949123100", True),
        ("11010519491231002", True),
        ("1101051949123100211", True),
        ("11010519491231002A", True),
        ("110105 19491231 002x", True),
    ],
)
def test_looks_like_citizen_id(text: str, expected: bool) -> None:
    assert (classify_query(text) is QueryKind.CITIZEN_NUMBER) is expected


def test_is_valid_citizen_id() -> None:
    assert is_valid_citizen_id(VALID, today=TODAY)
    assert not is_valid_citizen_id("110105194912310021", today=TODAY)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11010519491231002", "Citizen ID number has 17 characters; it must have 18."),
        ("1101051949123100211", "Citizen ID number has 19 characters; it must have 18."),
        ("11010519491231002A", "Citizen ID number has a character that is not allowed: 'A' at position 18."),
        ("1", "Citizen ID number has 1 character; it must have 18."),
    ],
)
def test_a_mistyped_number_in_the_search_box_is_treated_as_a_number(typed: str, message: str) -> None:
    """17 or 19 digits, or a letter other than X at the end, is a citizen number typed wrong, not a name:
    the search refuses it with the rule it breaks."""
    assert classify_query(typed) is QueryKind.CITIZEN_NUMBER
    with pytest.raises(InvalidCitizenId) as refused:
        parse_citizen_id(typed, today=TODAY)
    assert refused.value.message == message
