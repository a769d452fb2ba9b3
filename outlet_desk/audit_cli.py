"""``outlet-desk audit``: ``verify`` (the chain recomputed, a checkpoint recorded) and ``list``, the audit viewer
on the command line.

``list`` is signed in (a supervisor, an auditor or an administrator). Filters by day, operator, action, card or citizen
number; ``--format table`` shows one page (``--before`` for the next), ``csv`` and ``json`` every event the
filters select, on standard output or (``--output``) in a new private file (mode 0600). Exit 1 when a shown
event's seal is broken (the table is still printed), 2 for bad input.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    DEFERRED,
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    AsJson,
    AsUser,
    KeyFile,
    authenticated,
    credentials,
    err,
    fail,
    out,
    parse_day,
    print_json,
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


audit_app = typer.Typer(help=DEFERRED["audit"].help, add_completion=False)


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    since_checkpoint: Annotated[bool, typer.Option(
        "--since-checkpoint",
        help="Quick: check the newest checkpoint, recompute only the events after it (an old event edited "
             "in place is found only without this option).")] = False,
    key: KeyFile = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Recompute the audit chain (every event, or with --since-checkpoint those after the newest
    checkpoint), compare it with the witness file; record a checkpoint by the signed-in operator when intact
    (also in the witness file); exit 1 naming the first broken event."""
    from outlet_desk.services.audit import check_chain
    from outlet_desk.services.audit.keys import AuditChainMissing, AuditHeadEdited, AuditKeyNotThisOutlets
    from outlet_desk.services.errors import RecordChanged

    desk = state_of(ctx).verifying_desk(key)
    username, password = credentials(as_user)
    with refusals():
        try:
            actor = authenticated(desk, username, password, Action.VERIFY_AUDIT)
        except (RecordChanged, AuditHeadEdited, AuditChainMissing, AuditKeyNotThisOutlets):
            # The sign-in's own audit event could not take its place in the chain (its head edited, missing, or
            # disagreeing with the newest events), after the password was checked. Name where, without a
            # checkpoint.
            found = check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=not since_checkpoint,
                                witness=desk.settings.audit_witness_path(), tz=desk.tz)
            if not found.intact:
                if as_json:
                    print_json(chain_json(found, desk.tz, desk.settings.audit_witness_path()))
                fail(found.message(desk.tz), EXIT_CHECK_FAILED)
            raise
        report = check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=not since_checkpoint,
                             record=True, at=desk.now(), operator_id=actor.operator_id,
                             witness=desk.settings.audit_witness_path(), tz=desk.tz)
    if as_json:
        print_json(chain_json(report, desk.tz, desk.settings.audit_witness_path()))
    if not report.intact:
        fail(report.message(desk.tz), EXIT_CHECK_FAILED)
    if as_json:
        return
    out.print(report.message(desk.tz), markup=False)
    if report.recorded is not None:
        out.print(_("Checkpoint recorded at event {seq}.").format(seq=f"{report.recorded.seq:,}"), markup=False)
    if report.witness_fingerprint:
        out.print(_("Witness file {path}: fingerprint {fp}.").format(
            path=desk.settings.audit_witness_path(), fp=report.witness_fingerprint), markup=False)


def chain_json(report: Any, tz: Any, witness: Path) -> dict[str, Any]:
    """What ``audit verify --json`` prints (docs/json/audit-verify.schema.json)."""
    return {
        "outlet": report.outlet_code, "intact": report.intact, "full": report.full, "message": report.message(tz),
        "events_checked": report.events_checked, "last_seq": report.last_seq, "broken_seq": report.broken_seq,
        "broken_event_id": report.broken_event_id, "problem": report.problem or None,
        "since_checkpoint_seq": report.since.seq if report.since else None,
        "checkpoint_seq": report.recorded.seq if report.recorded else None,
        "witness_file": witness if report.witness_fingerprint else None,
        "witness_fingerprint": report.witness_fingerprint or None,
    }


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


audit_app.command("list")(audit_list_cmd)
