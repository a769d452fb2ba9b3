"""The console entry ``outlet-desk``: the desk opens from here, fast; every other command goes to the
Typer CLI (:mod:`outlet_desk.cli`).

Opening the desk is what a clerk waits for every morning, so this path imports only Textual and the
sign-in screen before the first frame: the settings are peeked for the language (``tomllib``), the
sign-in screen goes up, and the settings check (pydantic), the store (SQLAlchemy, migrations, training
data, lapsed losses) and the card reader are opened by :func:`open_desk` (in :mod:`outlet_desk.desk_start`)
in a worker while the clerk types.
The CLI loads only for the other commands, and of its command modules only the one of the group invoked
(:class:`outlet_desk.cli.LazyBoundary`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from outlet_desk.desk_start import desk_app as desk_app  # the desk's own module, also the CLI's ``run``
from outlet_desk.desk_start import open_desk as open_desk
from outlet_desk.desk_start import run_desk

DESK_COMMANDS = ("run",)
COMPLETION_VARIABLE = "_OUTLET_DESK_COMPLETE"
"""Set by the shell's completion script (``outlet-desk --install-completion``): Typer answers it."""
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


def _not_text(arg: str) -> bool:
    """An argument that was not UTF-8 (Python keeps its bytes as surrogates)."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if any(_not_text(arg) for arg in args):  # rare: only then the message's module is loaded
        from outlet_desk.services.failures import undecodable_argument

        print(undecodable_argument(args), file=sys.stderr)
        raise SystemExit(2)
    is_desk, config = desk_config(args)
    if not is_desk or COMPLETION_VARIABLE in os.environ:  # the shell asks Typer for completions
        from outlet_desk.cli import main as cli_main

        cli_main()
        return
    raise SystemExit(run_desk(config))
