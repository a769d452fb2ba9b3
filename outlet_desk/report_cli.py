"""``outlet-desk report``: the supervisor's reports on the command line (mounted by ``cli.py``; the shared
plumbing, exit codes and consoles are :mod:`outlet_desk.cli_support`).

Exit codes as for the rest of the CLI: 0 the report was made and every check passed; 1 the report was
made but the audit events and the tables disagree on a figure, or the audit chain is broken (the
finding is on stderr, the report on stdout as asked); 2 bad input or configuration.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    EXIT_CHECK_FAILED,
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
from outlet_desk.services.report import daily_report, figure_rows
from outlet_desk.services.report_export import (
    REPORT_FILES,
    column_headings,
    file_stem,
    heading,
    label,
    recon_text,
    render_pdf,
    shown,
    summary_lines,
    to_csv,
    to_json,
    trend_line,
)
from outlet_desk.services.report_model import DailyReport

report_app = typer.Typer(help="Reports: the daily report.", add_completion=False, rich_markup_mode=None)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


def _print_table(report: DailyReport) -> None:
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
    day: Annotated[str | None, typer.Option("--date", help="The day, YYYY-MM-DD (default: today at the outlet).")]
    = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Another outlet's code on a shared database.")]
    = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv, json or pdf.")] = Format.TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where the PDF goes (default: the "
                                                                        "reports folder).")] = None,
    verify: Annotated[bool, typer.Option("--verify/--no-verify",
                                         help="Verify the audit chain since its newest checkpoint.")] = True,
    as_user: Annotated[str | None, typer.Option("--as", help="Your own user name (you are asked your password; or "
                                                             "$OUTLET_DESK_USER and $OUTLET_DESK_PASSWORD).")]
    = None,
    bom: Annotated[bool, typer.Option("--bom", help="CSV: start with a byte-order mark, for spreadsheets that "
                                                    "read UTF-8 only with one (Excel on Chinese Windows).")] = False,
) -> None:
    """The daily report: figures from the audit events, reconciled with the tables, and the chain."""
    state = state_of(ctx)
    wanted = parse_day("--date", day)
    desk = state.desk()
    actor = sign_in(desk, as_user, Action.VIEW_REPORTS)
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
