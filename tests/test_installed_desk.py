"""What a technician scripts around: the version, shell completion, an upgrade that says what it would do
first, and a database from a newer desk refused before anything is written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.db.migrate import HEAD_REVISION, known_revisions
from tests.cli_outlet import run

pytestmark = pytest.mark.usefixtures("english")  # the outlet and its `config` fixture: tests/cli_outlet.py


def test_version_is_the_installed_packages() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"outlet-desk {version('outlet-desk')}"


def test_the_shell_completes_commands_through_the_console_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completion script calls ``outlet-desk`` with no arguments: the CLI answers, the desk does not open."""
    env = {**os.environ, "_OUTLET_DESK_COMPLETE": "complete_bash", "COMP_WORDS": "outlet-desk person f",
           "COMP_CWORD": "2"}
    script = "from outlet_desk.launch import main; main([])"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.stdout.split() == ["find"], done.stderr
    # Typer's --show-completion is a flag that asks shellingham for the shell running the tests (none under some
    # pytest-xdist workers: "Shell  not supported"); without the detection it takes the shell named.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")  # read when the command is built
    shown = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="outlet-desk")
    assert shown.exit_code == 0, (shown.output, shown.exception)
    assert "_OUTLET_DESK_COMPLETE=complete_bash" in shown.output


def test_upgrade_dry_run_lists_every_migration_and_creates_nothing(config: Path) -> None:
    db = config.parent / "data" / "outlet.db"
    result = run(config, "db", "upgrade", "--dry-run")
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert listed == list(known_revisions()) and listed[-1] == HEAD_REVISION
    assert not db.exists()
    assert run(config, "db", "upgrade").exit_code == 0
    again = run(config, "db", "upgrade", "--dry-run")
    assert again.exit_code == 0 and f"already at revision {HEAD_REVISION}" in again.output


def test_a_database_from_a_newer_desk_is_refused_and_left_as_it_is(config: Path) -> None:
    assert run(config, "db", "upgrade").exit_code == 0
    db = config.parent / "data" / "outlet.db"
    newer = f"{int(HEAD_REVISION) + 1:04d}"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (newer,))
    before = db.read_bytes()
    for args in (("db", "upgrade"), ("db", "upgrade", "--dry-run"), ("person", "find", "Wang")):
        result = run(config, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "upgraded by a newer Outlet Desk" in result.output and newer in result.output
        assert "Traceback" not in result.output
    assert db.read_bytes() == before
