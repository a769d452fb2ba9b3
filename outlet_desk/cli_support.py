"""What every ``outlet-desk`` command module shares (:mod:`outlet_desk.cli`, :mod:`outlet_desk.report_cli`):
the exit codes, the two consoles, failing with a message, the typed refusals turned into exit codes, the
settings and store of one command line, and signing an operator in with ``--as``.

Exit codes: 0 ok, 1 a check failed, 2 bad input or config. This module imports no command module, so
the command modules import it and never each other's plumbing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from outlet_desk.config import ConfigError, Settings, load_settings
from outlet_desk.config_file import peek_language
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import visible
from outlet_desk.i18n import _, current_language, set_language
from outlet_desk.services.errors import ServiceError

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2

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


def fail(message: str, code: int) -> NoReturn:
    err.print(message, markup=False)
    raise typer.Exit(code)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the typed refusals of config, domain and services into one message and an exit code."""
    try:
        yield
    except ConfigError as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except DomainError as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except ServiceError as exc:
        fail(exc.message, EXIT_BAD_INPUT)


class State:
    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            # Messages about the settings themselves are in the outlet's language too (when it can be read).
            set_language(peek_language(self.config) or current_language())
            with refusals():
                self._settings = load_settings(self.config)
        return self._settings

    def desk(self) -> Any:
        from outlet_desk.services.bootstrap import open_desk

        with refusals():
            return open_desk(self.settings())


def state_of(ctx: typer.Context) -> State:
    """The command line's :class:`State` (set by the root command's callback)."""
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def login(desk: Any, username: str) -> Any:
    """Sign ``username`` in (``--as``): the password from ``$OUTLET_DESK_PASSWORD``, else asked."""
    from outlet_desk.services import operators

    password = os.environ.get("OUTLET_DESK_PASSWORD") or typer.prompt(
        _("Password for {u}").format(u=username), hide_input=True)
    with refusals():
        return operators.authenticate(desk, username, password)
