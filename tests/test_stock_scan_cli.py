"""``outlet-desk stock scan`` on real parts: a card of an imported batch sits in the vpcd reader (the card
emulator), pcscd hands it to the command, and the command prints that it is ready for its request."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlet_desk.config import load_settings
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.stock_import import import_manifest
from tests.cli_outlet import run
from tests.fixtures_pcsc import FreshSlot
from tests.services.builders import login
from tests.services.stock_builders import lines_for, manifest
from tests.test_stock_cli import SUPERVISOR

pytestmark = [pytest.mark.pcsc, pytest.mark.usefixtures("english")]


def test_stock_scan_reads_the_card_in_the_reader_and_scans_it_in(config: Path, fresh_card: FreshSlot) -> None:
    assert run(config, "demo").exit_code == 0
    desk = open_desk(load_settings(config))
    try:
        [line] = lines_for(desk, 1)
        batch = import_manifest(desk, login(desk, "super1"), manifest(desk, "B-SCAN-CLI", [line]))
    finally:
        desk.engine.dispose()
    fresh_card.insert(VirtualCard(line.chip()))
    try:
        result = run(config, "stock", "scan", str(batch.batch_id), "--count", "1", "--timeout", "30",
                     "--reader", fresh_card.reader, env=SUPERVISOR)
    finally:
        fresh_card.remove()
    assert result.exit_code == 0, result.output
    assert f"Card {line.card_number} scanned in: ready for collection" in result.stdout
    assert "1 card scanned." in result.stdout
