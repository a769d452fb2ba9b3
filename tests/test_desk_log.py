"""The desk's log (outlet-desk.log in the data folder): one line for each use case, refused or failed ones
with their message id, and no citizen number in clear anywhere in it; the file only its owner reads."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from outlet_desk.cli import app
from outlet_desk.db.tables import Person
from outlet_desk.i18n import set_language
from outlet_desk.services import desk_log
from tests.stored import stored_rows

OUTLET = """
[outlet]
code = "TST001"
name = "Test outlet"
division_code = "110105"
language = "en"
training = true
"""

RECEIVE = ("stock", "receive", "--request", "1", "--card-number", "A12345678",
           "--identification-code", "110105D156000005ABCDEF0123456789", "--as", "super1")


def run(config: Path, *args: str, password: str = "training-super1") -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"OUTLET_DESK_PASSWORD": password})


@pytest.fixture(scope="module")
def seeded_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("logged")
    (folder / "outlet.toml").write_text(OUTLET)
    set_language("en")
    assert run(folder / "outlet.toml", "demo").exit_code == 0
    return folder


@pytest.fixture
def config(seeded_folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeded_folder, tmp_path / "outlet")
    (tmp_path / "outlet" / "data" / desk_log.LOG_FILE).unlink()
    set_language("en")
    desk_log.set_level("INFO")
    return tmp_path / "outlet" / "outlet.toml"


def log_lines(config: Path) -> list[str]:
    return (config.parent / "data" / desk_log.LOG_FILE).read_text(encoding="utf-8").splitlines()


def citizen_numbers(config: Path) -> list[str]:
    """Every holder's citizen number, opened with the desk's data key (they are sealed at rest)."""
    return [row[0] for row in stored_rows(config, select(Person.citizen_number))]


def test_a_refused_use_case_leaves_one_line_with_its_message_id(config: Path) -> None:
    result = run(config, *RECEIVE)
    assert result.exit_code == 2
    refused = [line for line in log_lines(config) if "outcome=refused" in line]
    assert len(refused) == 1, log_lines(config)  # the use case's line; the command line does not add another
    line = refused[0]
    assert " WARNING " in line and "outlet=TST001" in line and "operator=super1" in line
    assert "use_case=receive_stock" in line and "id=reissue_refused" in line
    assert "Request 1 is collected" in line  # the message the supervisor saw
    assert any("use_case=login outcome=done" in line for line in log_lines(config))


def test_a_forced_unexpected_error_leaves_one_line_and_no_citizen_number_in_clear(
        config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    number = citizen_numbers(config)[0]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"the disk controller said no while sealing {number}")

    monkeypatch.setattr("outlet_desk.services.uow.append_event", broken)
    result = run(config, *RECEIVE)  # the sign-in is a use case with its audit event: its seal fails
    assert result.exit_code == 2, result.output
    failed = [line for line in log_lines(config) if "outcome=failed" in line]
    assert len(failed) == 1, log_lines(config)
    assert " ERROR " in failed[0] and "id=RuntimeError" in failed[0]
    assert number[:6] + "*" * 12 in failed[0]  # masked as everywhere else
    text = (config.parent / "data" / desk_log.LOG_FILE).read_text(encoding="utf-8")
    assert not [n for n in citizen_numbers(config) if n in text]


def test_the_log_is_its_owners_only_and_warning_leaves_out_the_done_lines(config: Path) -> None:
    assert run(config, "--log-level", "warning", *RECEIVE).exit_code == 2
    lines = log_lines(config)
    assert lines and all("outcome=done" not in line for line in lines), lines
    assert any("outcome=refused" in line for line in lines)
    mode = stat.S_IMODE((config.parent / "data" / desk_log.LOG_FILE).stat().st_mode)
    assert mode == 0o600


def test_numbers_that_identify_a_person_are_masked_in_any_line() -> None:
    line = desk_log.line(message="holder 11010519491231002X phone 13912345678 passport E12345678, request 42")
    assert "11010519491231002X" not in line and "13912345678" not in line and "E12345678" not in line
    assert "110105************" in line and "request 42" in line
    assert desk_log.line(use_case="a b", note='say "x"') == 'use_case="a b" note="say \\"x\\""'
