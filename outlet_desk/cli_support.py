"""What every ``outlet-desk`` command module shares (:mod:`outlet_desk.cli`, :mod:`outlet_desk.report_cli`):
the exit codes, the two consoles, failing with a message, the typed refusals turned into exit codes, the
settings and store of one command line, and signing an operator in (``--as`` or ``$OUTLET_DESK_USER``).

Exit codes: 0 ok, 1 a check failed, 2 bad input or config. This module imports no command module, so
the command modules import it and never each other's plumbing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text
from typer._click.core import Context
from typer._click.exceptions import ClickException, UsageError
from typer._click.globals import get_current_context
from typer.core import TyperGroup

from outlet_desk.cli_errors import said_in_outlet_language
from outlet_desk.config_file import ConfigError, data_folder_of, peek_language, settings_file
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import visible
from outlet_desk.i18n import N_, _, current_language, set_language
from outlet_desk.services.errors import ServiceError

if TYPE_CHECKING:
    from outlet_desk.config import Settings

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class Deferred(NamedTuple):
    """A command or group of ``outlet-desk`` whose module is imported only when it runs."""

    module: str
    name: str  # the Typer app (a group) or the function (a command) in that module
    help: str  # its help: a group's Typer app takes it from here, a command's docstring must say the same


#: Every command and group of ``outlet-desk`` kept in a module of its own, by name: ``outlet-desk --help`` lists
#: them with these texts without importing one module (:class:`outlet_desk.cli.LazyBoundary`); a test loads each
#: and checks that its own help is this one.
DEFERRED = {
    "backup": Deferred("outlet_desk.store_cli", "backup_cmd", N_(
        "Back up the store into FILE (SQLite's online backup, or pg_dump), while the counters work; the copy\n"
        "is checked (integrity, database revision, audit chain) before it is kept. Mode 0600.")),
    "restore": Deferred("outlet_desk.store_cli", "restore_cmd", N_(
        "Restore FILE into the outlet's store, which must be empty (stop the desks first); the outlet's audit\n"
        "key file must be in place. Checked like a backup; you sign in as an operator of the restored store.")),
    "where": Deferred("outlet_desk.where_cli", "where_cmd", N_(
        "Where this desk's settings and data are: the settings file (and why that one), the data folder, the\n"
        "database, the keys, the audit witness, receipts, reports and the logs. Opens no database.")),
    "db": Deferred("outlet_desk.store_cli", "db_app", N_("The store: migrations, the data key.")),
    "audit": Deferred("outlet_desk.audit_cli", "audit_app", N_("The audit chain.")),
    "operator": Deferred("outlet_desk.operator_cli", "operator_app", N_("Operators: add, passwd, unlock, list.")),
    "receipt": Deferred("outlet_desk.receipt_cli", "receipt_app", N_("Receipts.")),
    "reader": Deferred("outlet_desk.reader_cli", "reader_app", N_("Card readers: list them and watch cards.")),
    "report": Deferred("outlet_desk.report_cli", "report_app", N_(
        "Reports: the daily report, the city report, the province report.")),
    "stock": Deferred("outlet_desk.stock_cli", "stock_app", N_(
        "Card stock: batches from a manifest scanned in by chip, blank cards, spoiled cards, the count.")),
    "request": Deferred("outlet_desk.request_cli", "request_app", N_(
        "Reissue requests: where the new card is, a card that could not be made, its order again.")),
    "feed": Deferred("outlet_desk.feed_cli", "feed_app", N_("The card-status feed: export, acknowledge, check.")),
    "uncollected": Deferred("outlet_desk.uncollected_cli", "uncollected_app", N_(
        "Cards waiting for collection: their ageing, the contacts with their holders, the return of a card kept "
        "past the retention period.")),
    "rules": Deferred("outlet_desk.rules_cli", "rules_app", N_(
        "The rules shown to citizens, with the figures this outlet applies.")),
}

class PlainConsole(Console):
    """A console for text from outside (names, queries, reasons, paths): never read as Rich markup, and
    every control character written as an escape (:func:`outlet_desk.domain.text.visible`), in messages
    and table cells alike, so that a stored ``[/]`` or an escape sequence cannot break or drive the terminal."""

    def __init__(self, *, stderr: bool = False) -> None:
        super().__init__(stderr=stderr, highlight=False, soft_wrap=True, markup=False)

    def render_str(self, text: str, **options: Any) -> Text:
        options["markup"] = False
        return super().render_str(visible(text), **options)


err = PlainConsole(stderr=True)
out = PlainConsole()


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for a script (its schema: docs/json/).")]
"""The ``--json`` option of every command that prints something a script reads (docs/json/ holds the schemas)."""


def print_json(data: Any) -> None:
    """``data`` as JSON on standard output (UTF-8 text as it is, dates as ISO 8601), for ``--json``."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def fail(message: str, code: int) -> NoReturn:
    err.print(message, markup=False)
    raise typer.Exit(code)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the typed refusals of config, domain and services into one message and an exit code."""
    try:
        yield
    except (ConfigError, DomainError, ServiceError) as exc:
        from outlet_desk.services import desk_log

        context = get_current_context(silent=True)
        desk_log.refused(context.command_path if context else "outlet-desk", exc)
        fail(exc.message, EXIT_BAD_INPUT)


class State:
    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    def database_shown(self) -> str | None:
        """The store's URL as it may be shown (password masked), once the settings are loaded."""
        if self._settings is None:
            return None
        from outlet_desk.services.store_access import shown_database

        return shown_database(self._settings.database_url())

    def data_dir(self) -> Path:
        """The data folder (where the log of unexpected failures goes), even when the settings are bad."""
        if self._settings is not None:
            return self._settings.data_dir()
        return data_folder_of(settings_file(self.config)[0])

    def settings(self) -> Settings:
        if self._settings is None:
            # Messages about the settings themselves are in the outlet's language too (when it can be read).
            set_language(peek_language(self.config) or current_language())
            from outlet_desk.config import load_settings  # pydantic: only for a command that reads them

            with refusals():
                self._settings = load_settings(self.config)
        return self._settings

    def desk(self) -> Any:
        """The store, opened (and migrated); files or folders of the desk that others may read are named on
        standard error first, one line each with the chmod to run."""
        from outlet_desk.services.bootstrap import open_desk
        from outlet_desk.services.file_modes import exposed_files

        with refusals():
            desk = open_desk(self.settings())
        for line in exposed_files(desk.settings):
            err.print(line)
        return desk

    def verifying_desk(self, key_file: Path | None) -> Any:
        """A desk that only verifies, with ``key_file`` (default: the configured key): not refused for a key
        id the store names, since that id may be the edit being looked for."""
        from outlet_desk.services.bootstrap import open_desk

        settings = self.settings()
        with refusals():
            return open_desk(settings, verifying=True, verify_with=key_file.absolute() if key_file else None)


