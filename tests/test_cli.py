"""The command line: exit codes 0 ok, 1 a check failed, 2 bad input or config; messages asserted."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.i18n import set_language

OUTLET = """
[outlet]
code = "CLI001"
name = "CLI test outlet"
division_code = "110105"
language = "en"
training = true
"""


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "outlet.toml"
    path.write_text(OUTLET)
    return path


def run(config: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--config", str(config), *args], env=env, input=input)


def test_broken_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "outlet.toml"
    bad.write_text(OUTLET + "\n[security]\nlockout_attempts = 0\n")
    result = run(bad, "db", "upgrade")
    assert result.exit_code == 2
    assert str(bad) in result.output and "lockout_attempts" in result.output and "1 to 20" in result.output


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("\n[security]\nlockot_attempts = 3\n", "lockot_attempts"),
        ("\n[loss]\ntemporary_days = \"seven\"\n", "temporary_days"),
        ("\n[reader]\nmode = \"usb\"\n", "pcsc"),
    ],
    ids=["unknown key", "wrong type", "not an allowed value"],
)
def test_every_kind_of_config_error_exits_2_with_one_message(tmp_path: Path, extra: str, named: str) -> None:
    bad = tmp_path / "outlet.toml"
    bad.write_text(OUTLET + extra)
    result = run(bad, "person", "find", "王")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and named in lines[0], result.output


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path / "nope.toml", "person", "find", "王")
    assert result.exit_code == 2
    assert "nope.toml" in result.output


def test_toml_syntax_error_exits_2_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "outlet.toml"
    bad.write_text(OUTLET + "\n[loss\n")
    result = run(bad, "audit", "verify")
    assert result.exit_code == 2
    assert "line" in result.output


def test_db_upgrade_creates_the_database_beside_the_config(config: Path) -> None:
    result = run(config, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "upgraded" in result.output
    assert (config.parent / "data" / "outlet.db").exists()
    again = run(config, "db", "upgrade")
    assert again.exit_code == 0 and "already" in again.output


def test_demo_is_idempotent_and_shows_passwords(config: Path) -> None:
    first = run(config, "demo")
    assert first.exit_code == 0, first.output
    assert "200 persons" in first.output and "training-clerk1" in first.output
    second = run(config, "demo")
    assert second.exit_code == 0 and "already present" in second.output


def test_person_find_invalid_number_exits_2_with_the_rule(config: Path) -> None:
    result = run(config, "person", "find", "110105194912310021")
    assert result.exit_code == 2
    assert "check digit" in result.output


def test_person_find_legacy_number_asks_for_18_digits(config: Path) -> None:
    result = run(config, "person", "find", "110105491231002")
    assert result.exit_code == 2
    assert "18" in result.output


def test_person_find_json_masks_numbers(config: Path) -> None:
    run(config, "demo")
    db = sqlite3.connect(config.parent / "data" / "outlet.db")
    number, name = db.execute("SELECT citizen_number, name FROM person ORDER BY id LIMIT 1").fetchone()
    db.close()
    result = run(config, "person", "find", number, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [p["name"] for p in found] == [name]
    assert found[0]["masked_number"] == number[:6] + "********" + number[-4:]
    assert number not in result.output


def test_audit_verify_ok_then_names_the_edited_event(config: Path) -> None:
    run(config, "demo")
    ok = run(config, "audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    db = sqlite3.connect(config.parent / "data" / "outlet.db")
    db.execute("UPDATE audit_event SET action = 'nothing_to_see' WHERE seq = 2")
    db.commit()
    db.close()
    broken = run(config, "audit", "verify")
    assert broken.exit_code == 1
    assert "BROKEN at event 2" in broken.output


def test_operator_commands(config: Path) -> None:
    env = {"OUTLET_DESK_NEW_PASSWORD": "first admin password"}
    first = run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss", env=env)
    assert first.exit_code == 0, first.output
    # Now that an operator exists, adding another needs --as and a password.
    anon = run(config, "operator", "add", "clerk7", "--role", "clerk", "--name", "Clerk", env=env)
    assert anon.exit_code == 2 and "--as" in anon.output
    env2 = {"OUTLET_DESK_PASSWORD": "first admin password", "OUTLET_DESK_NEW_PASSWORD": "clerk seven password"}
    added = run(config, "operator", "add", "clerk7", "--role", "clerk", "--name", "Clerk", "--as", "boss", env=env2)
    assert added.exit_code == 0, added.output
    wrong = run(config, "operator", "unlock", "clerk7", "--as", "boss", env={"OUTLET_DESK_PASSWORD": "nope"})
    assert wrong.exit_code == 2 and "Wrong user name or password." in wrong.output
    short = run(config, "operator", "passwd", "clerk7", "--as", "boss",
                env={"OUTLET_DESK_PASSWORD": "first admin password", "OUTLET_DESK_NEW_PASSWORD": "short"})
    assert short.exit_code == 2 and "12" in short.output
    listing = run(config, "operator", "list")
    assert listing.exit_code == 0 and "clerk7" in listing.output and "boss" in listing.output
