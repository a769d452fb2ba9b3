"""The province report on screen, for the province's role: every city of the province with its totals and the
province's total (the same as ``outlet-desk report province``), opened with P from the city report."""

from __future__ import annotations

from datetime import date

from outlet_desk.i18n import N_, ngettext
from outlet_desk.screens.across_report import AcrossReportScreen, AcrossView
from outlet_desk.services import city_report_export
from outlet_desk.services import province_report_export as export
from outlet_desk.services.province_report import ProvinceReport, province_report


class ProvinceReportScreen(AcrossReportScreen[ProvinceReport]):
    TITLE_MSGID = N_("Province report")
    TABLE_ID = "province"
    LINES_ID = "notes"

    def make(self, day: date) -> ProvinceReport:
        return province_report(self.desk, self.actor, day)

    def view(self, report: ProvinceReport) -> AcrossView:
        n = len(report.cities)
        agree = ngettext("{n} city; every figure agrees with the tables.",
                         "{n} cities; every figure agrees with the tables.", n).format(n=n)
        lines = [city_report_export.legend(), *city_report_export.standby_lines(report.standby)]
        return AcrossView(export.heading(report), export.columns(), export.rows(report), lines, report.problems, agree)
