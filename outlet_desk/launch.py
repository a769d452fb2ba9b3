"""The console entry ``outlet-desk``: the desk opens from here, fast; every other command goes to the
Typer CLI (:mod:`outlet_desk.cli`).

Opening the desk is what a clerk waits for every morning, so this path imports only Textual and the
sign-in screen before the first frame: the settings are peeked for the language (``tomllib``), the
sign-in screen goes up, and the settings check (pydantic), the store (SQLAlchemy, migrations, training
data, lapsed losses) and the card reader are opened by :func:`open_desk` in a worker while the clerk types.
The CLI and its command modules cost about 0.4 s to import; they load only for the other commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outlet_desk.app import DeskApp, OpenedDesk

DESK_COMMANDS = ("run",)
CONFIG_OPTIONS = ("--config", "-c")


def desk_config(args: list[str]) -> tuple[bool, Path | None]:
    """Whether ``args`` open the desk (``[--config PATH | -c PATH | --config=PATH] [run]``), and the
    settings file they name. Anything else (help, other commands, unknown options) is the CLI's."""
    config: Path | None = None
    rest = list(args)
    if rest and rest[0] in CONFIG_OPTIONS and len(rest) >= 2:
        config, rest = Path(rest[1]), rest[2:]
    elif rest and rest[0].startswith("--config="):
        config, rest = Path(rest[0].split("=", 1)[1]), rest[1:]
    if not rest or (len(rest) == 1 and rest[0] in DESK_COMMANDS):
        return True, config
    return False, None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    is_desk, config = desk_config(args)
    if not is_desk:
        from outlet_desk.cli import main as cli_main

        cli_main()
        return
    raise SystemExit(run_desk(config))


def run_desk(config: Path | None) -> int:
    """Open the desk in this terminal; the exit code (2: the settings cannot be used)."""
    from outlet_desk.config_file import ConfigError

    try:
        app = desk_app(config)
    except ConfigError as error:
        print(error.message, file=sys.stderr)
        return error.exit_code
    app.run()
    return app.return_code or 0


def desk_app(config: Path | None) -> DeskApp:
    """The desk app on the settings file ``config``, in the outlet's language, its store opened behind
    the sign-in screen. A file that is not readable TOML raises ``ConfigError`` here, before any screen."""
    from outlet_desk.app import DeskApp
    from outlet_desk.config_file import peek_language
    from outlet_desk.i18n import set_language

    language = peek_language(config)
    if language is None:  # the full check names the file, the line and the column
        from outlet_desk.config import load_settings

        load_settings(config)
    set_language(language or "zh_CN")
    return DeskApp(None, opener=lambda: open_desk(config))


def open_desk(config: Path | None) -> OpenedDesk:
    """Settings, store and reader for the desk app (runs in its worker). Settings that cannot be used, or
    a store that refuses, end the app with exit code 2 and the message (:class:`DeskCannotOpen`)."""
    from outlet_desk.app import DeskCannotOpen, OpenedDesk
    from outlet_desk.config import ConfigError
    from outlet_desk.domain.errors import DomainError
    from outlet_desk.i18n import _
    from outlet_desk.services.bootstrap import start_desk
    from outlet_desk.services.errors import ServiceError
    from outlet_desk.widgets.reader_feed import reader_from_settings

    try:
        started = start_desk(config)
    except (ConfigError, DomainError, ServiceError) as error:
        raise DeskCannotOpen(error.message, 2) from error
    notes = []
    if started.seeded:
        notes.append(_("Training data created: about 200 persons with cards in every status."))
    if started.lapsed:
        notes.append(_("{n} temporary loss reports lapsed; those cards are in use again.").format(n=started.lapsed))
    return OpenedDesk(started.desk, reader_from_settings(started.desk.settings), started.sign_in_hint, tuple(notes))
