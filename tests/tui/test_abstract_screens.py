"""The base screens' hooks are abstract the way Python means it: a screen that leaves one out is refused when
it is made, naming the hook, instead of failing on the clerk's screen the first time the hook is called."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest
from textual.widget import Widget

from outlet_desk.screens.across_report import AcrossReportScreen, AcrossView
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.supervision_base import SupervisorScreen


def test_a_desk_screen_without_its_body_is_refused_when_made() -> None:
    class Bodiless(DeskScreen):
        TITLE_MSGID = "Bodiless"

    with pytest.raises(TypeError, match="compose_body"):
        Bodiless()


def test_a_supervisor_screen_without_its_body_is_refused_when_made() -> None:
    class Bodiless(SupervisorScreen):
        pass

    with pytest.raises(TypeError, match="compose_body"):
        Bodiless.__new__(Bodiless)


def test_a_report_across_outlets_must_say_how_it_is_made_and_shown() -> None:
    class Unshown(AcrossReportScreen[int]):
        def make(self, day: date) -> int:
            return day.day

    with pytest.raises(TypeError, match="view"):
        Unshown.__new__(Unshown)

    class Shown(Unshown):
        def view(self, report: int) -> AcrossView:
            raise AssertionError("not called here")

    assert Shown.__abstractmethods__ == frozenset()


def test_a_screen_with_its_body_is_made() -> None:
    class WithBody(DeskScreen):
        def compose_body(self) -> Iterable[Widget]:
            return ()

    assert isinstance(WithBody(), DeskScreen)
