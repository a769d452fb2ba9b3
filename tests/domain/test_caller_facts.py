"""A hotline caller's one fact on file: the phone number, or the end of the address. A district alone
identifies nobody, and a refusal never repeats what is on file."""

from __future__ import annotations

import pytest

from outlet_desk.domain.caller_facts import CallerFactRefused, check_caller_fact, phone_digits

PHONE = "13812345678"
ADDRESS = "北京市朝阳区建国路88号院3号楼1205室"


@pytest.mark.parametrize("given", [
    "13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "0086-13812345678",
    "１３８１２３４５６７８",  # full-width digits from a Chinese input method
])
def test_the_phone_number_matches_whatever_its_spacing_or_country_prefix(given: str) -> None:
    assert check_caller_fact(given, PHONE, ADDRESS) == "phone"


def test_a_phone_prefix_on_file_is_ignored_too() -> None:
    assert phone_digits("+86 138-1234-5678") == PHONE
    assert check_caller_fact(PHONE, "+86 138 1234 5678", ADDRESS) == "phone"


@pytest.mark.parametrize("given", ["13812345679", "1381234567", "8613812345678", "5678"])
def test_another_number_is_refused_and_the_refusal_names_the_phone(given: str) -> None:
    with pytest.raises(CallerFactRefused) as refused:
        check_caller_fact(given, PHONE, ADDRESS)
    assert refused.value.fact == "phone"
    assert "phone number does not match" in refused.value.message
    assert PHONE not in refused.value.message and "5678" not in refused.value.message


def test_no_phone_on_file_matches_no_number() -> None:
    with pytest.raises(CallerFactRefused):
        check_caller_fact(PHONE, "", ADDRESS)


@pytest.mark.parametrize("given", [
    ADDRESS, "建国路88号院3号楼1205室", "3号楼1205室", "3号楼 1205 室", "朝阳 建国路 88号院 3号楼1205室",
])
def test_the_address_matches_when_it_ends_like_the_one_on_file(given: str) -> None:
    assert check_caller_fact(given, PHONE, ADDRESS) == "address"


def test_the_district_alone_is_refused_though_it_is_part_of_the_address() -> None:
    """'北京市朝' is found in the address of everybody in the district: it identifies nobody."""
    for given in ("北京市朝", "北京市朝阳区", "北京市朝阳区建国路"):
        with pytest.raises(CallerFactRefused) as refused:
            check_caller_fact(given, PHONE, ADDRESS)
        assert refused.value.fact == "address"
        assert "1205" not in refused.value.message and "建国路" not in refused.value.message


def test_too_short_an_address_is_refused_as_too_short() -> None:
    with pytest.raises(CallerFactRefused, match="too short"):
        check_caller_fact("1205室", PHONE, ADDRESS)


def test_another_room_in_the_same_building_is_refused() -> None:
    with pytest.raises(CallerFactRefused, match="address does not match"):
        check_caller_fact("建国路88号院3号楼1206室", PHONE, ADDRESS)


def test_no_address_on_file_matches_no_words() -> None:
    with pytest.raises(CallerFactRefused, match="address does not match"):
        check_caller_fact("建国路88号院3号楼1205室", PHONE, "")
