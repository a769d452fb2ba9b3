"""Every failure of the machine is one message and exit 2, nothing half-written, no traceback: a database
file that is not SQLite or is read-only, an audit key file that is a folder or empty, record numbers and
report days out of range, arguments that are not UTF-8, output paths that are folders, a reports folder
that is a file, a full disk; and an unexpected fault is one line naming the log that holds its details."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.failures import LOG_NAME, failure_message
from tests.cli_outlet import OUTLET
from tests.cli_outlet import run as run_cli

pytestmark = pytest.mark.usefixtures("english")


SIGNED_IN = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"}
"""The training outlet's supervisor (once `demo` has seeded it); elsewhere a sign-in that fails, if it is reached."""


def run(config: Path, *args: str) -> Result:
    """The command, signed in as the training supervisor."""
    return run_cli(config, *args, env=SIGNED_IN)


def one_message(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 2, every word in the output, and no traceback."""
    assert result.exit_code == 2, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output, result.output


def test_a_database_file_that_is_not_sqlite_is_named_and_left_alone(config: Path) -> None:
    db = config.parent / "data" / "outlet.db"
    db.parent.mkdir()
    db.write_bytes(b"these are the minutes of the outlet meeting, not a database " * 20)
    before = db.read_bytes()
    one_message(run(config, "person", "find", "Wang"), str(db), "not a SQLite database")
    assert db.read_bytes() == before


def test_a_read_only_database_is_named(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(config, "db", "upgrade").exit_code == 0
    db, key = config.parent / "data" / "outlet.db", config.parent / "data" / "audit.key"
    read_only = tmp_path / "ro.toml"  # root ignores file modes: the store is opened read-only instead
    read_only.write_text(OUTLET + f'\n[database]\nurl = "sqlite:///file:{db}?mode=ro&uri=true"\n'
                                  f'\n[audit]\nkey_file = "{key}"\n')
    one_message(run(read_only, "audit", "verify"), str(db), "read-only")
    assert not (tmp_path / "file:").exists()  # the URI's path is the database's, not a folder named "file:"


def test_an_audit_key_file_that_is_a_folder_is_named(config: Path) -> None:
    (config.parent / "data" / "audit.key").mkdir(parents=True, mode=0o700)
    one_message(run(config, "person", "find", "Wang"), "audit.key", "is a folder", "[audit] key_file")


def test_an_empty_audit_key_file_is_named(config: Path) -> None:
    key = config.parent / "data" / "audit.key"
    key.parent.mkdir()
    key.touch(mode=0o600)
    one_message(run(config, "person", "find", "Wang"), str(key), "damaged")


@pytest.mark.parametrize("number", ["0", "-3", "2147483648", "9223372036854775808", "99999999999999999999999"])
def test_a_request_number_out_of_range_is_refused_at_the_argument(config: Path, number: str) -> None:
    result = run(config, "stock", "receive", "--request", number, "--card-number", "C12345678",
                 "--identification-code", "110105D156000005ABCDEF0123456789", "--as", "super1")
    one_message(result, f"--request {number}", "1 to 2147483647")
    assert not (config.parent / "data").exists()  # refused before the store was opened


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_a_report_day_at_the_ends_of_the_calendar_is_refused(config: Path, day: str) -> None:
    one_message(run(config, "report", "daily", "--date", day), day, "1900-01-01 to 9998-12-31")


def test_an_argument_that_is_not_utf8_is_named(config: Path) -> None:
    name = os.fsdecode(b"Wang\xff")  # what Python makes of a non-UTF-8 byte in sys.argv
    one_message(run(config, "person", "find", name), "not valid UTF-8", "\\xff")


def test_a_pdf_output_that_is_a_folder_is_named_and_nothing_written(config: Path, tmp_path: Path) -> None:
    assert run(config, "demo").exit_code == 0
    folder = tmp_path / "out"
    folder.mkdir()
    one_message(run(config, "report", "daily", "--format", "pdf", "--output", str(folder)), str(folder),
                "is a folder")
    assert list(folder.iterdir()) == []


def test_a_pdf_output_in_a_missing_folder_is_written_in_a_new_private_folder(config: Path, tmp_path: Path) -> None:
    """A missing folder once ended in a traceback: the folders are made (0700, the desk's own) and the report
    written (0600)."""
    assert run(config, "demo").exit_code == 0
    target = tmp_path / "no" / "such" / "report.pdf"
    written = run(config, "report", "daily", "--format", "pdf", "--output", str(target))
    assert written.exit_code == 0, written.output
    assert target.read_bytes().startswith(b"%PDF")
    assert [oct(p.stat().st_mode & 0o777) for p in (target.parent.parent, target.parent, target)] == [
        "0o700", "0o700", "0o600"]


def test_a_reports_folder_that_is_a_file_is_named(config: Path) -> None:
    assert run(config, "demo").exit_code == 0
    (config.parent / "data" / "reports").write_text("not a folder")
    one_message(run(config, "report", "daily", "--format", "pdf"), "reports", "a file where a folder is needed")


def test_a_full_disk_is_one_message_and_leaves_no_half_file(tmp_path: Path) -> None:
    with pytest.raises(OSError) as full, open("/dev/full", "wb") as disk:  # the kernel's always-full device
        disk.write(b"receipt")
        disk.flush()
    assert full.value.errno == errno.ENOSPC
    message = failure_message(full.value)
    assert message is not None and "is full" in message and "Free some space" in message
    target = tmp_path / "report.pdf"
    with pytest.raises(IsADirectoryError):  # a failure at the last step leaves neither file nor temporary
        (tmp_path / "report.pdf").mkdir()
        write_atomically(target, b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"] and target.is_dir()


def test_an_unexpected_fault_is_one_line_naming_its_log(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from outlet_desk.services import persons

    def broken(*_args: object) -> None:  # a fault of the desk itself (there is none to trigger for real)
        raise RuntimeError("the index is upside down")

    assert run(config, "demo").exit_code == 0
    monkeypatch.setattr(persons, "find_persons", broken)
    result = run(config, "person", "find", "Wang")
    log = config.parent / "data" / LOG_NAME
    one_message(result, "failed unexpectedly", "RuntimeError", str(log))
    assert "the index is upside down" in log.read_text() and "Traceback" in log.read_text()
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_the_desk_refuses_to_open_without_a_terminal(config: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(config)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "The desk needs a terminal" in done.stderr
    assert done.stdout == ""  # no screen drawn into the pipe


def test_commands_still_work_in_a_pipe(config: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(config), "db", "upgrade"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Database upgraded" in done.stdout


def test_the_desk_names_a_database_file_that_is_not_sqlite(config: Path) -> None:
    from outlet_desk.app import DeskCannotOpen
    from outlet_desk.launch import open_desk

    db = config.parent / "data" / "outlet.db"
    db.parent.mkdir()
    db.write_bytes(b"not a database " * 100)
    with pytest.raises(DeskCannotOpen) as refused:
        open_desk(config)
    assert refused.value.exit_code == 2
    assert str(db) in refused.value.message and "not a SQLite database" in refused.value.message
