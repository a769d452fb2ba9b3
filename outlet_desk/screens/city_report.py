"""The city report on screen, for the city's roles: each outlet of the city with its figures and the city's
total (the same as ``outlet-desk report city``), then each outlet's day and audit chain, one line each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.widget import Widget

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Action, can
from outlet_desk.i18n import N_, _, ngettext
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.supervision_base import DAY_KEYS, DayScreen
from outlet_desk.services import city_report_export as export
from outlet_desk.services.city_report import CityReport, city_report
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import DataTable, Static


class CityReportLoaded(Answer[CityReport]):
    """The city's report of the day, or why it could not be made."""


class CityReportScreen(DayScreen):
    TITLE_MSGID = N_("City report")
    DEFAULT_CSS = DayScreen.DEFAULT_CSS + """
    CityReportScreen #heading { height: 1; padding: 0 1; text-style: bold; }
    CityReportScreen #outlets { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*DAY_KEYS, Binding("p", "province", N_("Province"))]

    report: CityReport | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "province":  # the province's role only; a city's roles read their city
            return can(self.actor.role, Action.VIEW_PROVINCE_REPORTS)
        return True

    def action_province(self) -> None:
        from outlet_desk.screens.province_report import ProvinceReportScreen

        if can(self.actor.role, Action.VIEW_PROVINCE_REPORTS):
            self.app.push_screen(ProvinceReportScreen(self.desk, self.actor, self.day))

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Loading…"), id="heading")
        yield DataTable(id="city", cursor_type="row", zebra_stripes=True)
        yield Static("", id="outlets")

    def on_mount(self) -> None:
        self.query_one("#city", DataTable).add_columns(*export.columns())
        self.load(self.day)

    @work(thread=True, exclusive=True, group="city")
    def load(self, day: date) -> None:
        try:
            self.post_message(CityReportLoaded(city_report(self.desk, self.actor, day)))
        except (DomainError, ServiceError) as error:
            self.post_message(CityReportLoaded(None, error.message))

    def on_city_report_loaded(self, message: CityReportLoaded) -> None:
        if message.value is None:
            self.say(message.problem)
            return
        report = self.report = message.value
        self.query_one("#heading", Static).update(export.heading(report))
        table = self.query_one("#city", DataTable)
        table.clear()
        for row in export.rows(report):
            table.add_row(*row)
        self.query_one("#outlets", Static).update("\n".join([*export.outlet_lines(report), export.legend(),
                                                            *export.standby_lines(report.standby)]))
        if report.problems:
            self.say(" ".join(report.problems))
        else:
            n = len(report.outlets)
            self.say(ngettext("{n} outlet; every figure agrees with the tables.",
                              "{n} outlets; every figure agrees with the tables.", n).format(n=n), ok=True)
