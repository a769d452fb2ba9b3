"""``outlet-desk audit list``: the audit viewer on the command line in each format (a table, CSV parsed, JSON
parsed, a private file), its filters, exit 1 on a broken seal and exit 2 for bad input, nothing written."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from outlet_desk.i18n import set_language
from outlet_desk.services import demo
from tests.cli_outlet import OUTLET, run

pytestmark = pytest.mark.usefixtures("english")


def _env(user: str) -> dict[str, str]:
    return {"OUTLET_DESK_USER": user, "OUTLET_DESK_PASSWORD": demo.training_password(user)}


AUDITOR = _env("audit1")


@pytest.fixture(scope="module")
def seeded_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A training outlet after `outlet-desk demo` and one sign-in of clerk1 (by `person find`), made once."""
    folder = tmp_path_factory.mktemp("audit-list")
    (folder / "outlet.toml").write_text(OUTLET)
    set_language("en")
    assert run(folder / "outlet.toml", "demo").exit_code == 0
    assert run(folder / "outlet.toml", "person", "find", "王", env=_env("clerk1")).exit_code == 0
    return folder


@pytest.fixture
def seeded(seeded_folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeded_folder, tmp_path / "outlet")
    return tmp_path / "outlet" / "outlet.toml"


def _sql(config: Path, statement: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(config.parent / "data" / "outlet.db")
    rows = db.execute(statement).fetchall()
    db.commit()
    db.close()
    return rows


def test_a_table_of_the_newest_events_in_words(seeded: Path) -> None:
    listed = run(seeded, "audit", "list", "--operator", "clerk1", env={**AUDITOR, "COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "Audit trail of outlet CLI001" in listed.stdout and "signed in" in listed.stdout
    assert "personal data read (command line)" in listed.stdout and "sealed, chain intact" in listed.stdout
    paged = run(seeded, "audit", "list", "--limit", "2", env=AUDITOR)
    assert paged.exit_code == 0 and "Older events: add --before" in paged.stdout


def test_csv_and_json_carry_the_same_events(seeded: Path) -> None:
    as_csv = run(seeded, "audit", "list", "--format", "csv", "--action", "login", env=AUDITOR)
    as_json = run(seeded, "audit", "list", "--format", "json", "--action", "login", env=AUDITOR)
    assert as_csv.exit_code == as_json.exit_code == 0, as_csv.output + as_json.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    events = json.loads(as_json.stdout)
    # the JSON's own sign-in came after the CSV was made: it is the newest event
    assert [r["seq"] for r in rows] == [str(e["seq"]) for e in events[1:]] and rows
    assert {r["operator"] for r in rows} == {"clerk1", "audit1"} and {r["seal"] for r in rows} == {"intact"}
    assert events[0]["action_words"] == "signed in" and events[0]["after"]["username"] == "audit1"


def test_an_export_file_is_private_and_never_overwritten(seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "trail.json"
    written = run(seeded, "audit", "list", "--format", "json", "--output", str(target), env=AUDITOR)
    assert written.exit_code == 0 and "events written to" in written.stdout
    assert target.stat().st_mode & 0o777 == 0o600 and json.loads(target.read_text())
    again = run(seeded, "audit", "list", "--format", "csv", "--output", str(target), env=AUDITOR)
    assert again.exit_code == 2 and "exists already" in again.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--date", "2026-13-01"), "--date 2026-13-01 is not a date"),
    (("--action", "drop_table"), "--action drop_table is not an audit action"),
    (("--citizen", "11010519491231002"), "17"),
    (("--card", "X1"), "Card number"),
    (("--operator", "nobody9"), "No operator is called nobody9"),
    (("--date", "2026-11-25", "--from", "2026-11-24"), "either --date or --from/--to"),
    (("--output", "x.csv"), "--output needs --format csv|json"),
])
def test_bad_input_exits_2_with_the_rule(seeded: Path, args: tuple[str, ...], message: str) -> None:
    refused = run(seeded, "audit", "list", *args, env=AUDITOR)
    assert refused.exit_code == 2 and message in refused.stderr and "Traceback" not in refused.output


def test_a_clerk_may_not_read_the_trail(seeded: Path) -> None:
    refused = run(seeded, "audit", "list", env=_env("clerk1"))
    assert refused.exit_code == 2 and "may not view the audit log" in refused.stderr


def test_a_citizen_search_is_audited_and_an_edited_event_exits_1(seeded: Path) -> None:
    [(number,)] = _sql(seeded, "SELECT card_number FROM card WHERE status = 'active' ORDER BY id LIMIT 1")
    by_card = run(seeded, "audit", "list", "--card", str(number), "--format", "json", env=AUDITOR)
    assert by_card.exit_code in (0,) and isinstance(json.loads(by_card.stdout or "[]"), list)
    [(after,)] = _sql(seeded, "SELECT after FROM audit_event ORDER BY seq DESC LIMIT 1")
    assert '"audit_trail"' in str(after)  # the search by card was recorded as a read of personal data
    _sql(seeded, "UPDATE audit_event SET entity_id = 'x' WHERE seq = 2")
    broken = run(seeded, "audit", "list", "--format", "csv", env=AUDITOR)
    assert broken.exit_code == 1 and "The seal of event 2 is broken" in broken.stderr
