"""The console entry ``outlet-desk``. Exit codes: 0 ok, 1 a check failed, 2 bad input or config."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from outlet_desk import __version__
from outlet_desk.audit_cli import audit_list_cmd
from outlet_desk.cli_support import (
    EXIT_CHECK_FAILED,
    AsJson,
    AsUser,
    Boundary,
    KeyFile,
    State,
    authenticated,
    credentials,
    fail,
    out,
    print_json,
    refusals,
    sign_in,
    state_of,
)
from outlet_desk.desk_start import run_desk as open_the_desk
from outlet_desk.domain.roles import Action
from outlet_desk.feed_cli import feed_app
from outlet_desk.i18n import N_, _
from outlet_desk.operator_cli import operator_app
from outlet_desk.reader_cli import reader_app
from outlet_desk.receipt_cli import receipt_app
from outlet_desk.report_cli import report_app
from outlet_desk.request_cli import request_app
from outlet_desk.rules_cli import rules_app
from outlet_desk.services import desk_log
from outlet_desk.services.desk_log import LogLevel
from outlet_desk.stock_cli import stock_app
from outlet_desk.store_cli import backup_cmd, db_app, restore_cmd
from outlet_desk.transfer_cli import transfer_app
from outlet_desk.uncollected_cli import uncollected_app
from outlet_desk.where_cli import where_cmd

app = typer.Typer(
    cls=Boundary,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    invoke_without_command=True,
    help="Outlet Desk: the counter desk of a social security card service outlet.",
    rich_markup_mode=None,
)


def _command_group(name: str, help_text: str) -> typer.Typer:
    """A group of commands (``outlet-desk NAME …``), mounted on the main command in the order made."""
    group = typer.Typer(help=help_text, add_completion=False)
    app.add_typer(group, name=name)
    return group


app.add_typer(db_app, name="db")
audit_app = _command_group("audit", N_("The audit chain."))
person_app = _command_group("person", N_("Card holders."))
app.add_typer(operator_app, name="operator")


def _print_version(value: bool) -> None:
    if value:
        out.print(f"outlet-desk {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c",
            help="outlet.toml to use (default: $OUTLET_DESK_CONFIG, else the training outlet).",
        ),
    ] = None,
    log_level: Annotated[
        LogLevel,
        typer.Option("--log-level", help="How much goes to outlet-desk.log in the data folder: INFO (the "
                     "default) a line a use case, WARNING refusals and failures only.", case_sensitive=False),
    ] = LogLevel.INFO,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the desk's version and exit.", is_eager=True,
                     callback=_print_version),
    ] = False,
) -> None:
    desk_log.set_level(log_level)
    ctx.obj = State(config)
    if ctx.invoked_subcommand is None:
        run_desk(ctx.obj)


@app.command("run")
def run_cmd(ctx: typer.Context) -> None:
    """Open the desk (the default command)."""
    run_desk(state_of(ctx))


def run_desk(state: State) -> None:
    """The desk itself (``outlet_desk.launch`` opens it without this CLI when the command line is just
    ``[--config PATH] [run]``; this is the same path for ``outlet-desk --config X run`` through Typer)."""
    code = open_the_desk(state.config)
    if code:
        raise typer.Exit(code)


@app.command("demo")
def demo_cmd(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Seed the training outlet (operators, about 200 persons, cards in every status). Idempotent."""
    from outlet_desk.services import demo

    state = state_of(ctx)
    with refusals():
        demo.require_training_outlet(state.settings())  # before the store is touched
    desk = state.desk()
    with refusals():
        summary = demo.seed_training_outlet(desk)
    if as_json:
        print_json({"seeded": summary.seeded, "persons": summary.persons, "cards_by_status": summary.cards_by_status,
                    "operators": [{"username": u, "role": r, "password": p} for u, r, p in summary.operators],
                    "examples": summary.examples})
        return
    _print_demo(summary)


def _print_demo(summary: Any) -> None:
    if summary.seeded:
        out.print(_("Training data seeded: {n} persons; cards by status: {cards}").format(
            n=summary.persons, cards=", ".join(f"{k} {v}" for k, v in summary.cards_by_status.items())))
    else:
        out.print(_("Training data already present; nothing changed."))
    table = Table(title=_("Training operators"))
    table.add_column(_("User name"))
    table.add_column(_("Role"))
    table.add_column(_("Password"))
    for username, role, password in summary.operators:
        table.add_row(username, role, password)
    out.print(table)
    for what, number in summary.examples.items():
        out.print(f"  {what}: {number}")


