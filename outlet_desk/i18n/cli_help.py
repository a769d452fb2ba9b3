"""The command line's help texts as messages: every ``help=`` given as a literal and every command's docstring
in a module that uses Typer (the help Typer shows). ``extract`` adds them to the template beside the ``_()``
calls; :mod:`outlet_desk.cli_language` translates them when the command line starts."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

HELP_KEYWORD = "help"
COMMAND_DECORATORS = ("command", "callback")
COMMAND_SUFFIX = "_cmd"


def help_texts(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each help text in ``source``, the docstrings cleaned as Typer shows them."""
    if "import typer" not in source:
        return
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == HELP_KEYWORD and isinstance(keyword.value, ast.Constant) and \
                        isinstance(keyword.value.value, str) and keyword.value.value:
                    yield keyword.value.lineno, keyword.value.value
        elif isinstance(node, ast.FunctionDef) and _is_command(node):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield node.lineno, inspect.cleandoc(docstring)


def _is_command(node: ast.FunctionDef) -> bool:
    """Decorated as a Typer command or callback, without a ``help=`` of its own; or named ``*_cmd``, the
    name of a command registered elsewhere (``app.command("backup")(backup_cmd)``)."""
    if node.name.endswith(COMMAND_SUFFIX):
        return True
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and \
                decorator.func.attr in COMMAND_DECORATORS:
            return not any(k.arg == HELP_KEYWORD for k in decorator.keywords)
    return False


def package_help_texts(package: Path) -> Iterator[tuple[str, int, str]]:
    """(file relative to ``package``, line, text) of every help text in the package."""
    for path in sorted(package.rglob("*.py")):
        for line, text in help_texts(path.read_text(encoding="utf-8")):
            yield path.relative_to(package).as_posix(), line, text
