"""Any text from outside on the command line is data: whatever is typed as a query, a name, a user name, a
code or a date, the command ends with a message and exit 0, 1 or 2, never a traceback, and on exit 2 it wrote
nothing to standard output. A stored name that is Rich markup is printed as typed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from outlet_desk.cli import app
from outlet_desk.i18n import set_language
from tests.cli_outlet import OUTLET

ADMIN_PASSWORD = "first admin password"
ENV = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": ADMIN_PASSWORD,
       "OUTLET_DESK_NEW_PASSWORD": "a new clerk password"}
"""Signed in as the supervisor ``super1`` unless ``--as`` says otherwise (``boss`` has the same password)."""

# Any text, including controls, format characters, markup and very long strings (real argv never holds NUL).
free_text = st.one_of(
    st.text(st.characters(blacklist_characters="\x00"), max_size=40),
    st.sampled_from(["[/]", "[bold red]x[/]", "[link=https://example.org]x[/link]", "\x1b[2J\x1b[31m",
                     "\u202eevil", "x" * 300, "王" * 101, "-", "--help", "110105199003071234"]),
)
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def outlet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A training outlet with an administrator, ``boss``, and a supervisor, ``super1`` (who may search)."""
    folder = tmp_path_factory.mktemp("free-text")
    config = folder / "outlet.toml"
    config.write_text(OUTLET)
    set_language("en")
    first = run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss",
                env={"OUTLET_DESK_NEW_PASSWORD": ADMIN_PASSWORD})
    assert first.exit_code == 0, first.output
    supervisor = run(config, "operator", "add", "super1", "--role", "supervisor", "--name", "Super", "--as", "boss",
                     env={**ENV, "OUTLET_DESK_NEW_PASSWORD": ADMIN_PASSWORD})
    assert supervisor.exit_code == 0, supervisor.output
    return config


def run(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env=env or ENV)


def operators_in(config: Path) -> int:
    with sqlite3.connect(config.parent / "data" / "outlet.db") as db:
        return int(db.execute("select count(*) from operator").fetchone()[0])


def assert_one_message(result: Result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stdout == ""
    assert "\x1b" not in result.output  # nothing typed drives the terminal


@PROPERTY
@given(query=free_text)
def test_person_find_takes_any_query(outlet: Path, query: str) -> None:
    assert_one_message(run(outlet, "person", "find", query))
    assert_one_message(run(outlet, "person", "find", "--json", query))


@PROPERTY
@given(username=free_text, name=free_text)
def test_operator_add_takes_any_user_and_display_name(outlet: Path, username: str, name: str) -> None:
    before = operators_in(outlet)
    result = run(outlet, "operator", "add", username, "--role", "clerk", "--name", name, "--as", "boss")
    assert_one_message(result)
    if result.exit_code != 0:
        assert operators_in(outlet) == before
    listing = run(outlet, "operator", "list")
    assert listing.exit_code == 0, listing.output


@PROPERTY
@given(username=free_text, as_user=free_text)
def test_operator_passwd_and_unlock_take_any_user_name(outlet: Path, username: str, as_user: str) -> None:
    assert_one_message(run(outlet, "operator", "passwd", username, "--as", as_user,
                           env={"OUTLET_DESK_PASSWORD": "not the password", **{"OUTLET_DESK_NEW_PASSWORD": "x" * 12}}))
    assert_one_message(run(outlet, "operator", "unlock", username, "--as", "boss"))


@PROPERTY
@given(code=free_text, day=free_text)
def test_receipt_verify_and_report_take_any_code_and_date(outlet: Path, code: str, day: str) -> None:
    assert_one_message(run(outlet, "receipt", "verify", code))
    assert_one_message(run(outlet, "report", "daily", "--date", day, "--as", "boss"))


@PROPERTY
@given(name=free_text, as_user=free_text)
def test_backup_and_restore_take_any_file_name_and_user(outlet: Path, tmp_path_factory: pytest.TempPathFactory,
                                                        name: str, as_user: str) -> None:
    folder = tmp_path_factory.mktemp("backups")
    backup = run(outlet, "backup", f"{folder}/{name}", "--as", "boss")
    assert_one_message(backup)
    if backup.exit_code == 2:
        assert list(folder.rglob("*")) == []  # no copy, no temporary file
    assert_one_message(run(outlet, "backup", str(folder / "by-anyone.backup"), "--as", as_user))
    assert_one_message(run(outlet, "restore", f"{folder}/{name}", "--as", as_user))


@pytest.mark.parametrize("name", ["[/]", "[bold red]x[/]", "[link=u]c[/link]"])
def test_a_display_name_that_is_markup_is_listed_as_typed(outlet: Path, tmp_path: Path, name: str) -> None:
    shutil.copytree(outlet.parent, tmp_path / "outlet")
    config = tmp_path / "outlet" / "outlet.toml"
    added = run(config, "operator", "add", "markup1", "--role", "clerk", "--name", name, "--as", "boss")
    assert added.exit_code == 0, added.output
    listing = run(config, "operator", "list", env={**ENV, "COLUMNS": "200"})
    assert listing.exit_code == 0, listing.output
    assert name in listing.stdout


def test_control_characters_in_a_display_name_are_refused_with_the_rule(outlet: Path) -> None:
    result = run(outlet, "operator", "add", "escape1", "--role", "clerk", "--name", "Ann\x1b[2J", "--as", "boss")
    assert result.exit_code == 2 and result.stdout == ""
    assert "control characters" in result.stderr and "U+001B" in result.stderr


def test_a_display_name_over_the_column_size_is_refused_not_a_traceback(outlet: Path) -> None:
    result = run(outlet, "operator", "add", "long1", "--role", "clerk", "--name", "x" * 101, "--as", "boss")
    assert result.exit_code == 2 and "at most 100 characters" in result.stderr
