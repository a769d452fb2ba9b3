"""``outlet-desk audit list``: the audit viewer on the command line (registered on ``cli.py``'s ``audit`` group).

Signed in (a supervisor, an auditor or an administrator). Filters by day, operator, action, card or citizen
number; ``--format table`` shows one page (``--before`` for the next), ``csv`` and ``json`` every event the
filters select, on standard output or (``--output``) in a new private file (mode 0600). Exit 1 when a shown
event's seal is broken (the table is still printed), 2 for bad input.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    EXIT_BAD_INPUT,
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
from outlet_desk.domain.audit_actions import AuditAction, SealStatus
from outlet_desk.domain.fees import format_yuan
from outlet_desk.domain.roles import Action
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import _
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.audit_trail import PAGE_SIZE, TrailEvent, TrailFilter, all_events, trail_page
from outlet_desk.services.audit_trail_export import change_text, to_csv, to_json
from outlet_desk.services.context import Desk


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _action(code: str | None) -> AuditAction | None:
    if code is None:
        return None
    try:
        return AuditAction(code.strip())
    except ValueError:
        fail(_("{option} {value} is not an audit action; one of: {codes}.").format(
            option="--action", value=code, codes=", ".join(AuditAction)), EXIT_BAD_INPUT)


def _print_table(desk: Desk, events: tuple[TrailEvent, ...]) -> None:
    table = Table(title=_("Audit trail of outlet {outlet}").format(outlet=desk.outlet_code))
    for heading in (_("No."), _("Time"), _("Operator"), _("Action"), _("Values"), _("Seal"), _("Receipt")):
        table.add_column(heading)
    for e in events:
        seal = SealStatus.label_of(e.seal.status) + (f": {e.seal.problem}" if e.seal.problem else "")
        receipt = "" if e.receipt is None else f"{e.receipt.code} {e.receipt.title}" + (
            f" {format_yuan(e.receipt.fee_fen)}" if e.receipt.fee_fen else "")
        table.add_row(str(e.seq), local_time(e.at, desk.tz), e.operator or "-", e.action_words,
                      "\n".join(change_text(c) for c in e.changes), seal, receipt)
    out.print(table)


def audit_list_cmd(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", help="One day, YYYY-MM-DD (the outlet's local day).")] = None,
    first: Annotated[str | None, typer.Option("--from", help="The first day, YYYY-MM-DD.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="The last day, YYYY-MM-DD (included).")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Events by this user name.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Events of this action (its code).")] = None,
    card: Annotated[str | None, typer.Option("--card", help="Events about this card number.")] = None,
    citizen: Annotated[str | None, typer.Option(
        "--citizen", help="Events about this citizen number (the search is audited).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="csv or json: write this new file (mode "
                                                                        "0600) instead of standard output.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="table: events per page.")] = PAGE_SIZE,
    before: Annotated[int | None, typer.Option("--before", min=1, help="table: events older than this number "
                                                                       "(the next page).")] = None,
    bom: Annotated[bool, typer.Option("--bom", help="csv: start with a byte-order mark (Excel on Chinese "
                                                    "Windows).")] = False,
    as_user: AsUser = None,
) -> None:
    """The audit trail: who did what, with the values before and after in words, each event's seal and the
    receipt it sealed; newest first."""
    if day is not None and (first is not None or last is not None):
        fail(_("Give either {one} or {range}, not both.").format(one="--date", range="--from/--to"), EXIT_BAD_INPUT)
    first_day, last_day = parse_day("--from", first), parse_day("--to", last)
    if day is not None:
        first_day = last_day = parse_day("--date", day)
    if output is not None and fmt is Format.TABLE:
        fail(_("{option} needs {formats}.").format(option="--output", formats="--format csv|json"), EXIT_BAD_INPUT)
    if output is not None and output.exists():
        fail(_("{path} exists already; name a new file.").format(path=output), EXIT_BAD_INPUT)
    wanted = TrailFilter(first_day=first_day, last_day=last_day, operator=operator or "", action=_action(action),
                         card_number=card or "", citizen_number=citizen or "")
    state = state_of(ctx)
    desk = state.desk()
    actor = sign_in(desk, as_user, Action.VIEW_AUDIT)
    with refusals():
        if fmt is Format.TABLE:
            page = trail_page(desk, actor, wanted, before_seq=before, size=limit)
            events = page.events
        else:
            events = tuple(all_events(desk, actor, wanted))
    if fmt is Format.TABLE:
        _print_table(desk, events)
        if page.older is not None:
            out.print(_("Older events: add {option}.").format(option=f"--before {page.older}"))
    else:
        text = to_json(events, desk.tz) if fmt is Format.JSON else to_csv(events, desk.tz, bom=bom)
        if output is None:
            print(text, end="")
        else:
            write_atomically(output, text.encode("utf-8"))
            out.print(_("{n} events written to {path}").format(n=len(events), path=output))
    if not events:
        err.print(_("No event matches."))
    broken = [e for e in events if e.seal.status is SealStatus.BROKEN]
    if broken:
        err.print(_("The seal of event {seq} is broken: {problem}").format(seq=broken[0].seq,
                                                                          problem=broken[0].seal.problem))
        raise typer.Exit(EXIT_CHECK_FAILED)
