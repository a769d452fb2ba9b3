"""``outlet-desk rules sheet``: the rules shown to citizens, with the figures the desk enforces, as a printable
PDF in the outlet's language or the one asked for (mounted by ``cli.py``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from outlet_desk.cli_support import DEFERRED, EXIT_BAD_INPUT, fail, out, state_of
from outlet_desk.i18n import LANGUAGES, _, set_language

rules_app = typer.Typer(help=DEFERRED["rules"].help,
                        add_completion=False, rich_markup_mode=None)


@rules_app.command("sheet")
def rules_sheet_cmd(
    ctx: typer.Context,
    language: Annotated[str | None, typer.Option(
        "--language", help="zh_CN or en (default: the outlet's language).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Where to write the PDF (default: rules-<language>.pdf in the reports folder).")] = None,
) -> None:
    """Write the rules sheet (PDF): the six rules of outlet.toml's [rules], the figures filled in from the
    settings the desk enforces, and the list of those figures."""
    from outlet_desk.services.rules_sheet import write_rules_sheet

    settings = state_of(ctx).settings()
    if language is not None:
        chosen = next((known for known in LANGUAGES if known == language), None)
        if chosen is None:
            fail(_("--language {value} is not one of: {choices}.").format(value=language[:40],
                                                                          choices=", ".join(LANGUAGES)), EXIT_BAD_INPUT)
        set_language(chosen)
    if output is not None and not output.parent.is_dir():
        fail(_("The folder {folder} does not exist.").format(folder=output.parent), EXIT_BAD_INPUT)
    day = datetime.now(ZoneInfo(settings.outlet.timezone)).date()
    try:
        path = write_rules_sheet(settings, day, output)
    except OSError as error:
        fail(_("The rules sheet cannot be written to {path}: {reason}").format(
            path=output or settings.reports_dir(), reason=error.strerror or error), EXIT_BAD_INPUT)
    out.print(_("Rules sheet written: {path}").format(path=path), markup=False)
