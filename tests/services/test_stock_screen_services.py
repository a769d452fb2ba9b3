"""What the stock screen and the day close ask of the services (both databases): the open batches with how far
each has come; a manifest file read with a clear refusal for a file that is not one; the day close recording
the stock counted on the shelf, a count that differs refused without its reason (the cash-up's rule); a card of
a batch put into the virtual reader for its scan-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.counted import CountRefused, differences, parse_count, unexplained
from outlet_desk.domain.manifest import ManifestRefused
from outlet_desk.domain.stock import StockFigure
from outlet_desk.services.context import Desk
from outlet_desk.services.day_close import DayCloseRefused, close_day
from outlet_desk.services.emulation import card_data_for
from outlet_desk.services.manifest_file import ManifestUnreadable, read_manifest
from outlet_desk.services.stock_batches import open_batches
from outlet_desk.services.stock_count import stock_count
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import scan_in
from tests.services.builders import login
from tests.services.stock_builders import lines_for, manifest, write_manifest


def test_the_open_batches_say_how_far_each_scan_in_has_come(seeded: Desk) -> None:
    supervisor = login(seeded, "super1")
    lines = lines_for(seeded, 3)
    batch = import_manifest(seeded, supervisor, manifest(seeded, "B-OPEN", lines))
    scan_in(seeded, supervisor, batch.batch_id, lines[0].chip())
    scan_in(seeded, supervisor, batch.batch_id, lines[1].chip(name="张冒名"))
    [listed] = open_batches(seeded)
    assert (listed.batch_number, listed.lines, listed.scanned, listed.open_lines) == ("B-OPEN", 3, 1, 2)


def test_a_manifest_file_is_read_or_refused_with_the_reason(seeded: Desk, tmp_path: Path) -> None:
    today = seeded.local_now().date()
    good = write_manifest(tmp_path, "B-FILE", lines_for(seeded, 2))
    assert len(read_manifest(good, today).lines) == 2
    with pytest.raises(ManifestUnreadable, match="cannot be read"):
        read_manifest(tmp_path / "absent.csv", today)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(good.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(ManifestUnreadable, match="not UTF-8"):
        read_manifest(latin, today)
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text(encoding="utf-8").replace("M70000001", "M7"), encoding="utf-8")
    with pytest.raises(ManifestRefused, match="line 3"):
        read_manifest(bad, today)


def test_a_stock_count_that_differs_needs_its_reason_at_the_day_close(seeded: Desk) -> None:
    supervisor = login(seeded, "super1")
    recorded = stock_count(seeded, seeded.outlet_code)[0].figures
    short = {StockFigure.READY: recorded[StockFigure.READY] - 1, StockFigure.BLANK: recorded[StockFigure.BLANK]}
    with pytest.raises(DayCloseRefused, match="stock counted differs"):
        close_day(seeded, supervisor, reason="training day", stock_counted=short)
    close_day(seeded, supervisor, reason="training day", stock_counted=short, stock_reason="one card mislaid")
    with Session(seeded.engine) as s:
        after = json.loads(s.exec(select(AuditEvent.after).where(col(AuditEvent.action) == "day_closed")).one())
    assert after["stock"]["ready"] == recorded[StockFigure.READY]
    assert after["stock_counted"] == {"ready": recorded[StockFigure.READY] - 1, "blank": recorded[StockFigure.BLANK]}
    assert after["stock_differences"] == {"ready": -1} and after["stock_reason"] == "one card mislaid"


def test_the_rule_for_a_count_that_differs_is_one_for_cash_and_cards() -> None:
    assert unexplained(-150, " ") and not unexplained(-150, "a coin short") and not unexplained(0, "")
    assert unexplained({"ready": -1}, "") and not unexplained({}, "")
    assert differences({"ready": 4, "blank": 2}, {"ready": 3, "blank": 2}) == {"ready": -1}
    assert parse_count(" 12 ", "Ready") == 12 and parse_count("", "Ready") is None
    for typed in ("-1", "1.5", "１２", "99999999999"):
        with pytest.raises(CountRefused, match="is not a count"):
            parse_count(typed, "Ready")


def test_a_card_of_a_batch_is_emulated_from_its_line_with_the_persons_data(seeded: Desk) -> None:
    lines = lines_for(seeded, 2)
    import_manifest(seeded, login(seeded, "super1"), manifest(seeded, "B-EMU", lines))
    own = card_data_for(seeded, lines[0].citizen_number, lines[0].card_number)
    assert (own.card_number, own.identification_code, own.citizen_number) == (
        lines[0].card_number, lines[0].identification_code, lines[0].citizen_number)
    other = card_data_for(seeded, lines[1].citizen_number, lines[0].card_number)  # a chip that disagrees
    assert other.card_number == lines[0].card_number and other.citizen_number == lines[1].citizen_number