class Boundary(TyperGroup):
    """The root command: every failure of the machine that escapes a command (a file, the disk, the
    database file, a value out of range, text that is not UTF-8) ends as one message and exit 2
    (:mod:`outlet_desk.services.failures`); anything else is logged in the data folder and named in one
    line, also exit 2. Click's own ends (usage errors, ``typer.Exit``, Ctrl-C) pass through."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        """The whole command line in the outlet's language (:mod:`outlet_desk.cli_language`), then Typer's run."""
        self.speak(sys.argv[1:] if args is None else list(args))
        return super().main(args, *rest, **options)

    def speak(self, args: list[str]) -> None:
        """Put this command line into the outlet's language (:func:`outlet_desk.cli_language.speak_outlet_language`)."""
        from outlet_desk.cli_language import speak_outlet_language

        speak_outlet_language(self, args)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        from outlet_desk.services.failures import undecodable_argument

        if (problem := undecodable_argument(args)) is not None:
            fail(problem, EXIT_BAD_INPUT)
        try:
            return super().parse_args(ctx, args)
        except UsageError as error:
            raise said_in_outlet_language(error) from None

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as error:  # Click's words, in the outlet's language
            raise said_in_outlet_language(error) from None
        except (ClickException, typer.Exit, typer.Abort):
            raise
        except Exception as error:  # the boundary: nothing raw reaches the person
            from outlet_desk.services.failures import failure_message, log_unexpected, unexpected_message

            state = ctx.obj if isinstance(ctx.obj, State) else State(None)
            message = failure_message(error, state.database_shown())
            if message is None:
                message = unexpected_message(error, log_unexpected(error, state.data_dir()))
            fail(message, EXIT_BAD_INPUT)


def state_of(ctx: typer.Context) -> State:
    """The command line's :class:`State` (set by the root command's callback)."""
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


KeyFile = Annotated[Path | None, typer.Option(
    "--key", help="Check with this audit key file instead of [audit] key_file (the store's key id is not "
                  "trusted: it may be what was edited).")]
"""``--key`` of the commands that check seals (``audit verify``, ``receipt verify``)."""

AsUser = Annotated[str | None, typer.Option(
    "--as", help="Your own user name (you are asked your password; or $OUTLET_DESK_USER and "
                 "$OUTLET_DESK_PASSWORD).")]
"""The ``--as`` option of every command that signs in (:func:`sign_in`)."""

