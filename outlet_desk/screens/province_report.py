"""The province report on screen, for the province's role: every city of the province with its totals and the
province's total (the same as ``outlet-desk report province``), opened with P from the city report."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from textual import work
from textual.binding import BindingType
from textual.widget import Widget

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import N_, _, ngettext
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.supervision_base import DAY_KEYS, DayScreen
from outlet_desk.services import city_report_export
from outlet_desk.services import province_report_export as export
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.province_report import ProvinceReport, province_report
from outlet_desk.widgets.plain import DataTable, Static


class ProvinceReportLoaded(Answer[ProvinceReport]):
    """The province's report of the day, or why it could not be made."""


class ProvinceReportScreen(DayScreen):
    TITLE_MSGID = N_("Province report")
    DEFAULT_CSS = DayScreen.DEFAULT_CSS + """
    ProvinceReportScreen #heading { height: 1; padding: 0 1; text-style: bold; }
    ProvinceReportScreen #notes { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = DAY_KEYS

    report: ProvinceReport | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Loading…"), id="heading")
        yield DataTable(id="province", cursor_type="row", zebra_stripes=True)
        yield Static("", id="notes")

    def on_mount(self) -> None:
        self.query_one("#province", DataTable).add_columns(*export.columns())
        self.load(self.day)

    @work(thread=True, exclusive=True, group="province")
    def load(self, day: date) -> None:
        try:
            self.post_message(ProvinceReportLoaded(province_report(self.desk, self.actor, day)))
        except (DomainError, ServiceError) as error:
            self.post_message(ProvinceReportLoaded(None, error.message))

    def on_province_report_loaded(self, message: ProvinceReportLoaded) -> None:
        if message.value is None:
            self.say(message.problem)
            return
        report = self.report = message.value
        self.query_one("#heading", Static).update(export.heading(report))
        table = self.query_one("#province", DataTable)
        table.clear()
        for row in export.rows(report):
            table.add_row(*row)
        self.query_one("#notes", Static).update(
            "\n".join([city_report_export.legend(), *city_report_export.standby_lines(report.standby)]))
        if report.problems:
            self.say(" ".join(report.problems))
        else:
            n = len(report.cities)
            self.say(ngettext("{n} city; every figure agrees with the tables.",
                              "{n} cities; every figure agrees with the tables.", n).format(n=n), ok=True)
