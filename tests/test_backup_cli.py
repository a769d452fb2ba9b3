"""``outlet-desk backup`` and ``restore`` on the command line (SQLite): the progress as plain lines without a
terminal, the checked copy, and every refusal as one message with exit 2, in both languages."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from outlet_desk.i18n import set_language
from tests import test_cli
from tests.test_cli import run

# The seeded outlet of the command-line tests, made once a module (fixtures are found by name in the module).
seeded_folder, seeded = test_cli.seeded_folder, test_cli.seeded

SUPERVISOR = {"OUTLET_DESK_PASSWORD": "training-super1"}
CLERK = {"OUTLET_DESK_PASSWORD": "training-clerk1"}


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture
def second_desk(seeded: Path, tmp_path: Path) -> Path:
    """Another machine for the same outlet: its settings and the outlet's audit key, no store yet."""
    folder = tmp_path / "second"
    (folder / "data").mkdir(parents=True)
    shutil.copy2(seeded, folder / "outlet.toml")
    shutil.copy2(seeded.parent / "data" / "audit.key", folder / "data" / "audit.key")
    shutil.copy2(seeded.parent / "data" / "data.key", folder / "data" / "data.key")
    return folder / "outlet.toml"


def test_a_backup_restores_on_another_desk_and_verifies(seeded: Path, second_desk: Path, tmp_path: Path) -> None:
    file = tmp_path / "nightly.backup"
    done = run(seeded, "backup", str(file), "--as", "super1", env=SUPERVISOR)
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"Backup written to {file} (")
    assert "audit events of outlet CLI001 verified" in done.stdout
    assert "Copying: 100%" in done.stderr and "Checking the copy: 100%" in done.stderr  # plain lines in a pipe
    assert stat.S_IMODE(file.stat().st_mode) == 0o600

    restored = run(second_desk, "restore", str(file), "--as", "admin", env={"OUTLET_DESK_PASSWORD": "training-admin"})
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith(f"{file} restored into {second_desk.parent / 'data' / 'outlet.db'}")
    assert stat.S_IMODE((second_desk.parent / "data" / "outlet.db").stat().st_mode) == 0o600
    verified = run(second_desk, "audit", "verify", "--as", "super1", env=SUPERVISOR)
    assert verified.exit_code == 0 and "intact" in verified.stdout

    again = run(second_desk, "restore", str(file), "--as", "admin", env={"OUTLET_DESK_PASSWORD": "training-admin"})
    assert again.exit_code == 2 and "is not empty" in again.stderr


def test_every_refusal_is_one_message_and_exit_2(seeded: Path, second_desk: Path, tmp_path: Path) -> None:
    file = tmp_path / "kept.backup"
    file.write_text("an older backup")
    cases = [
        (seeded, ["backup", str(tmp_path / "b.backup"), "--as", "clerk1"], CLERK,
         "The clerk role may not back up or restore the store.\n"),
        (seeded, ["backup", str(file), "--as", "super1"], SUPERVISOR,
         f"{file} already exists: name a new file (a backup never overwrites one).\n"),
        (seeded, ["backup", str(tmp_path / "no" / "such" / "b.backup"), "--as", "super1"], SUPERVISOR,
         f"{tmp_path / 'no' / 'such' / 'b.backup'} does not exist (or its folder does not); create it or name "
         "another path.\n"),
        (second_desk, ["restore", str(file), "--as", "super1"], SUPERVISOR,
         f"{file} is not a backup of a SQLite store (file is not a database).\n"),
        (second_desk, ["restore", str(tmp_path / "missing.backup"), "--as", "super1"], SUPERVISOR,
         f"{tmp_path / 'missing.backup'} does not exist (or its folder does not); create it or name another "
         "path.\n"),
    ]
    for config, args, env, message in cases:
        result = run(config, *args, env=env)
        assert (result.exit_code, result.stderr.splitlines()[-1] + "\n") == (2, message), result.output
        assert "Traceback" not in result.output
    assert file.read_text() == "an older backup"
    assert not (second_desk.parent / "data" / "outlet.db").exists()


def test_the_messages_speak_the_outlets_language(seeded: Path, tmp_path: Path) -> None:
    seeded.write_text(seeded.read_text().replace('language = "en"', 'language = "zh_CN"'))
    done = run(seeded, "backup", str(tmp_path / "b.backup"), "--as", "super1", env=SUPERVISOR)
    assert done.exit_code == 0, done.output
    assert "备份" in done.stdout and "Backup" not in done.stdout


def test_on_a_terminal_the_progress_is_a_bar() -> None:
    import io

    from rich.console import Console

    from outlet_desk.cli_support import progress_shown

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=80)
    with progress_shown(terminal) as progress:
        for done in range(0, 101, 20):
            progress("Copying", done, 100)
        progress("Checking the copy", 1, 1)
    drawn = screen.getvalue()
    assert "Copying" in drawn and "Checking the copy" in drawn and "100%" in drawn and "━" in drawn
    assert "Copying: " not in drawn  # not the plain lines of a pipe
