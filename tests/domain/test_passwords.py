from __future__ import annotations

import pytest

from outlet_desk.domain.passwords import WeakPassword, check_password_policy


def test_eleven_characters_are_refused_with_the_minimum() -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password_policy("a" * 11)
    assert caught.value.code == "weak_password"
    assert caught.value.message == "The password is too short: it needs at least 12 characters."


@pytest.mark.parametrize("password", ["a" * 12, "correct horse battery", "社会保障卡服务网点柜台密码"])
def test_twelve_characters_or_more_are_accepted(password: str) -> None:
    check_password_policy(password)


def test_empty_password_is_refused() -> None:
    with pytest.raises(WeakPassword):
        check_password_policy("")
