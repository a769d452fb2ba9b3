"""A batch scanned in on real parts: each card of the manifest goes into the vpcd reader as a virtual card,
pcscd hands it to the desk's reader, and its chip is compared with its manifest line: one that agrees is ready
for its request, one whose chip holds another name is listed as a discrepancy."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from outlet_desk.config import Settings
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.stock import Discrepancy, StockStatus
from outlet_desk.reader.pcsc_reader import PcscCardReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.stock_batches import batch_view
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import scan_in
from tests.clock import FakeClock
from tests.fixtures_pcsc import FreshSlot
from tests.services.builders import login, seed
from tests.services.stock_builders import lines_for, manifest

pytestmark = pytest.mark.pcsc


def test_cards_scanned_in_through_pcscd_are_compared_with_their_manifest_lines(
    make_settings: Callable[..., Settings], clock: FakeClock, fresh_card: FreshSlot
) -> None:
    desk = open_desk(make_settings())
    desk.clock = clock
    seed(desk)
    supervisor = login(desk, "super1")
    lines = lines_for(desk, 3)
    batch = import_manifest(desk, supervisor, manifest(desk, "B-PCSC", lines))
    reader = PcscCardReader()
    results = []
    try:
        for line, chip in ((lines[0], lines[0].chip()), (lines[1], lines[1].chip(name="张冒名"))):
            fresh_card.insert(VirtualCard(chip))
            read = reader.read_card(fresh_card.reader)
            assert read.card_number == line.card_number
            results.append(scan_in(desk, supervisor, batch.batch_id, read))
            fresh_card.remove()
    finally:
        reader.close()
    assert results[0].outcome is StockStatus.RECEIVED and results[0].card_status is CardStatus.READY
    assert results[1].outcome is StockStatus.MISMATCHED
    view = batch_view(desk, batch.batch_id)
    assert sorted((d.kind, d.card_number) for d in view.discrepancies) == sorted(
        [(Discrepancy.MISMATCHED, lines[1].card_number), (Discrepancy.MISSING, lines[2].card_number)])
    desk.engine.dispose()
