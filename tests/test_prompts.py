"""A prompt that cannot be answered (no terminal, no variable) fails at once: one message on standard error,
nothing on standard output, exit 2. Every prompt of the command line goes through one rule
(``cli_support.ask_secret``), which a scan of the sources holds to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli_outlet import run

pytestmark = pytest.mark.usefixtures("english")

PACKAGE = Path(__file__).resolve().parents[1] / "outlet_desk"


def _refused(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0] and "Aborted" not in lines[0], lines
    return lines[0]


def test_a_new_password_with_no_terminal_and_no_variable_is_refused_at_once(config: Path) -> None:
    line = _refused(run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss", env={}))
    assert "$OUTLET_DESK_NEW_PASSWORD" in line
    boss = {"OUTLET_DESK_NEW_PASSWORD": "first admin password"}
    assert run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss", env=boss).exit_code == 0
    signed = {"OUTLET_DESK_USER": "boss", "OUTLET_DESK_PASSWORD": "first admin password"}
    assert "$OUTLET_DESK_NEW_PASSWORD" in _refused(run(config, "operator", "passwd", "boss", env=signed))


def test_a_password_with_no_terminal_and_no_variable_is_refused_at_once(config: Path) -> None:
    assert run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss",
               env={"OUTLET_DESK_NEW_PASSWORD": "first admin password"}).exit_code == 0
    for args in (("operator", "list", "--as", "boss"), ("audit", "verify", "--as", "boss", "--json")):
        assert "$OUTLET_DESK_PASSWORD" in _refused(run(config, *args, env={}))


def test_every_prompt_goes_through_the_one_rule() -> None:
    asking = re.compile(r"\b(typer|click)\.(prompt|confirm)\(|(?<![\w.])input\(|getpass\(")
    found = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if asking.search(p.read_text("utf-8"))}
    assert found == {"cli_support.py"}
