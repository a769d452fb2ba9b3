"""Click's usage errors in the outlet's language: the usage line, "Try ... for help" and the error itself.

Typer's Click writes its usage errors as English sentences with the option, the value or the command in
them (``Missing option '--day'.``, ``No such option: --dya``, ``Invalid value for '--limit': ...``); they
are matched here, sentence by sentence, and said again with the outlet's messages. A sentence not in the
table stays as Click wrote it (it names what was wrong, if in English). :class:`OutletUsageError` replaces
a usage error as it leaves the root command (:class:`outlet_desk.cli_support.Boundary`).
"""

from __future__ import annotations

import re
from functools import partial
from typing import IO, Any

from typer._click._compat import get_text_stderr
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer._click.utils import echo

from outlet_desk.i18n import N_, _

#: Click's English sentences (each a pattern naming its parts) and the message each is said with.
SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), message) for pattern, message in (
    (r"No such option: (?P<option>\S+)", N_("No such option: {option}")),
    (r"\(Possible options: (?P<options>[^)]*)\)", N_("(possible options: {options})")),
    (r"Missing option (?P<name>'[^']*'(?: / '[^']*')*)\.", N_("Missing option {name}.")),
    (r"Missing argument (?P<name>'[^']*')\.", N_("Missing argument {name}.")),
    (r"Missing parameter: (?P<name>\S+)", N_("Missing parameter: {name}")),
    (r"Invalid value for (?P<name>'[^']*'(?: / '[^']*')*): ", N_("Invalid value for {name}: ")),
    (r"Invalid value: ", N_("Invalid value: ")),
    (r"Value (?P<value>'[^']*') is not a valid (?P<kind>\w+)\.", N_("{value} is not a valid {kind}.")),
    (r"(?P<value>'[^']*') is not one of (?P<choices>.*)\.", N_("{value} is not one of {choices}.")),
    (r"Choose from:", N_("Choose from:")),
    (r"Input should be a valid (?P<kind>\w+)[^.]*", N_("a valid {kind} is needed")),
    (r"Input should be greater than or equal to (?P<n>-?\d+)", N_("it must be at least {n}")),
    (r"Input should be less than or equal to (?P<n>-?\d+)", N_("it must be at most {n}")),
    (r"Input should be (?P<choices>'.*)", N_("it must be {choices}")),
    (r"Option (?P<option>'[^']*') requires an argument\.", N_("Option {option} needs a value.")),
    (r"Option (?P<option>'[^']*') requires (?P<n>\d+) arguments\.", N_("Option {option} needs {n} values.")),
    (r"Option (?P<option>'[^']*') does not take a value\.", N_("Option {option} takes no value.")),
    (r"Argument (?P<name>'[^']*') takes (?P<n>\d+) values\.", N_("Argument {name} takes {n} values.")),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>[^)]*)\)", N_("Unexpected extra arguments: {args}")),
    (r"(?:\. )?Did you mean (?P<names>[^?]*)\?", N_(". Did you mean {names}?")),
))

#: The kinds of value Click and Pydantic name ("not a valid integer").
KINDS = {"integer": N_("whole number"), "int": N_("whole number"), "number": N_("number"), "float": N_("number"),
         "boolean": N_("yes or no"), "bool": N_("yes or no"), "date": N_("date"), "path": N_("path")}
WORDS = (N_("or"), N_("Error: {message}"), N_("Try '{command} {option}' for help."))


def in_outlet_language(text: str) -> str:
    """Click's usage error ``text`` with each sentence it knows said in the outlet's language (and without
    Pydantic's "Value error, " before a message)."""
    text = text.replace("Value error, ", "")
    for pattern, message in SENTENCES:
        text = pattern.sub(partial(_said, message), text)
    return text


def _said(message: str, found: re.Match[str]) -> str:
    parts = {name: _(KINDS[value]) if name == "kind" and value in KINDS else value
             for name, value in found.groupdict().items()}
    if "choices" in parts:
        parts["choices"] = parts["choices"].replace(" or ", " " + _("or") + " ")
    return _(message).format(**parts)


class OutletUsageError(UsageError):
    """A usage error said in the outlet's language: the usage line, the help hint and the error."""

    def __init__(self, error: UsageError) -> None:
        super().__init__(in_outlet_language(error.format_message()), error.ctx)
        self.exit_code = error.exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        file = file if file is not None else get_text_stderr()
        color = self.ctx.color if self.ctx is not None else None
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = _("Try '{command} {option}' for help.").format(
                    command=self.ctx.command_path, option=self.ctx.help_option_names[0]) + "\n"
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
        echo(_("Error: {message}").format(message=self.format_message()), file=file, color=color)


def said_in_outlet_language(error: UsageError) -> UsageError:
    """``error`` as the outlet says it (the help that no arguments ask for is left as it is)."""
    if isinstance(error, NoArgsIsHelpError | OutletUsageError):
        return error
    return OutletUsageError(error)
