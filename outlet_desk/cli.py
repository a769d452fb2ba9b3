"""The console entry ``outlet-desk``. Exit codes: 0 ok, 1 a check failed, 2 bad input or config."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from outlet_desk import __version__
from outlet_desk.cli_support import (
    EXIT_CHECK_FAILED,
    AsUser,
    Boundary,
    State,
    authenticated,
    credentials,
    fail,
    out,
    record_id,
    refusals,
    sign_in,
    state_of,
)
from outlet_desk.desk_start import run_desk as open_the_desk
from outlet_desk.domain.roles import Action, Role
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.reader.cli import reader_app
from outlet_desk.report_cli import report_app
from outlet_desk.services import desk_log
from outlet_desk.services.desk_log import LogLevel
from outlet_desk.store_cli import backup_cmd, db_app, restore_cmd

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
operator_app = _command_group("operator", N_("Operators: add, passwd, unlock, list."))


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
def demo_cmd(ctx: typer.Context) -> None:
    """Seed the training outlet (operators, about 200 persons, cards in every status). Idempotent."""
    from outlet_desk.services import demo

    state = state_of(ctx)
    with refusals():
        demo.require_training_outlet(state.settings())  # before the store is touched
    desk = state.desk()
    with refusals():
        summary = demo.seed_training_outlet(desk)
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
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
        print(json.dumps([{**asdict(p), "birth_date": p.birth_date.isoformat()} for p in found],
                         ensure_ascii=False, indent=2))
        return
    if not found:
        out.print(_("Nobody found for '{q}'.").format(q=query))
        return
    table = Table()
    for col in (_("Citizen number"), _("Name"), _("Birth date"), _("Card"), _("Status")):
        table.add_column(col)
    for p in found:
        table.add_row(p.masked_number, p.name, p.birth_date.isoformat(), p.card_number or "",
                      status_label(p.card_status) if p.card_status else "")
    out.print(table)


KeyFile = Annotated[Path | None, typer.Option(
    "--key", help="Check with this audit key file instead of [audit] key_file (the store's key id is not "
                  "trusted: it may be what was edited).")]


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    since_checkpoint: Annotated[bool, typer.Option(
        "--since-checkpoint",
        help="Quick: check the newest checkpoint, recompute only the events after it (an old event edited "
             "in place is found only without this option).")] = False,
    key: KeyFile = None,
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
                fail(found.message(desk.tz), EXIT_CHECK_FAILED)
            raise
        report = check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=not since_checkpoint,
                             record=True, at=desk.now(), operator_id=actor.operator_id,
                             witness=desk.settings.audit_witness_path(), tz=desk.tz)
    if not report.intact:
        fail(report.message(desk.tz), EXIT_CHECK_FAILED)
    out.print(report.message(desk.tz), markup=False)
    if report.recorded is not None:
        out.print(_("Checkpoint recorded at event {seq}.").format(seq=f"{report.recorded.seq:,}"), markup=False)
    if report.witness_fingerprint:
        out.print(_("Witness file {path}: fingerprint {fp}.").format(
            path=desk.settings.audit_witness_path(), fp=report.witness_fingerprint), markup=False)


def _new_password() -> str:
    return os.environ.get("OUTLET_DESK_NEW_PASSWORD") or typer.prompt(
        _("New password (at least 12 characters)"), hide_input=True, confirmation_prompt=True)


@operator_app.command("add")
def operator_add(
    ctx: typer.Context,
    username: str,
    role: Annotated[Role, typer.Option(help="clerk, supervisor, admin, hotline or auditor.")],
    display_name: Annotated[str, typer.Option("--name", help="The name shown on screen and receipts.")],
    outlet: Annotated[list[str] | None, typer.Option(
        "--outlet", help="The outlet whose desks let the operator in (default: this desk's); an administrator "
                         "may be given several (--outlet A --outlet B).")] = None,
    as_user: AsUser = None,
) -> None:
    """Add an operator bound to an outlet (the first one, an admin, needs no --as)."""
    from outlet_desk.services import operators

    desk = state_of(ctx).desk()
    actor = None
    if operators.count_operators(desk) > 0:
        actor = sign_in(desk, as_user, Action.MANAGE_OPERATORS)
    password = _new_password()
    with refusals():
        view = operators.add_operator(desk, actor, username, display_name, role, password, outlets=outlet or None)
    out.print(_("Operator {u} ({role}) added at outlet {outlets}.").format(
        u=view.username, role=view.role.value, outlets=", ".join(view.outlets)))


@operator_app.command("passwd")
def operator_passwd(ctx: typer.Context, username: str, as_user: AsUser = None) -> None:
    """Change a password (your own, or anyone's if you manage operators)."""
    from outlet_desk.services import operators

    desk = state_of(ctx).desk()
    actor = sign_in(desk, as_user or username)
    password = _new_password()
    with refusals():
        operators.change_password(desk, actor, username, password)
    out.print(_("Password of {u} changed.").format(u=username))


@operator_app.command("unlock")
def operator_unlock(
    ctx: typer.Context, username: str, as_user: Annotated[str, typer.Option("--as", help="Your own user name.")]
) -> None:
    """Unlock an operator locked out by wrong passwords."""
    from outlet_desk.services import operators

    desk = state_of(ctx).desk()
    actor = sign_in(desk, as_user, Action.MANAGE_OPERATORS)
    with refusals():
        operators.unlock(desk, actor, username)
    out.print(_("Operator {u} unlocked.").format(u=username))


@operator_app.command("list")
def operator_list(ctx: typer.Context, as_user: AsUser = None) -> None:
    """List this outlet's operators (the role in the outlet's language, then the word --role takes, and the
    outlets each belongs to); signed in, by an operator who may manage operators."""
    from outlet_desk.domain.roles import role_label
    from outlet_desk.services import operators

    desk = state_of(ctx).desk()
    sign_in(desk, as_user, Action.MANAGE_OPERATORS)
    table = Table()
    for col in (_("User name"), _("Name"), _("Role"), _("Outlets"), _("Active"), _("Locked until")):
        table.add_column(col)
    for op in operators.list_operators(desk):
        table.add_row(op.username, op.display_name, f"{role_label(op.role)} ({op.role.value})",
                      ", ".join(op.outlets), _("yes") if op.active else _("no"),
                      local_time(op.locked_until, desk.tz) if op.locked_until else "")
    out.print(table)


stock_app = _command_group("stock", N_("Card stock: new cards arriving for reissue requests."))
receipt_app = _command_group("receipt", N_("Receipts."))
card_app = _command_group("card", N_("Cards: a virtual card for trying the desk by hand."))
app.add_typer(reader_app, name="reader")
app.add_typer(report_app, name="report")
app.command("backup")(backup_cmd)
app.command("restore")(restore_cmd)


@stock_app.command("receive")
def stock_receive(
    ctx: typer.Context,
    request: Annotated[int, typer.Option("--request", help="The reissue request number.",
                                                 callback=record_id("--request"))],
    card_number: Annotated[str, typer.Option("--card-number", help="The new card's number (9 characters).")],
    identification_code: Annotated[
        str, typer.Option("--identification-code", help="The new chip's identification code (32 hex).")
    ],
    as_user: Annotated[str, typer.Option("--as", help="Your own user name (a supervisor).")],
) -> None:
    """Mark a request's new card as arrived: it is then ready for collection."""
    from outlet_desk.services.reissue import receive_card

    desk = state_of(ctx).desk()
    actor = sign_in(desk, as_user, Action.RECEIVE_STOCK)
    with refusals():
        received = receive_card(desk, actor, request, card_number, identification_code)
    out.print(_("Card {card} received for request {req}: ready for collection.").format(
        card=received.card_number, req=received.request_id))


@receipt_app.command("verify")
def receipt_verify(ctx: typer.Context, code: str, key: KeyFile = None, as_user: AsUser = None) -> None:
    """Check a receipt against the audit record that sealed it (and its seal with the issuing outlet's key:
    this outlet's, or --key); exit 1 naming what differs, or if the code is unknown. Signed in (any operator
    of the outlet); the look-up is audited."""
    from outlet_desk.services.audit.keys import read_key
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read
    from outlet_desk.services.receipt_check import verify_receipt

    desk = state_of(ctx).verifying_desk(None)
    actor = sign_in(desk, as_user)
    with refusals():
        found = verify_receipt(desk, code, read_key(key.absolute()) if key else None)
    record_personal_read(desk, actor, ReadKind.RECEIPT, 0 if found is None else 1)
    if found is None:
        fail(_("Receipt code {code} is unknown at this outlet.").format(code=code), EXIT_CHECK_FAILED)
    if not found.genuine:
        fail(found.message(), EXIT_CHECK_FAILED)
    out.print(found.message(), markup=False)


@receipt_app.command("print")
def receipt_print(ctx: typer.Context, code: str, as_user: AsUser = None) -> None:
    """Write a receipt's text and PDF again from the audit record that sealed it, marked as a copy (and print
    it if [receipts] print_command is set); exit 1 if the receipt does not verify. Signed in (any operator of
    the outlet)."""
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read
    from outlet_desk.services.receipt_check import reprint_receipt, verify_receipt

    desk = state_of(ctx).verifying_desk(None)
    actor = sign_in(desk, as_user)
    with refusals():
        found = verify_receipt(desk, code)
    record_personal_read(desk, actor, ReadKind.RECEIPT, 0 if found is None else 1)
    if found is None:
        fail(_("Receipt code {code} is unknown at this outlet.").format(code=code), EXIT_CHECK_FAILED)
    if not found.genuine:
        fail(found.message(), EXIT_CHECK_FAILED)
    with refusals():
        _data, saved = reprint_receipt(desk, code)
    out.print(_("Copy of receipt {code} written: {text} and {pdf}.").format(
        code=found.code, text=saved.text_path, pdf=saved.pdf_path), markup=False)
    if saved.print_error:
        out.print(saved.print_error, markup=False)


@card_app.command("emulate")
def card_emulate(
    ctx: typer.Context,
    citizen: Annotated[str, typer.Option("--citizen", help="The holder's citizen number.")],
    slot: Annotated[int, typer.Option("--slot", min=0, max=1, help="vpcd slot: 0 or 1.")] = 0,
    card: Annotated[str | None, typer.Option("--card", help="Which of the person's cards (default: the one "
                                                            "waiting for collection, else the one in use).")] = None,
    pin: Annotated[str, typer.Option("--pin", help="The chip's PIN.")] = "123456",
) -> None:
    """Insert a virtual card for that person into the vpcd virtual reader until Ctrl-C; exit 1 if pcscd
    does not take it in (pcscd not running, or the slot held by another emulator). Its PIN blocks after
    the outlet's ``[collection] pin_tries`` wrong entries, as the region's real cards do."""
    from outlet_desk.reader.cli import run_emulator
    from outlet_desk.reader.errors import EmulatorNotInserted
    from outlet_desk.reader.virtual_card import VirtualCard
    from outlet_desk.services.emulation import card_data_for

    desk = state_of(ctx).desk()
    with refusals():
        data = card_data_for(desk, citizen, card)

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
