"""A store made by each earlier release (``tests/db/releases/<revision>/``, made by that release's own code:
``tests/db/make_release_fixtures.py``) is brought to today's head by ``outlet-desk db upgrade``: its
training data still reads (the people, their cards, the operators' sign-in) and its audit chain verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outlet_desk.db.migrate import HEAD_REVISION, known_revisions
from tests.cli_outlet import run
from tests.db.make_release_fixtures import OUTLET, unpack

pytestmark = pytest.mark.usefixtures("english")

RELEASES = Path(__file__).resolve().parent / "releases"
REVISIONS = sorted(p.name for p in RELEASES.iterdir() if p.is_dir())
SUPER = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"}
CLERK = {"OUTLET_DESK_USER": "clerk1", "OUTLET_DESK_PASSWORD": "training-clerk1"}
READY = "31010419990131431X"
"""The demo's person whose new card waits for collection, in every release's training data."""


def test_there_is_a_fixture_for_each_release_before_today() -> None:
    assert REVISIONS and set(REVISIONS) < set(known_revisions()) and HEAD_REVISION not in REVISIONS


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_release_store_upgrades_to_head_with_its_data_readable_and_its_chain_intact(
    revision: str, tmp_path: Path
) -> None:
    unpack(revision, tmp_path / "data")
    config = tmp_path / "outlet.toml"
    config.write_text(OUTLET)

    planned = run(config, "db", "upgrade", "--dry-run", "--json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["revision"] == revision
    upgraded = run(config, "db", "upgrade", "--json")
    assert upgraded.exit_code == 0, upgraded.output
    done = json.loads(upgraded.stdout)
    assert (done["revision_before"], done["revision"]) == (revision, HEAD_REVISION)
    assert [m["revision"] for m in done["migrations"]] == [r for r in known_revisions() if r > revision]

    found = run(config, "person", "find", READY, "--json", env=CLERK)
    assert found.exit_code == 0, found.output
    [person] = json.loads(found.stdout)
    assert person["masked_number"].startswith(READY[:6]) and person["name"]
    names = run(config, "person", "find", person["name"][0], "--json", env=CLERK)
    assert names.exit_code == 0 and len(json.loads(names.stdout)) > 1
    verified = run(config, "audit", "verify", "--json", env=SUPER)
    assert verified.exit_code == 0, verified.output
    chain = json.loads(verified.stdout)
    assert chain["intact"] and chain["events_checked"] > 0 and chain["checkpoint_seq"] is not None
