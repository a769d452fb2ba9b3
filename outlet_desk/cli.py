"""The console entry ``outlet-desk``. Exit codes: 0 ok, 1 a check failed, 2 bad input or config."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from rich.table import Table
from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter
from typer._click.shell_completion import CompletionItem
from typer.core import TyperCommand

from outlet_desk import __version__
from outlet_desk.cli_language import translate_command
from outlet_desk.cli_support import (
    DEFERRED,
    EXIT_CHECK_FAILED,
    AsJson,
    AsUser,
    Boundary,
    State,
    fail,
    out,
    print_json,
    refusals,
    sign_in,
    state_of,
)
from outlet_desk.desk_start import run_desk as open_the_desk
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import N_, _
from outlet_desk.services import desk_log
from outlet_desk.services.desk_log import LogLevel

#: ``outlet-desk --help`` in its order: this module's commands and groups, and those of :data:`DEFERRED`.
ORDER = ("run", "demo", "backup", "restore", "where", "db", "audit", "person", "operator", "receipt", "card",
         "reader", "report", "stock", "request", "feed", "uncollected", "rules")


class Unloaded(TyperCommand):
    """A deferred command or group (:data:`DEFERRED`) before its module is imported: its name and help, for the
    list of commands and for completion."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, help=DEFERRED[name].help, rich_markup_mode=None)


def load(name: str, *, translated: bool = False) -> Command:
    """The deferred command or group ``name``, its module imported, made as ``app.add_typer(…, name=name)`` (or
    ``app.command(name)``) would have made it; ``translated``: its help put in the outlet's language."""
    deferred = DEFERRED[name]
    made = getattr(importlib.import_module(deferred.module), deferred.name)
    parent = typer.Typer(rich_markup_mode=None)
    if isinstance(made, typer.Typer):
        parent.add_typer(made, name=name)
    else:
        parent.command(name)(made)
    command = typer.main.get_group(parent).commands[name]
    if translated:
        translate_command(command)
    return command


class LazyCommands(MutableMapping[str, Command]):
    """The root's commands by name, in :data:`ORDER`: a deferred one is loaded when it is looked up, except
    while the root only wants names and helps (``--help``, completion, the helps put into the outlet's
    language), when its :class:`Unloaded` stands in."""

    def __init__(self, made: MutableMapping[str, Command]) -> None:
        rest = dict(made)
        self._commands: dict[str, Command] = {
            name: rest.pop(name) if name in rest else Unloaded(name) for name in ORDER} | rest
        self.names_only = False
        self.spoken = False  # the root's help put in the outlet's language: so is each command loaded after

    def __getitem__(self, name: str) -> Command:
        command = self._commands[name]
        if isinstance(command, Unloaded) and not self.names_only:
            command = self._commands[name] = load(name, translated=self.spoken)
        return command

    def __setitem__(self, name: str, command: Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)


class LazyBoundary(Boundary):
    """The root command, whose command groups of their own modules load only when they run: ``outlet-desk
    --help`` and ``outlet-desk reader list`` import neither Textual nor SQLAlchemy nor the other groups."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = self.lazy = LazyCommands(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)  # the names, in order, without loading

    @contextmanager
    def _names_only(self) -> Iterator[None]:
        self.lazy.names_only = True
        try:
            yield
        finally:
            self.lazy.names_only = False

    def speak(self, args: list[str]) -> None:
        with self._names_only():
            super().speak(args)
        self.lazy.spoken = True

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        with self._names_only():
            super().format_commands(ctx, formatter)

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        with self._names_only():
            return super().shell_complete(ctx, incomplete)


app = typer.Typer(
    cls=LazyBoundary,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    invoke_without_command=True,
    help="Outlet Desk: the counter desk of a social security card service outlet.",
    rich_markup_mode=None,
)


def _command_group(name: str, help_text: str) -> typer.Typer:
    """A group of commands (``outlet-desk NAME …``), mounted on the main command (:data:`ORDER` places it)."""
    group = typer.Typer(help=help_text, add_completion=False)
    app.add_typer(group, name=name)
    return group


person_app = _command_group("person", N_("Card holders."))
card_app = _command_group("card", N_("Cards: a virtual card for trying the desk by hand."))


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
