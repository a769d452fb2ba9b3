from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outlet_desk.domain.names import names_match, normalise_name


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        ("张 三", "张三"),
        ("张\u3000三", "张三"),
        (" 张三\t", "张三"),
        ("ＺＨＡＮＧ　Ｓａｎ", "zhang san"),
        ("John SMITH", "john smith"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("买买提‧艾力", "买买提·艾力"),
        ("买买提･艾力", "买买提·艾力"),
    ],
)
def test_names_that_are_the_same_for_a_clerk_match(typed: str, recorded: str) -> None:
    assert names_match(typed, recorded)


@pytest.mark.parametrize(
    ("a", "b"),
    [("张三", "张山"), ("张三", "张三丰"), ("", ""), ("  ", "\u3000"), ("买买提艾力", "买买提·艾力")],
)
def test_different_or_empty_names_do_not_match(a: str, b: str) -> None:
    assert not names_match(a, b)


def test_normalised_form_uses_one_middle_dot_and_no_spaces() -> None:
    assert normalise_name(" 阿依古丽 ・ 买买提 ") == "阿依古丽·买买提"
    assert normalise_name("ＡＢＣ ｄｅｆ") == "abcdef"


@given(st.text())
def test_normalising_is_idempotent_and_matching_symmetric(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert names_match(text, once) == bool(once)


def test_letter_and_separate_diaeresis_compare_as_one_letter() -> None:
    assert names_match("U ¨ller", "üller")
