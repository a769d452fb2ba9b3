"""The command line in the outlet's language, as the desk speaks it: ``--help``, every command's help and
options, Click's own words (Usage, Options, the usage errors) and every message of every command, the
reader's too, whatever the command reads.

The language is peeked from the settings file the arguments name (``--config``/``-c``, else
``$OUTLET_DESK_CONFIG``, else the training outlet) as the desk's launcher does
(:func:`outlet_desk.config_file.peek_language`); a file that cannot be read leaves the language as it is
(the command then says why in it). The help texts are marked by :mod:`outlet_desk.i18n.cli_help`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer.core
from rich.cells import cell_len
from typer._click import formatting as click_formatting
from typer._click._compat import strip_ansi
from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperGroup, TyperOption

from outlet_desk.config_file import peek_language
from outlet_desk.i18n import N_, _, current_language, set_language

CONFIG_OPTIONS = ("--config", "-c")

#: Typer's own words in the help and its usage errors (looked up with ``_`` when the help is written).
TYPER_WORDS = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Arguments"), N_("Show this message and exit."),
    N_("No such command {name!r}."), N_("default: {default}"), N_("required"),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)

#: What an option's value is, in words, for the help's ``<...>`` (Typer writes Python's type names: ``<str>``,
#: ``<float range>``); a list of choices or of date formats is shown as it is.
VALUE_WORDS = {
    "str": N_("text"), "list[str]": N_("text"), "int": N_("number"), "int range": N_("number"),
    "float": N_("number"), "float range": N_("number"), "path": N_("path"), "file": N_("file"),
    "directory": N_("folder"),
}


class OutletHelpFormatter(HelpFormatter):
    """Typer's help layout with its headings, the usage prefix and each option's help in the outlet's
    language (Typer adds ``--help`` and the completion options itself, in English)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else _("Usage:") + " ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_(name)):
            yield

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _(text) if text else text) for term, text in rows], col_max, col_spacing)


class OutletContext(Context):
    formatter_class = OutletHelpFormatter


def config_named(args: Sequence[str]) -> Path | None:
    """The settings file ``args`` name with ``--config PATH``, ``-c PATH`` or ``--config=PATH`` (before the
    command, where the option belongs), else None."""
    for index, arg in enumerate(args):
        if arg in CONFIG_OPTIONS and index + 1 < len(args):
            return Path(args[index + 1])
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1])
        if not arg.startswith("-"):
            return None  # the command: its own options follow
    return None


def speak_outlet_language(command: Command, args: Sequence[str]) -> None:
    """Set the outlet's language for this run and put ``command``'s help and its subcommands' into it."""
    set_language(peek_language(config_named(args)) or current_language())
    typer.core._ = _  # type: ignore[attr-defined]  # Typer's headings and "No such command"
    setattr(click_formatting, "term_len", _cells)  # noqa: B010  # the help's columns lined up in Chinese too
    translate_command(command)


def _cells(text: str) -> int:
    """How wide ``text`` is on the terminal: Click counts characters, and a Chinese character takes two cells."""
    return cell_len(strip_ansi(text))


def first_clause(text: str) -> str:
    """A translated help's first sentence for the list of commands: Typer shortens a help at its spaces, and
    a Chinese sentence has none ("把 FILE..." was all that was left of one)."""
    found = re.match(r"[^。；]*[。；]", text)
    if found is None:
        return text
    clause = found.group(0)
    return clause[:-1] + "…" if clause.endswith("；") else clause


def range_words(param: object) -> str | None:
    """An option's bounds in the outlet's language, for the help's ``[...]`` (Typer writes ``x>=0``, a formula
    in no clerk's language); None for an option without bounds."""
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        return None
    if high is None:
        return _("{low} or more").format(low=low)
    if low is None:
        return _("{high} or less").format(high=high)
    return _("{low} to {high}").format(low=low, high=high)


def _shown_as(words: str) -> Callable[..., str]:
    """A parameter's ``display_type_rich``, answering ``words`` whatever the context."""
    def display_type_rich(ctx: Context | None = None) -> str:
        return words
    return display_type_rich


def translate_command(command: Command) -> None:
    """``command``'s help, its options' and its subcommands' in the outlet's language (set before)."""
    command.context_class = OutletContext
    if command.short_help:
        command.short_help = _(command.short_help)
    elif command.help and _(command.help) != command.help:
        command.short_help = first_clause(_(command.help))
    if command.help:
        command.help = _(command.help)
    for param in command.params:
        if isinstance(param, TyperOption | TyperArgument) and param.help:
            param.help = _(param.help)
        if isinstance(param, TyperOption | TyperArgument) and (words := range_words(param)) is not None:
            setattr(param, "_get_number_range_help_str", lambda words=words: words)  # noqa: B010
        if isinstance(param, TyperOption | TyperArgument) and param.metavar is None:
            word = VALUE_WORDS.get(param.display_type(Context(command))[1:-1])
            if word is not None:  # the help's <...> after the option or argument, in words
                setattr(param, "display_type_rich", _shown_as("<" + _(word) + ">"))  # noqa: B010
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            translate_command(sub)
