"""Screens and widgets tell the desk app from a bare Textual app without touching its store."""

from __future__ import annotations

from textual.app import App

from outlet_desk.app import DeskApp, OpenedDesk
from outlet_desk.widgets.shell import in_desk_app


def _never_opened() -> OpenedDesk:
    raise AssertionError("the store is not opened in this test")


def test_the_desk_app_is_known_before_its_store_is_open() -> None:
    app = DeskApp(None, opener=_never_opened)
    assert not app.desk_is_open
    assert in_desk_app(app)  # reading app.desk here would raise "the desk's store is not open yet"


def test_a_bare_textual_app_is_not_the_desk_app() -> None:
    assert not in_desk_app(App())
