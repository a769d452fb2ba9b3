from __future__ import annotations

import gettext
from collections.abc import Iterator

import pytest

from outlet_desk import i18n


class ShoutingTranslations(gettext.NullTranslations):
    """A stand-in catalogue that marks every translated message, to prove ``_`` ran at raise time."""

    def gettext(self, message: str) -> str:
        return "<<" + message + ">>"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Domain tests assert English messages, whatever language another test left behind."""
    previous = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.fixture
def shouting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_translations", ShoutingTranslations())