@person_app.command("find")
def person_find(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A citizen number, a card number or the start of a name.")],
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Find card holders (citizen numbers are masked in the list; statuses in the outlet's language, as
    code words with --json). Signed in; each search is audited by its kind, not its text."""
    from outlet_desk.domain.card_lifecycle import status_label
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read
    from outlet_desk.services.persons import find_persons, search_terms

    state = state_of(ctx)
    state.settings()
    with refusals():
        terms = search_terms(query)  # a mistyped number is refused before anyone signs in
    desk = state.desk()
    actor = sign_in(desk, as_user, Action.OPEN_PERSON)
    with refusals():
        found = find_persons(desk, query)
    if terms is not None:
        record_personal_read(desk, actor, ReadKind(terms[0].value), len(found))
    if as_json:
        print_json([asdict(p) for p in found])
        return
    if not found:
        out.print(_("Nobody found for '{q}'.").format(q=query))
        return
    table = Table()
    for col in (_("Citizen number"), _("Name"), _("Card"), _("Status")):
        table.add_column(col)
    for p in found:
        table.add_row(p.masked_number, p.name, p.card_number or "",
                      status_label(p.card_status) if p.card_status else "")
    out.print(table)


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


app.add_typer(receipt_app, name="receipt")
card_app = _command_group("card", N_("Cards: a virtual card for trying the desk by hand."))
app.add_typer(reader_app, name="reader")
app.add_typer(report_app, name="report")
stock_app.add_typer(transfer_app, name="transfer")
app.add_typer(stock_app, name="stock")
app.add_typer(request_app, name="request")
app.add_typer(feed_app, name="feed")
app.add_typer(uncollected_app, name="uncollected")
app.add_typer(rules_app, name="rules")
audit_app.command("list")(audit_list_cmd)
app.command("backup")(backup_cmd)
app.command("restore")(restore_cmd)
app.command("where")(where_cmd)


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




@card_app.command("emulate")
def card_emulate(
    ctx: typer.Context,
    citizen: Annotated[str, typer.Option("--citizen", help="The holder's citizen number.")],
    slot: Annotated[int, typer.Option("--slot", min=0, max=1, help="vpcd slot: 0 or 1.")] = 0,
    card: Annotated[str | None, typer.Option("--card", help="Which of the person's cards (default: the one "
                                                            "waiting for collection, else the one in use).")] = None,
    pin: Annotated[str, typer.Option("--pin", help="The chip's PIN.")] = "123456",
    as_user: AsUser = None,
) -> None:
    """Insert a virtual card for that person into the vpcd virtual reader until Ctrl-C; exit 1 if pcscd
    does not take it in (pcscd not running, or the slot held by another emulator). Its PIN blocks after
    the outlet's ``[collection] pin_tries`` wrong entries, as the region's real cards do. The card holds the
    person's record: signed in (an operator who may open a record), before anything is looked up; the read
    is audited."""
    from outlet_desk.reader.emulator_run import run_emulator
    from outlet_desk.reader.errors import EmulatorNotInserted
    from outlet_desk.reader.virtual_card import VirtualCard
    from outlet_desk.services.emulation import card_data_for
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read

    desk = state_of(ctx).desk()
    actor = sign_in(desk, as_user, Action.OPEN_PERSON)
    found = 0
    try:
        with refusals():
            data = card_data_for(desk, citizen, card)
        found = 1
    finally:
        record_personal_read(desk, actor, ReadKind.CARD_EMULATION, found)

    def inserted() -> None:
        out.print(_("Card {card} of {name} inserted in virtual reader slot {slot}; Ctrl-C removes it.").format(
            card=data.card_number, name=data.full_name, slot=slot), highlight=False)

    try:
        run_emulator(VirtualCard(data, pin=pin, max_tries=desk.settings.collection.pin_tries), slot,
                     on_inserted=inserted)
    except EmulatorNotInserted as error:
        fail(error.message, EXIT_CHECK_FAILED)


def main() -> None:
    try:
        app(prog_name="outlet-desk")  # its name, however started (python -m, a script): completion keys on it
    except KeyboardInterrupt:
        sys.exit(130)
