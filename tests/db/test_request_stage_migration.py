"""Migration 0022 gives the requests already on record their stages from what the store knows: a store made by
the newest release before it, upgraded, says where each holder's new card is (``request status``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_outlet import run
from tests.db.make_release_fixtures import OUTLET, unpack
from tests.db.test_release_upgrades import CLERK, READY, REVISIONS

pytestmark = pytest.mark.usefixtures("english")


def test_an_upgraded_store_gives_each_request_its_stages_from_the_records(tmp_path: Path) -> None:
    unpack(REVISIONS[-1], tmp_path / "data")
    config = tmp_path / "outlet.toml"
    config.write_text(OUTLET)
    assert run(config, "db", "upgrade").exit_code == 0

    shown = run(config, "request", "status", READY, "--json", env=CLERK)
    assert shown.exit_code == 0, shown.output
    [ready] = [r for r in json.loads(shown.stdout)["requests"] if r["status"] == "ready"]
    assert [st["stage"] for st in ready["stages"]] == ["entered", "paid", "in_production", "ready"]
    assert {st["source"] for st in ready["stages"]} == {"records"}
    times = [st["at"] for st in ready["stages"]]
    assert times == sorted(times) and times[0] < times[-1]  # ready when its card was received, after the order
    assert "collect it at the outlet" in ready["tell"]
