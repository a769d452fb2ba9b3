"""Blank cards and spoiled cards (both databases): blanks received by count and taken one by one by instant
issuance (refused, with the reason, when none is left); a spoiled card needs a second operator as witness and
a reason, lands on the daily report, and its record is a sealed receipt; the day close records the count."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from outlet_desk.config import Settings
from outlet_desk.db.tables import StockItem
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.stock import StockFigure, StockStatus
from outlet_desk.services.approvals.kinds import SpoilRefused
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.day_close import close_day
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.receipts import render_text
from outlet_desk.services.reissue import complete_instant_issue, instant_card_data
from outlet_desk.services.report import daily_report
from outlet_desk.services.stock_blanks import BlanksRefused, NoBlankCard, receive_blanks
from outlet_desk.services.stock_count import stock_count
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import scan_in
from outlet_desk.services.stock_spoil import spoil_card
from tests.clock import FakeClock
from tests.services.builders import apply_for_lost_card, audit_events, login, person_with, reload, seed
from tests.services.stock_builders import lines_for, manifest

INSTANT = '\n[reissue]\nproduction_mode = "instant"\n'


def _figure(desk: Desk, figure: StockFigure) -> int:
    return stock_count(desk, desk.outlet_code)[0].figures[figure]


@pytest.fixture
def instant(make_settings: Callable[..., Settings], clock: FakeClock) -> Desk:
    desk = open_desk(make_settings(INSTANT))
    desk.clock = clock
    return seed(desk)


def _instant_request(desk: Desk) -> int:
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.LOST)
    return apply_for_lost_card(desk, clerk, person, card, payment_method="cash", amount_paid_fen=2000).request_id


def test_an_instant_reissue_takes_a_blank_card_and_the_count_falls_by_one(instant: Desk) -> None:
    desk = instant
    blanks = _figure(desk, StockFigure.BLANK)
    assert blanks > 0  # the training outlet's delivery
    request_id = _instant_request(desk)
    written = instant_card_data(desk, request_id)
    received = complete_instant_issue(desk, login(desk, "clerk1"), request_id, written)
    assert _figure(desk, StockFigure.BLANK) == blanks - 1
    with Session(desk.engine) as s:
        taken = s.exec(select(StockItem).where(col(StockItem.card_id) == received.card_id)).one()
    assert taken.blank and taken.status == StockStatus.CONSUMED
    [event] = audit_events(desk, AuditAction.CARD_PERSONALISED)
    assert json.loads(event.after)["blank_card"] == taken.id


def test_an_instant_reissue_with_no_blank_in_stock_is_refused_with_the_reason(instant: Desk) -> None:
    desk = instant
    clerk, witness = login(desk, "clerk1"), login(desk, "super1")
    for _ in range(_figure(desk, StockFigure.BLANK)):
        spoil_card(desk, clerk, witness, "printer jam")
    request_id = _instant_request(desk)
    with pytest.raises(NoBlankCard, match="no blank card in stock"):
        instant_card_data(desk, request_id)
    receive_blanks(desk, login(desk, "super1"), 5)
    assert instant_card_data(desk, request_id).card_number.startswith("T")
    assert _figure(desk, StockFigure.BLANK) == 5


def test_blanks_are_received_by_a_sensible_count(seeded: Desk) -> None:
    with pytest.raises(BlanksRefused, match="1 to 10000"):
        receive_blanks(seeded, login(seeded, "super1"), 0)


def test_a_spoiled_card_without_a_second_operator_is_refused(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    blanks = _figure(seeded, StockFigure.BLANK)
    with pytest.raises(SpoilRefused, match="second operator"):
        spoil_card(seeded, clerk, None, "chip cracked while writing")
    with pytest.raises(SpoilRefused, match="other than the clerk"):
        spoil_card(seeded, clerk, login(seeded, "clerk1"), "chip cracked while writing")
    with pytest.raises(SpoilRefused, match="witness must be"):
        spoil_card(seeded, clerk, login(seeded, "hotline1"), "chip cracked while writing")
    with pytest.raises(SpoilRefused, match="reason"):
        spoil_card(seeded, clerk, login(seeded, "super1"), "  ")
    assert _figure(seeded, StockFigure.BLANK) == blanks and _figure(seeded, StockFigure.SPOILED) == 0


def test_a_witnessed_spoiled_card_is_counted_reported_and_sealed(seeded: Desk) -> None:
    desk = seeded
    clerk, witness, supervisor = login(desk, "clerk1"), login(desk, "clerk2"), login(desk, "super1")
    blanks = _figure(desk, StockFigure.BLANK)
    blank_receipt = spoil_card(desk, clerk, witness, "printing smeared")
    # A card from a manifest, in stock (no request waits for it), dropped and cracked.
    [line] = lines_for(desk, 40)[-1:]
    batch = import_manifest(desk, supervisor, manifest(desk, "B-SPOIL", [line]))
    scanned = scan_in(desk, supervisor, batch.batch_id, line.chip())
    assert scanned.card_status is CardStatus.IN_STOCK
    card_receipt = spoil_card(desk, clerk, supervisor, "dropped, chip cracked", line.card_number)

    assert _figure(desk, StockFigure.BLANK) == blanks - 1 and _figure(desk, StockFigure.SPOILED) == 2
    with Session(desk.engine) as s:
        item = s.exec(select(StockItem).where(col(StockItem.card_number) == line.card_number)).one()
    assert item.card_id is not None and reload(desk, item.card_id).status == CardStatus.SPOILED
    report = daily_report(desk)
    assert report.spoiled_cards == 2 and not report.disagreements
    assert card_receipt.witness == supervisor.display_name and card_receipt.card_number == line.card_number
    blank_text, card_text = render_text(blank_receipt), render_text(card_receipt)
    assert f"Witness: {witness.display_name}" in blank_text and "Reason: printing smeared" in blank_text
    assert "Card:" not in blank_text and f"Card: {line.card_number}" in card_text
    for receipt in (blank_receipt, card_receipt):
        found = verify_receipt(desk, receipt.code)
        assert found is not None and found.genuine


def test_the_day_close_records_the_stock_count(seeded: Desk) -> None:
    desk = seeded
    supervisor = login(desk, "super1")
    receive_blanks(desk, supervisor, 3)
    close_day(desk, supervisor, reason="training day")
    [event] = audit_events(desk, AuditAction.DAY_CLOSED)
    recorded = json.loads(event.after)["stock"]
    assert recorded == stock_count(desk, desk.outlet_code)[0].as_dict()
    assert recorded["blank"] >= 3 and set(recorded) == {f.value for f in StockFigure}
