"""The city report on screen, for the city's roles: each outlet of the city with its figures and the city's
total (the same as ``outlet-desk report city``), then each outlet's day and audit chain, one line each, and how
far behind the standby was when the report read one. P opens the province report, for the province's role."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual.binding import Binding, BindingType

from outlet_desk.domain.roles import Action, can
from outlet_desk.i18n import N_, ngettext
from outlet_desk.screens.across_report import AcrossReportScreen, AcrossView
from outlet_desk.services import city_report_export as export
from outlet_desk.services.city_report import CityReport, city_report


class CityReportScreen(AcrossReportScreen[CityReport]):
    TITLE_MSGID = N_("City report")
    TABLE_ID, LINES_ID = "city", "outlets"
    BINDINGS: ClassVar[list[BindingType]] = [*AcrossReportScreen.BINDINGS, Binding("p", "province", N_("Province"))]

    def view(self, report: CityReport) -> AcrossView:
        outlets = len(report.outlets)
        return AcrossView(export.heading(report), export.columns(), export.rows(report),
                          [*export.outlet_lines(report), export.legend(), *export.standby_lines(report.standby)],
                          report.problems,
                          ngettext("{n} outlet; every figure agrees with the tables.",
                                   "{n} outlets; every figure agrees with the tables.", outlets).format(n=outlets))

    def make(self, day: date) -> CityReport:
        return city_report(self.desk, self.actor, day)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "province":  # the province's role only; a city's roles read their city
            return can(self.actor.role, Action.VIEW_PROVINCE_REPORTS)
        return True

    def action_province(self) -> None:
        from outlet_desk.screens.province_report import ProvinceReportScreen

        if can(self.actor.role, Action.VIEW_PROVINCE_REPORTS):
            self.app.push_screen(ProvinceReportScreen(self.desk, self.actor, self.day))