USER_VAR, PASSWORD_VAR = "OUTLET_DESK_USER", "OUTLET_DESK_PASSWORD"
WITNESS_PASSWORD_VAR = "OUTLET_DESK_WITNESS_PASSWORD"
"""The second operator's password when a script records a spoiled card or returns an uncollected card."""
"""Who signs in when a script runs a command (no terminal to ask on): the user name and the password."""


def parse_day(option: str, text: str | None) -> date | None:
    """The day given to ``option`` (YYYY-MM-DD), or exit 2 naming the option and the form."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(_("{option} {value} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25.").format(
            option=option, value=text), EXIT_BAD_INPUT)
    from outlet_desk.services.report import check_report_day

    with refusals():
        return check_report_day(day)


def sign_in(desk: Any, as_user: str | None, action: Any = None) -> Any:
    """The operator a command acts or reads for: ``--as USER`` (else ``$OUTLET_DESK_USER``), with the
    password from ``$OUTLET_DESK_PASSWORD``, else asked on the terminal (never taken from the command
    line). No user, or no password and no terminal to ask it on: one message, exit 2. With ``action``, the
    operator's role must allow it (``domain.roles``), else exit 2 naming the rule."""
    username, password = credentials(as_user)
    with refusals():
        return authenticated(desk, username, password, action)



def signed_in(ctx: typer.Context, as_user: str | None, action: Any = None) -> tuple[Any, Any]:
    """The store, opened, and the operator signed in (:func:`sign_in`) for ``action``."""
    desk = state_of(ctx).desk()
    return desk, sign_in(desk, as_user, action)

def credentials(as_user: str | None) -> tuple[str, str]:
    """The user name and password to sign in with (see :func:`sign_in`); exit 2 when there are none."""
    username = as_user or os.environ.get(USER_VAR)
    if not username:
        fail(_("Sign in first: --as USER (your password is asked on the terminal), or set ${user} and ${password} "
               "when no one is at a terminal.").format(user=USER_VAR, password=PASSWORD_VAR), EXIT_BAD_INPUT)
    password = ask_secret(PASSWORD_VAR, _("Password for {u}").format(u=username), _(
        "No terminal to ask {u}'s password on: set ${password} (a password is never given on the command "
        "line).").format(u=username, password=PASSWORD_VAR))
    return username, password


NEW_PASSWORD_VAR = "OUTLET_DESK_NEW_PASSWORD"
"""A new password (``operator add``, ``operator passwd``) when no one is at a terminal."""


def new_password() -> str:
    """The new password of ``operator add`` / ``passwd``: ``$OUTLET_DESK_NEW_PASSWORD``, else asked twice."""
    return ask_secret(NEW_PASSWORD_VAR, _("New password (at least 12 characters)"), _(
        "No terminal to ask the new password on: set ${password} (a password is never given on the command "
        "line).").format(password=NEW_PASSWORD_VAR), confirm=True)


def ask_secret(variable: str, prompt: str, no_terminal: str, *, confirm: bool = False) -> str:
    """The one rule for every prompt of the command line: ``$variable`` if set, else asked on the terminal
    (hidden; ``confirm``: twice); with no terminal to ask on, ``no_terminal`` on standard error and exit 2 at
    once (never a prompt written into a pipe)."""
    value = os.environ.get(variable)
    if value:
        return value
    if not sys.stdin.isatty():
        fail(no_terminal, EXIT_BAD_INPUT)
    answer: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    return answer


def authenticated(desk: Any, username: str, password: str, action: Any = None) -> Any:
    """Sign ``username`` in (typed refusals raised as they are), and check that their role allows ``action``."""
    from outlet_desk.domain.roles import require
    from outlet_desk.services import operators

    actor = operators.authenticate(desk, username, password)
    if action is not None:
        require(actor.role, action)
    return actor


def record_id(option: str) -> Any:
    """A typer callback for an option that takes a record's number: the one rule for ids
    (:func:`outlet_desk.domain.record_ids.check_record_id`), checked as the argument is read."""
    from outlet_desk.domain.record_ids import check_record_id

    def check(value: int | None) -> int | None:
        if value is not None:
            with refusals():
                check_record_id(value, option)
        return value

    return check


@contextmanager
def progress_shown(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(stage, done, total)`` for a long command: a Rich progress bar on a terminal; plain
    lines without one (a line per stage and quarter, so a log or a pipe gets a few lines, not a redrawn bar)."""
    if console.is_terminal:
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            tasks: dict[str, TaskID] = {}

            def draw(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            yield draw
        return
    said: dict[str, int] = {}

    def say(stage: str, done: int, total: int) -> None:
        quarter = 4 if total <= 0 else min(4, done * 4 // total)
        if said.get(stage, -1) < quarter:
            said[stage] = quarter
            console.print(f"{stage}: {quarter * 25}%")

    yield say
