"""The city report screen: a city supervisor signs in at the desk, F8 shows every outlet of the city with
the city's total and each outlet's day and chain, in both languages; the counter's tasks are not theirs
(F6 does nothing); a clerk has no F8."""

from __future__ import annotations

import pytest

from outlet_desk.domain.roles import Role
from outlet_desk.i18n import Language
from outlet_desk.screens.city_report import CityReportScreen
from outlet_desk.screens.hotline import HotlineLossScreen
from outlet_desk.screens.province_report import ProvinceReportScreen
from outlet_desk.services import demo, operators
from outlet_desk.services.context import Desk
from outlet_desk.widgets.plain import DataTable
from tests.tui.conftest import DeskFactory, screen_text, static_text, wait_for
from tests.tui.counter import at_the_counter

PW = "correct horse battery"
TOTAL = {"en": "Total", "zh_CN": "合计"}
LINE = {"en": "TRN001 Chaoyang Card Service Outlet (朝阳区): day open; audit chain intact, verified now.",
        "zh_CN": "TRN001 朝阳区社会保障卡服务网点（朝阳区）：未日结；审计链完整（刚刚核验）。"}


def _city_supervisor(desk: Desk) -> None:
    admin = operators.authenticate(desk, "admin", demo.training_password("admin"))
    operators.add_operator(desk, admin, "citychief", "City chief", Role.CITY_SUPERVISOR, PW)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_city_supervisor_reads_the_city_report_with_f8(make_desk: DeskFactory, language: Language) -> None:
    desk = make_desk(language)
    _city_supervisor(desk)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("citychief", PW)
        await counter.pilot.press("f6")  # the hotline is a counter task: not the city's
        assert not isinstance(counter.app.screen, HotlineLossScreen)
        await counter.pilot.press("f8")
        await wait_for(counter.pilot, lambda: isinstance(counter.app.screen, CityReportScreen)
                       and counter.app.screen.report is not None)
        screen = counter.app.screen
        assert isinstance(screen, CityReportScreen) and screen.report is not None
        table = screen.query_one("#city", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[0] for row in rows] == ["TRN001", TOTAL[language]]
        assert rows[0][1:] == rows[1][1:]  # one outlet: the city's total is its figures
        assert static_text(counter.app, "#outlets").splitlines()[0] == LINE[language]
        assert "1101" in screen_text(counter.app)


async def test_a_clerk_has_no_city_report(desk: Desk) -> None:
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.pilot.press("f8")
        assert not isinstance(counter.app.screen, CityReportScreen)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_province_supervisor_goes_from_the_city_report_to_the_province_with_p(make_desk: DeskFactory,
                                                                                       language: Language) -> None:
    desk = make_desk(language)
    admin = operators.authenticate(desk, "admin", demo.training_password("admin"))
    operators.add_operator(desk, admin, "provchief", "Province chief", Role.PROVINCE_SUPERVISOR, PW)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("provchief", PW)
        await counter.pilot.press("f8")
        await wait_for(counter.pilot, lambda: isinstance(counter.app.screen, CityReportScreen)
                       and counter.app.screen.report is not None)
        city = counter.app.screen
        assert isinstance(city, CityReportScreen) and city.report is not None
        await counter.pilot.press("p")
        await wait_for(counter.pilot, lambda: isinstance(counter.app.screen, ProvinceReportScreen)
                       and counter.app.screen.report is not None)
        screen = counter.app.screen
        assert isinstance(screen, ProvinceReportScreen) and screen.report is not None
        assert screen.day == city.day  # the city's day, for the province
        table = screen.query_one("#province", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[0].split()[0] for row in rows] == ["1101", TOTAL[language]]
        assert rows[0][1:] == rows[1][1:] and rows[0][1] == "1"  # one city of one outlet: its totals are the province's
        assert "11" in screen_text(counter.app)
        await counter.pilot.press("escape")
        await wait_for(counter.pilot, lambda: isinstance(counter.app.screen, CityReportScreen))


async def test_a_city_supervisor_has_no_province_report(make_desk: DeskFactory) -> None:
    desk = make_desk("en")
    _city_supervisor(desk)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("citychief", PW)
        await counter.pilot.press("f8")
        await wait_for(counter.pilot, lambda: isinstance(counter.app.screen, CityReportScreen)
                       and counter.app.screen.report is not None)
        assert "Province" not in screen_text(counter.app)  # no P key in the footer
        await counter.pilot.press("p")
        await counter.pilot.pause()
        assert isinstance(counter.app.screen, CityReportScreen)
