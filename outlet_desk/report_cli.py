"""``outlet-desk report``: the supervisor's reports on the command line (mounted by ``cli.py``; the shared
plumbing, exit codes and consoles are :mod:`outlet_desk.cli_support`).

Exit codes as for the rest of the CLI: 0 the report was made and every check passed; 1 the report was
made but the audit events and the tables disagree on a figure, or the audit chain is broken (the
finding is on stderr, the report on stdout as asked); 2 bad input or configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    DEFERRED,
    EXIT_CHECK_FAILED,
    AsUser,
    err,
    fail,
    out,
    parse_day,
    refusals,
    sign_in,
    state_of,
)
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.private_files import private_folder

if TYPE_CHECKING:
    from outlet_desk.services.context import Actor, Desk
    from outlet_desk.services.report_model import DailyReport

report_app = typer.Typer(help=DEFERRED["report"].help, add_completion=False,
                         rich_markup_mode=None)


Day = Annotated[str | None, typer.Option("--date", help="The day, YYYY-MM-DD (default: today at the outlet).")]
Bom = Annotated[bool, typer.Option("--bom", help="CSV: start with a byte-order mark, for spreadsheets that read "
                                                 "UTF-8 only with one (Excel on Chinese Windows).")]


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


def _reader(ctx: typer.Context, day: str | None, as_user: str | None,
            action: Action) -> tuple[Desk, Actor, date | None]:
    """The desk, the operator signed in to read it (their role must allow ``action``) and the day asked for."""
    wanted = parse_day("--date", day)
    desk = state_of(ctx).desk()
    return desk, sign_in(desk, as_user, action), wanted


def _print_table(report: DailyReport) -> None:
    from outlet_desk.services.report_export import (
        column_headings,
        heading,
        label,
        recon_text,
        shown,
        summary_lines,
        trend_line,
    )
    from outlet_desk.services.report_model import figure_rows

    checks = {c.key: c for c in report.reconciliation}
    table = Table(title=heading(report))
    for name in column_headings():
        table.add_column(name)
    for key, value in figure_rows(report):
        table.add_row(label(key), shown(key, value), recon_text(checks.get(key)))
    out.print(table)
    out.print(trend_line(report), markup=False)
    for line in summary_lines(report):
        out.print(line, markup=False)


@report_app.command("daily")
def report_daily(
    ctx: typer.Context,
    day: Day = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Another outlet's code on a shared database.")]
    = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv, json or pdf.")] = Format.TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where the PDF goes (default: the "
                                                                        "reports folder).")] = None,
    verify: Annotated[bool, typer.Option("--verify/--no-verify",
                                         help="Verify the audit chain since its newest checkpoint.")] = True,
    as_user: AsUser = None,
    bom: Bom = False,
) -> None:
    """The daily report: figures from the audit events, reconciled with the tables, and the chain."""
    from outlet_desk.services.report import daily_report  # the store's libraries: only when a report is made
    from outlet_desk.services.report_export import REPORT_FILES, file_stem, render_pdf, summary_lines, to_csv, to_json

    desk, actor, wanted = _reader(ctx, day, as_user, Action.VIEW_REPORTS)
    with refusals():
        report = daily_report(desk, wanted, outlet_code=outlet, actor=actor, verify=verify)
    if fmt is Format.JSON:
        print(json.dumps(to_json(report), ensure_ascii=False, indent=2))
    elif fmt is Format.CSV:
        print(to_csv(report, bom=bom), end="")
    elif fmt is Format.PDF:
        path = output or desk.settings.reports_dir() / f"{file_stem(REPORT_FILES, report)}.pdf"
        private_folder(path.parent)
        try:
            render_pdf(report, path)
        except FileNotFoundError as exc:
            fail(str(exc), EXIT_CHECK_FAILED)
        out.print(_("Daily report written to {path}").format(path=path), markup=False)
    else:
        _print_table(report)
    if report.disagreements or (report.chain is not None and not report.chain.intact):
        for line in summary_lines(report)[:2]:
            err.print(line, markup=False)
        raise typer.Exit(EXIT_CHECK_FAILED)


class CityFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


@dataclass(frozen=True)
class Columns:
    """A report across outlets as the table and the PDF show it: a title, the columns, the rows, the lines
    under them, when it was made and the name of its PDF file (without suffix)."""

    title: str
    headings: list[str]
    rows: list[list[str]]
    lines: list[str]
    made_at: datetime
    file_stem: str


def _print_columns(shown: Columns) -> None:
    table = Table(title=shown.title)
    for name in shown.headings:
        table.add_column(name)
    for row in shown.rows:
        table.add_row(*row)
    out.print(table)
    for line in shown.lines:
        out.print(line, markup=False)


def _write_pdf(desk: Desk, shown: Columns, output: Path | None) -> None:
    from outlet_desk.services.across_pdf import render_table_pdf

    path = output or desk.settings.reports_dir() / f"{shown.file_stem}.pdf"
    private_folder(path.parent)
    try:
        render_table_pdf(shown.title, shown.made_at, shown.headings, shown.rows, shown.lines, path)
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_CHECK_FAILED)
    out.print(_("Report written to {path}").format(path=path), markup=False)


def _write_out(desk: Desk, fmt: CityFormat, output: Path | None, as_json: Callable[[], dict[str, Any]],
               as_csv: Callable[[], str], as_columns: Callable[[], Columns], problems: tuple[str, ...]) -> None:
    """A report across outlets in the format asked for; exit 1 naming each problem on standard error."""
    if fmt is CityFormat.JSON:
        print(json.dumps(as_json(), ensure_ascii=False, indent=2))
    elif fmt is CityFormat.CSV:
        print(as_csv(), end="")
    elif fmt is CityFormat.PDF:
        _write_pdf(desk, as_columns(), output)
    else:
        _print_columns(as_columns())
    if problems:
        for line in problems:
            err.print(line, markup=False)
        raise typer.Exit(EXIT_CHECK_FAILED)


AcrossFormat = Annotated[CityFormat, typer.Option("--format", help="table, csv, json or pdf.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Where the PDF goes (default: the reports "
                                                                    "folder).")]
Report = TypeVar("Report")


def _read_across(ctx: typer.Context, day: str | None, as_user: str | None, action: Action,
                 make: Callable[[Desk, Actor, date | None], Report]) -> tuple[Desk, Report]:
    """A report across outlets, made for the operator signed in (``action``: the permission it needs)."""
    desk, actor, wanted = _reader(ctx, day, as_user, action)
    with refusals():
        return desk, make(desk, actor, wanted)


@report_app.command("city")
def report_city(ctx: typer.Context, day: Day = None, fmt: AcrossFormat = CityFormat.TABLE, output: Output = None,
                as_user: AsUser = None, bom: Bom = False) -> None:
    """The city report: every outlet of this outlet's city side by side, with the city's totals (city roles)."""
    from outlet_desk.services import city_report_export as export
    from outlet_desk.services.city_report import city_report

    desk, report = _read_across(ctx, day, as_user, Action.VIEW_CITY_REPORTS, city_report)
    _write_out(desk, fmt, output, lambda: export.to_json(report), lambda: export.to_csv(report, bom=bom),
               lambda: Columns(export.heading(report), export.columns(), export.rows(report),
                               [*export.outlet_lines(report), export.legend(), *export.standby_lines(report.standby)],
                               report.generated_at, f"city-{report.city_code}-{report.day.isoformat()}"),
               report.problems)


@report_app.command("province")
def report_province(ctx: typer.Context, day: Day = None, fmt: AcrossFormat = CityFormat.TABLE,
                    output: Output = None, as_user: AsUser = None, bom: Bom = False) -> None:
    """The province report: every city of this outlet's province side by side, with the province's totals
    (the province supervisor)."""
    from outlet_desk.services import city_report_export
    from outlet_desk.services import province_report_export as export
    from outlet_desk.services.province_report import province_report

    desk, report = _read_across(ctx, day, as_user, Action.VIEW_PROVINCE_REPORTS, province_report)
    _write_out(desk, fmt, output, lambda: export.province_json(report), lambda: export.to_csv(report, bom=bom),
               lambda: Columns(export.heading(report), export.columns(), export.rows(report),
                               [city_report_export.legend(), *city_report_export.standby_lines(report.standby)],
                               report.generated_at, f"province-{report.province_code}-{report.day.isoformat()}"),
               report.problems)
