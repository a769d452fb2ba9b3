"""Opening the desk in this terminal: the Textual app on a settings file, its store opened behind the
sign-in screen. Both ways into the desk use this: :mod:`outlet_desk.launch` (the console entry, which
skips the CLI) and the ``run`` command of :mod:`outlet_desk.cli`; it imports neither of them.

Opening the desk is what a clerk waits for every morning, so this module imports nothing heavy when it
loads: the app, the settings check (pydantic), the store and the reader are imported by the functions
below when they run (see :mod:`outlet_desk.launch`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outlet_desk.app import DeskApp, OpenedDesk


def run_desk(config: Path | None) -> int:
    """Open the desk in this terminal; the exit code (2: the settings cannot be used)."""
    from outlet_desk.config_file import ConfigError

    try:
        app = desk_app(config)
    except ConfigError as error:
        print(error.message, file=sys.stderr)
        return error.exit_code
    if (refusal := no_terminal()) is not None:
        print(refusal, file=sys.stderr)
        return 2
    app.run()
    return app.return_code or 0


def no_terminal() -> str | None:
    """Why the desk cannot open here, or ``None``: it is a full-screen program for a person at a terminal,
    so standard input and output must both be one (in a pipe it would draw screens nobody reads and wait
    for keys that never come). The commands (``outlet-desk person find`` ...) work in pipes."""
    from outlet_desk.i18n import _

    if sys.stdin.isatty() and sys.stdout.isatty():
        return None
    return _("The desk needs a terminal: standard input and output must not be a pipe or a file. Open it in "
             "a terminal, or use a command (outlet-desk --help).")


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
    """Settings, store and reader for the desk app (runs in its worker). Settings that cannot be used, a
    store that refuses, a failure of the machine (:mod:`outlet_desk.services.failures`) or any other fault
    (logged in the data folder) end the app with exit code 2 and one message (:class:`DeskCannotOpen`)."""
    from outlet_desk.app import DeskCannotOpen, OpenedDesk
    from outlet_desk.config import ConfigError
    from outlet_desk.config_file import data_folder_of, settings_file
    from outlet_desk.domain.errors import DomainError
    from outlet_desk.i18n import _
    from outlet_desk.services.bootstrap import start_desk
    from outlet_desk.services.errors import ServiceError
    from outlet_desk.services.failures import failure_message, log_unexpected, unexpected_message
    from outlet_desk.widgets.reader_feed import reader_from_settings

    try:
        started = start_desk(config)
    except (ConfigError, DomainError, ServiceError) as error:
        raise DeskCannotOpen(error.message, 2) from error
    except Exception as error:  # a failure of the machine, or logged beside the data: one message either way
        message = failure_message(error)
        if message is None:
            data = data_folder_of(settings_file(config)[0])
            message = unexpected_message(error, log_unexpected(error, data))
        raise DeskCannotOpen(message, 2) from error
    notes = []
    if started.seeded:
        notes.append(_("Training data created: about 200 persons with cards in every status."))
    if started.lapsed:
        notes.append(_("{n} temporary loss reports lapsed; those cards are in use again.").format(n=started.lapsed))
    if started.receipts:
        notes.append(started.receipts)
    return OpenedDesk(started.desk, reader_from_settings(started.desk.settings), started.sign_in_hint, tuple(notes),
                      started.exposed)
