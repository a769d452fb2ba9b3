"""``outlet-desk uncollected`` and ``outlet-desk rules sheet``: a contact recorded and listed, a return refused
before the retention period and without the witness's password, bad choices and days refused with exit 2 and
nothing written; the rules sheet written in the language asked for, a bad language or folder refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outlet_desk.services import demo
from tests.cli_outlet import run

pytestmark = pytest.mark.usefixtures("english")

SUPER = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": demo.training_password("super1")}


@pytest.fixture
def seeded(config: Path) -> Path:
    assert run(config, "demo").exit_code == 0
    return config


def _waiting(config: Path) -> list[dict[str, object]]:
    listed = run(config, "uncollected", "list", "--json", env=SUPER)
    assert listed.exit_code == 0, listed.output
    cards: list[dict[str, object]] = json.loads(listed.stdout)
    return cards


def test_a_contact_is_recorded_and_bad_input_refused_with_nothing_written(seeded: Path) -> None:
    card = str(_waiting(seeded)[0]["card_number"])
    for args, said in (
        (("--method", "fax", "--outcome", "informed"), "--method fax is not one of: sms, phone, letter"),
        (("--method", "sms", "--outcome", "maybe"), "--outcome maybe is not one of"),
        (("--method", "sms", "--outcome", "will_come"), "Give the day the holder said they will come"),
        (("--method", "sms", "--outcome", "will_come", "--on", "tomorrow"), "is not a date"),
        (("--method", "sms", "--outcome", "informed", "--on", "2099-01-01"), "goes only with the outcome"),
    ):
        refused = run(seeded, "uncollected", "contact", card, *args, env=SUPER)
        assert refused.exit_code == 2 and said in refused.output, refused.output
    unknown = run(seeded, "uncollected", "contact", "Z00000000", "--method", "sms", "--outcome", "informed", env=SUPER)
    assert unknown.exit_code == 2 and "is not waiting for collection" in unknown.output
    assert all(not c["contacts"] for c in _waiting(seeded))

    told = run(seeded, "uncollected", "contact", card, "--method", "letter", "--outcome", "not_reached",
               "--note", "sent to the old address", env=SUPER)
    assert told.exit_code == 0 and "letter: holder not reached, recorded" in told.output, told.output
    entry = next(c for c in _waiting(seeded) if c["card_number"] == card)["contacts"]
    assert isinstance(entry, list) and entry[0]["note"] == "sent to the old address"


def test_a_return_needs_the_period_over_and_the_witness_password(seeded: Path) -> None:
    card = str(_waiting(seeded)[0]["card_number"])
    no_terminal = run(seeded, "uncollected", "return", card, "--witness", "clerk1", env=SUPER)
    assert no_terminal.exit_code == 2 and "OUTLET_DESK_WITNESS_PASSWORD" in no_terminal.output
    wrong = run(seeded, "uncollected", "return", card, "--witness", "clerk1",
                env={**SUPER, "OUTLET_DESK_WITNESS_PASSWORD": "not the password"})
    assert wrong.exit_code == 2
    early = run(seeded, "uncollected", "return", card, "--witness", "clerk1",
                env={**SUPER, "OUTLET_DESK_WITNESS_PASSWORD": demo.training_password("clerk1")})
    assert early.exit_code == 2 and "it can be returned from" in early.output, early.output
    herself = run(seeded, "uncollected", "return", card, "--witness", "super1",
                  env={**SUPER, "OUTLET_DESK_WITNESS_PASSWORD": demo.training_password("super1")})
    assert herself.exit_code == 2 and "other than the one who returns it" in herself.output
    assert card in {c["card_number"] for c in _waiting(seeded)}


def test_the_rules_sheet_is_written_in_the_language_asked_for(config: Path, tmp_path: Path) -> None:
    written = run(config, "rules", "sheet", "--language", "zh_CN", "--output", str(tmp_path / "rules.pdf"))
    assert written.exit_code == 0, written.output
    assert (tmp_path / "rules.pdf").read_bytes().startswith(b"%PDF")
    default = run(config, "rules", "sheet")
    assert default.exit_code == 0 and "rules-en.pdf" in default.output, default.output
    bad = run(config, "rules", "sheet", "--language", "fr")
    assert bad.exit_code == 2 and "--language fr is not one of: zh_CN, en" in bad.output
    nowhere = run(config, "rules", "sheet", "--output", str(tmp_path / "missing" / "rules.pdf"))
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.output
