"""The audit viewer on screen, in both languages: reached from the supervisor's home, it filters a day's events
by action, pages to older events, shows the selected event's values in words with its seal and receipt, shows
text from the events as data (never markup), and exports the filtered events as private CSV and JSON files."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from benchmarks.activity import Activity, desk_for, drive_days
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.i18n import Language, set_language
from outlet_desk.screens.audit_trail import AuditTrailScreen
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.services.uow import UnitOfWork
from outlet_desk.widgets.plain import DataTable, Static
from tests.services.builders import login
from tests.tui.conftest import settle, type_text
from tests.tui.test_supervisor import Host

DAY = date(2026, 10, 1)
MARKUP = "[bold red]not markup[/]"


@pytest.fixture
def act(tmp_path: Path) -> Iterator[Activity]:
    set_language("en")
    desk = desk_for(f"sqlite:///{tmp_path}/outlet.db", tmp_path)
    activity = drive_days(desk, DAY, 1)
    with UnitOfWork(desk, activity.actors["super1"]) as uow:  # an event whose text looks like markup
        uow.audit(AuditAction.CASH_UP, "cash_up", 1, after={"reason": MARKUP})
        uow.commit()
    yield activity
    desk.engine.dispose()


def _text(screen: AuditTrailScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _filter_day(pilot, screen: AuditTrailScreen, action: AuditAction | None = None) -> None:  # type: ignore[no-untyped-def]
    for field in ("#first-day", "#last-day"):
        screen.query_one(field, Input).value = ""
    screen.query_one("#first-day", Input).focus()
    await type_text(pilot, DAY.isoformat())
    if action is None:
        screen.query_one("#action", Select).clear()
    else:
        screen.query_one("#action", Select).value = action.value
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize(("language", "words", "intact"), [
    ("en", "loss reported by the hotline", "sealed, chain intact"),
    ("zh_CN", "电话临时挂失", "已封印，链完整"),
])
async def test_the_trail_filtered_paged_and_in_words(act: Activity, language: Language, words: str,
                                                     intact: str) -> None:
    set_language(language)
    home = SupervisorHomeScreen(act.desk, act.actors["super1"])
    async with Host(home).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AuditTrailScreen)
        await _filter_day(pilot, screen, AuditAction.LOSS_REPORTED_HOTLINE)
        table = screen.query_one("#events", DataTable)
        assert table.row_count > 0
        row = table.get_row_at(0)
        assert words in str(row[3]) and str(row[4]) == intact and str(row[5])  # a receipt code
        detail = _text(screen, "#event-detail")
        assert words in detail and ("->" in detail)  # a value before and after, in words
        screen.page_size = 5
        await _filter_day(pilot, screen)  # every action of the day: more than a page of 5
        first_page = table.get_row_at(0)[0]
        table.focus()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert int(str(table.get_row_at(0)[0])) < int(str(first_page))
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert table.get_row_at(0)[0] == first_page


async def test_event_text_is_data_and_the_export_is_private(act: Activity) -> None:
    screen = AuditTrailScreen(act.desk, login(act.desk, "audit1"))
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen.query_one("#first-day", Input).value = ""
        screen.query_one("#last-day", Input).value = ""
        screen.query_one("#action", Select).value = AuditAction.CASH_UP.value
        await settle(pilot)
        assert MARKUP in _text(screen, "#event-detail")  # shown as typed, not as bold red
        screen.query_one("#events", DataTable).focus()
        await pilot.press("e")
        await settle(pilot)
        assert "exported" in _text(screen, "#message")
    exported = sorted(act.desk.settings.reports_dir().glob("audit-trail-*"))
    assert [p.suffix for p in exported] == [".csv", ".json"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in exported)
    rows = list(csv.DictReader(exported[0].open(encoding="utf-8-sig")))
    assert [r["action"] for r in rows] == [e["action"] for e in json.loads(exported[1].read_text())]
    assert MARKUP in rows[0]["changes"]


async def test_a_bad_day_is_named(act: Activity) -> None:
    screen = AuditTrailScreen(act.desk, login(act.desk, "audit1"))
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen.query_one("#first-day", Input).value = "2026-02-30"
        screen.query_one("#first-day", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "2026-02-30 is not a date" in _text(screen, "#message")
        screen.query_one("#first-day", Input).value = "0001-01-01"  # a date, but not one the store can hold
        await pilot.press("enter")
        await settle(pilot)
        assert "0001-01-01 is outside the days" in _text(screen, "#message")
