"""Batches from a manifest (both databases): imported whole or not at all, each card scanned in by its chip and
compared with its line; a missing, a mismatched and an extra card are listed and resolved by the supervisor;
the batch closes once every line is accounted for, with a sealed stock receipt; the counts agree with the daily
report and the audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, ReissueRequest, StockBatch, StockItem
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.manifest import ManifestRefused, parse_manifest
from outlet_desk.domain.stock import Discrepancy, StockFigure, StockStatus
from outlet_desk.reader.card_data import Gender
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Desk
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.receipts import render_text
from outlet_desk.services.report import daily_report
from outlet_desk.services.stock_batches import BatchRefused, batch_view, close_batch, resolve_discrepancy
from outlet_desk.services.stock_count import stock_count
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import ScanRefused, scan_in
from tests.services.builders import audit_events, login
from tests.services.stock_builders import Line, card_number, chip_code, lines_for, manifest, manifest_csv


def _rows(desk: Desk) -> tuple[int, int]:
    with Session(desk.engine) as s:
        return (s.exec(select(func.count()).select_from(StockBatch)).one(),
                s.exec(select(func.count()).select_from(StockItem)).one())


def test_fifty_cards_with_one_missing_one_extra_one_mismatched_close_once_resolved(seeded: Desk) -> None:
    desk = seeded
    supervisor = login(desk, "super1")
    blanks_before = stock_count(desk, desk.outlet_code)[0].figures[StockFigure.BLANK]
    lines = lines_for(desk, 50)
    progress: list[tuple[int, int]] = []
    announced = import_manifest(desk, supervisor, manifest(desk, "B2026-0042", lines),
                                lambda done, total: progress.append((done, total)))
    assert announced.lines == 50 and announced.with_request == 4  # the seeded desk's four cards on order
    assert progress[-1] == (100, 100)
    assert stock_count(desk, desk.outlet_code)[0].figures[StockFigure.ANNOUNCED] == 50

    results = [scan_in(desk, supervisor, announced.batch_id, line.chip()) for line in lines[:47]]
    assert all(r.outcome is StockStatus.RECEIVED for r in results)
    assert sum(1 for r in results if r.card_status is CardStatus.READY) == 4
    mismatched = scan_in(desk, supervisor, announced.batch_id, lines[47].chip(name="李四"))
    assert mismatched.outcome is StockStatus.MISMATCHED
    assert [f.field for f in mismatched.fields if not f.matches] == ["name"]
    stranger = Line(card_number(900), chip_code(900), lines[0].citizen_number, lines[0].name, lines[0].birth_date)
    extra = scan_in(desk, supervisor, announced.batch_id, stranger.chip())
    assert extra.outcome is StockStatus.EXTRA
    scan_in(desk, supervisor, announced.batch_id, lines[48].chip())
    with pytest.raises(ScanRefused, match="already scanned"):
        scan_in(desk, supervisor, announced.batch_id, lines[48].chip())
    # lines[49] never arrives

    view = batch_view(desk, announced.batch_id)
    assert sorted((d.kind, d.card_number) for d in view.discrepancies) == sorted([
        (Discrepancy.MISSING, lines[49].card_number), (Discrepancy.MISMATCHED, lines[47].card_number),
        (Discrepancy.EXTRA, stranger.card_number)])
    with pytest.raises(BatchRefused, match="cannot close yet"):
        close_batch(desk, supervisor, announced.batch_id)
    for d in view.discrepancies:
        resolve_discrepancy(desk, supervisor, d.item_id, "reported to the card centre")
    receipt = close_batch(desk, supervisor, announced.batch_id)

    assert receipt.batch_number == "B2026-0042"
    assert receipt.stock_counts == {"received": 48, "written_off": 1, "sent_back": 2}
    text = render_text(receipt)
    assert "Batch: B2026-0042" in text and "scanned in: 48" in text and "missing, written off: 1" in text
    found = verify_receipt(desk, receipt.code)
    assert found is not None and found.genuine
    count = stock_count(desk, desk.outlet_code)[0].figures
    with Session(desk.engine) as s:
        in_stock = s.exec(select(func.count()).select_from(Card).where(col(Card.status) == CardStatus.IN_STOCK)).one()
        ready_now = s.exec(select(func.count()).select_from(ReissueRequest).where(
            col(ReissueRequest.status) == "ready")).one()
    assert count[StockFigure.ANNOUNCED] == 0 and count[StockFigure.IN_STOCK] == in_stock == 44
    assert count[StockFigure.READY] == ready_now and count[StockFigure.BLANK] == blanks_before
    scanned = audit_events(desk, AuditAction.STOCK_CARD_SCANNED) + audit_events(desk, AuditAction.CARD_RECEIVED)
    assert sum(1 for e in scanned if '"stock_item"' in e.after or '"outcome"' in e.after) == 50
    assert len(audit_events(desk, AuditAction.STOCK_DISCREPANCY_RESOLVED)) == 3
    report = daily_report(desk)
    assert not report.disagreements and report.chain is not None and report.chain.intact
    assert verify_chain(desk.engine.connect(), desk.audit_key, desk.outlet_code).intact


def test_a_manifest_with_a_bad_line_is_refused_whole_with_its_line_number(seeded: Desk) -> None:
    desk = seeded
    lines = lines_for(desk, 6)
    text = manifest_csv("B-BAD", lines).splitlines()
    text[4] = text[4].replace(lines[3].citizen_number, lines[3].citizen_number[:-1] + "0")  # line 5 of the file
    with pytest.raises(ManifestRefused) as refused:
        parse_manifest("\n".join(text), ".csv", desk.local_now().date())
    assert [p.line_no for p in refused.value.problems] == [5]
    assert "line 5" in refused.value.message and "check digit" in refused.value.message
    # A line the store refuses (a card already on record) refuses the whole batch too: nothing is written.
    with Session(desk.engine) as s:
        known = s.exec(select(Card).order_by(col(Card.id))).first()
        assert known is not None
    taken = [*lines[:2], Line(known.card_number, chip_code(77), lines[2].citizen_number, lines[2].name,
                              lines[2].birth_date)]
    before = _rows(desk)
    with pytest.raises(ManifestRefused) as refused:
        import_manifest(desk, login(desk, "super1"), manifest(desk, "B-TAKEN", taken))
    assert [p.line_no for p in refused.value.problems] == [4] and "already on record" in refused.value.message
    assert _rows(desk) == before


def test_a_json_manifest_names_its_bad_card_by_its_place(seeded: Desk) -> None:
    lines = lines_for(seeded, 3)
    text = ('{"batch_number": "J1", "cards": [' + ", ".join(
        f'{{"card_number": "{x.card_number}", "identification_code": "{x.identification_code}", '
        f'"citizen_number": "{x.citizen_number}", "name": "{x.name if i != 1 else ""}"}}'
        for i, x in enumerate(lines)) + "]}")
    with pytest.raises(ManifestRefused, match="line 2: name missing"):
        parse_manifest(text, ".json", seeded.local_now().date())


def test_the_same_batch_cannot_be_imported_twice(seeded: Desk) -> None:
    supervisor = login(seeded, "super1")
    import_manifest(seeded, supervisor, manifest(seeded, "B-ONCE", lines_for(seeded, 2)))
    with pytest.raises(ManifestRefused, match="already been imported"):
        import_manifest(seeded, supervisor, manifest(seeded, "B-ONCE", lines_for(seeded, 2, first=10)))


def test_a_clerk_cannot_import_a_manifest(seeded: Desk) -> None:
    from outlet_desk.domain.roles import Forbidden

    with pytest.raises(Forbidden):
        import_manifest(seeded, login(seeded, "clerk1"), manifest(seeded, "B-CLERK", lines_for(seeded, 1)))


def test_a_chip_holding_another_gender_than_the_holders_record_is_mismatched(seeded: Desk) -> None:
    supervisor = login(seeded, "super1")
    lines = lines_for(seeded, 2)
    announced = import_manifest(seeded, supervisor, manifest(seeded, "B2026-0043", lines))
    line = lines[0]
    other = Gender.FEMALE if int(line.citizen_number[16]) % 2 else Gender.MALE
    scanned = scan_in(seeded, supervisor, announced.batch_id, line.chip(gender=other))  # type: ignore[arg-type]
    assert scanned.outcome is StockStatus.MISMATCHED
    assert [f.field for f in scanned.fields if not f.matches] == ["gender"]
    assert scanned.card_status is None  # not on record: no card a holder could collect
    assert scan_in(seeded, supervisor, announced.batch_id, lines[1].chip()).outcome is StockStatus.RECEIVED
