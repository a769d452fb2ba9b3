"""``outlet-desk feed``: export as JSON lines (each line a record of docs/feed.md), acknowledge, and check a
kept export against the store (exit 1 naming a chain cut short; exit 2 for a file that is not the feed)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from outlet_desk.services import demo
from outlet_desk.services.audit.keys import read_key
from outlet_desk.services.audit.seal import key_id, seal_head
from tests.cli_outlet import run

pytestmark = pytest.mark.usefixtures("english")

ADMIN = {"OUTLET_DESK_USER": "admin", "OUTLET_DESK_PASSWORD": demo.training_password("admin")}
SUPERVISOR = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": demo.training_password("super1")}


@pytest.fixture
def seeded(config: Path) -> Path:
    assert run(config, "demo").exit_code == 0
    return config


def _records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_export_ack_and_resume(seeded: Path) -> None:
    first = run(seeded, "feed", "export", "--consumer", "medical", "--limit", "3", env=ADMIN)
    assert first.exit_code == 0, first.output
    records = _records(first.stdout)
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert {tuple(sorted(r)) for r in records} == {
        ("at", "card_number", "city", "kind", "outlet", "previous_status", "seq", "status")}
    assert "3 records of city 1101's feed, 1 to 3" in first.stderr
    acked = run(seeded, "feed", "ack", "--consumer", "medical", "--through", "3", env=ADMIN)
    assert acked.exit_code == 0 and "medical has applied the feed up to 3." in acked.stdout
    resumed = run(seeded, "feed", "export", "--consumer", "medical", "--limit", "2", env=ADMIN)
    assert [r["seq"] for r in _records(resumed.stdout)] == [4, 5]
    back = run(seeded, "feed", "ack", "--consumer", "medical", "--through", "2", env=ADMIN)
    assert back.exit_code == 2 and "never goes back" in back.stderr
    assert run(seeded, "feed", "export", "--limit", "0", env=ADMIN).exit_code == 2
    assert run(seeded, "feed", "export", env=SUPERVISOR).exit_code == 2  # a supervisor does not export it


def test_check_names_a_chain_cut_short(seeded: Path, tmp_path: Path) -> None:
    assert run(seeded, "audit", "verify", env=SUPERVISOR).exit_code == 0  # a full verification: witnessed
    kept = tmp_path / "kept.jsonl"
    exported = run(seeded, "feed", "export", "--since", "0", "--limit", "100000", env=ADMIN)
    kept.write_text(exported.stdout, encoding="utf-8")
    assert any(r["kind"] == "checkpoint" for r in _records(exported.stdout))
    ok = run(seeded, "feed", "check", str(kept), env=ADMIN)
    assert ok.exit_code == 0 and "every checkpoint the feed witnessed (1 outlets)" in ok.stdout, ok.output
    # Someone holding the database and the outlet's key cuts the chain at event 10 and seals the head again
    # (the key and the witness file beside it are no protection then; the feed, outside the outlet, is).
    key = read_key(seeded.parent / "data" / "audit.key")
    db = sqlite3.connect(seeded.parent / "data" / "outlet.db")
    with db:
        db.execute("DELETE FROM audit_event WHERE seq > 10")
        [(mac,)] = db.execute("SELECT mac FROM audit_event WHERE seq = 10").fetchall()
        db.execute("UPDATE audit_head SET seq = 10, mac = ?, seal = ?",
                   (mac, seal_head(key, "CLI001", 10, mac, key_id(key))))
    db.close()
    cut = run(seeded, "feed", "check", str(kept), env=ADMIN)
    assert cut.exit_code == 1, cut.output
    assert "CLI001: the chain ends at event 11, but the feed witnessed it verified up to event" in cut.stderr
    kept.write_text('{"kind": "checkpoint", "outlet": "CLI001"}\n', encoding="utf-8")
    bad = run(seeded, "feed", "check", str(kept), env=ADMIN)
    assert bad.exit_code == 2 and "kept.jsonl, line 1: not a record of the feed" in bad.stderr
