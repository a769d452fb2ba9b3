"""The daily report on screen: the same figures as ``outlet-desk report daily`` (one list,
``services.report_model.figure_rows``), each with its reconciliation, the chain result and a 30-day trend."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Sparkline

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import N_, _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.audit_trail import AuditTrailScreen
from outlet_desk.screens.supervision_base import DAY_KEYS, DayScreen
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.report import chain_result, daily_report
from outlet_desk.services.report_export import heading, label, recon_text, shown, summary_lines
from outlet_desk.services.report_model import ChainResult, DailyReport, figure_rows
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns


class ReportLoaded(Answer[DailyReport]):
    """The day's report, or why it could not be made."""


class ChainChecked(Message):
    def __init__(self, day: date, chain: ChainResult | None) -> None:
        super().__init__()
        self.day = day
        self.chain = chain


class ReportScreen(DayScreen):
    TITLE_MSGID = N_("Daily report")
    DEFAULT_CSS = DayScreen.DEFAULT_CSS + """
    ReportScreen #heading { height: 1; padding: 0 1; text-style: bold; }
    ReportScreen #trend-label { height: 1; padding: 0 1; }
    ReportScreen #trend { height: 3; margin: 0 1; }
    ReportScreen #summary { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*DAY_KEYS, Binding("l", "audit_trail", N_("Audit trail"))]

    report: DailyReport | None = None
    """The day's report, once read."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Loading…"), id="heading")
        yield DataTable(id="figures", cursor_type="row", zebra_stripes=True)
        yield Static("", id="trend-label")
        yield Sparkline([], id="trend")
        yield Static("", id="summary")

    def on_mount(self) -> None:
        table = self.query_one("#figures", DataTable)
        add_keyed_columns(table, ((_("Figure"), "figure"), (_("Value"), "value"), (_("Audit / tables"), "recon")))
        self.load(self.day)

    def action_audit_trail(self) -> None:
        """The audit trail, for whoever reads the report (an auditor has no supervisor's home)."""
        self.app.push_screen(AuditTrailScreen(self.desk, self.actor))

    @work(thread=True, exclusive=True, group="figures")
    def load(self, day: date) -> None:
        """The figures first (fast); the chain verification follows in its own worker."""
        try:
            self.post_message(ReportLoaded(daily_report(self.desk, day, actor=self.actor, verify=False)))
        except (DomainError, ServiceError) as error:
            self.post_message(ReportLoaded(None, error.message))

    @work(thread=True, exclusive=True, group="chain")
    def verify(self, day: date) -> None:
        self.post_message(ChainChecked(day, chain_result(self.desk)))

    def on_chain_checked(self, message: ChainChecked) -> None:
        if self.report is not None and self.report.day == message.day:
            self.show(replace(self.report, chain=message.chain))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        if message.value is None:
            self.say(message.problem)
            return
        self.show(message.value)
        self.verify(message.value.day)

    def show(self, report: DailyReport) -> None:
        self.report = report
        self.query_one("#heading", Static).update(heading(report))
        checks = {c.key: c for c in report.reconciliation}
        table = self.query_one("#figures", DataTable)
        table.clear()
        for key, value in figure_rows(report):
            table.add_row(label(key), shown(key, value), recon_text(checks.get(key)), key=key)
        series = [t.transactions for t in report.trend]
        self.query_one("#trend", Sparkline).data = series
        self.query_one("#trend-label", Static).update(
            _("Transactions, {first} to {last}: highest {high}, on this day {today}").format(
                first=report.trend[0].day.isoformat(), last=report.trend[-1].day.isoformat(),
                high=max(series), today=series[-1]))
        self.query_one("#summary", Static).update("\n".join(summary_lines(report)))
        failed = bool(report.disagreements) or (report.chain is not None and not report.chain.intact)
        if failed:
            self.say(_("Findings: see the lines above."))
        elif report.chain is None:
            self.say(_("Verifying the audit chain…"), ok=True)
        else:
            self.say(_("All checks passed."), ok=True)

    def figures_shown(self) -> dict[str, str]:
        """Figure key -> value as shown in the table (what the tests compare with the JSON)."""
        table = self.query_one("#figures", DataTable)
        return {str(row.value): str(table.get_cell(row, "value")) for row in table.rows}
