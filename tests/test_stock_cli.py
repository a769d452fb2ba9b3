"""``outlet-desk stock`` on the command-line tests' training outlet: a manifest imported (its batch number
printed), a manifest with a bad line refused with its line number and nothing recorded (exit 2), a file that is
not UTF-8 refused (exit 2), blank cards received, a spoiled card refused without its witness, and the count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outlet_desk.config import load_settings
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from tests.cli_outlet import run
from tests.services.stock_builders import Line, lines_for, manifest_csv, write_manifest

pytestmark = pytest.mark.usefixtures("english")

SUPERVISOR = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": demo.training_password("super1")}


@pytest.fixture
def seeded(config: Path) -> Path:
    assert run(config, "demo").exit_code == 0
    return config


def _lines(config: Path, n: int, first: int = 0) -> list[Line]:
    desk = open_desk(load_settings(config))
    try:
        return lines_for(desk, n, first)
    finally:
        desk.engine.dispose()


def _count(config: Path) -> dict[str, int]:
    result = run(config, "stock", "count", "--json", env=SUPERVISOR)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["CLI001"])


def test_a_manifest_is_imported_and_a_bad_one_refused_with_its_line_number(seeded: Path, tmp_path: Path) -> None:
    lines = _lines(seeded, 5)
    good = write_manifest(tmp_path, "B-CLI-1", lines, ".json")
    result = run(seeded, "stock", "import", str(good), env=SUPERVISOR)
    assert result.exit_code == 0, result.output
    assert "Batch B-CLI-1 announced" in result.stdout and "5 cards" in result.stdout
    assert _count(seeded)["announced"] == 5

    text = manifest_csv("B-CLI-2", _lines(seeded, 4, first=50)).splitlines()
    text[3] = text[3].replace(",M", ",Q1")  # line 4: a card number of 10 characters
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = run(seeded, "stock", "import", str(bad), env=SUPERVISOR)
    assert result.exit_code == 2 and "line 4:" in result.stderr and "nothing of it was recorded" in result.stderr
    assert "Traceback" not in result.output
    assert _count(seeded)["announced"] == 5

    latin = tmp_path / "latin.csv"
    latin.write_bytes("batch_number,card_number\nB,é\n".encode("latin-1"))
    result = run(seeded, "stock", "import", str(latin), env=SUPERVISOR)
    assert result.exit_code == 2 and "not UTF-8" in result.stderr


def test_blanks_spoiled_cards_and_the_count(seeded: Path) -> None:
    before = _count(seeded)["blank"]
    result = run(seeded, "stock", "blanks", "3", env=SUPERVISOR)
    assert result.exit_code == 0 and f"{before + 3} in stock" in result.stdout
    clerk = {"OUTLET_DESK_USER": "clerk1", "OUTLET_DESK_PASSWORD": demo.training_password("clerk1")}
    alone = run(seeded, "stock", "spoil", "--reason", "printer jam", env=clerk)
    assert alone.exit_code == 2 and "witness" in alone.stderr
    witnessed = run(seeded, "stock", "spoil", "--reason", "printer jam", "--witness", "super1",
                    env={**clerk, "OUTLET_DESK_WITNESS_PASSWORD": demo.training_password("super1")})
    assert witnessed.exit_code == 0, witnessed.output
    assert "Spoiled card recorded; receipt" in witnessed.stdout
    after = _count(seeded)
    assert after["blank"] == before + 2 and after["spoiled"] == 1
