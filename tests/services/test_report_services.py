"""The counter's other services on the daily report, on both databases: a death cancellation and a PIN unblock
of the day are counted (from their audit events) and stand in the table, the CSV, the JSON and the PDF beside
the other figures, outside the reconciliation (they are counted one way only)."""

from __future__ import annotations

import json

from outlet_desk.domain.cancellation import CancelReason
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.services.cancellation import cancel_cards
from outlet_desk.services.context import Desk
from outlet_desk.services.pin_reset import reset_card_pin
from outlet_desk.services.report import daily_report
from outlet_desk.services.report_export import render_pdf, to_csv, to_json
from outlet_desk.services.report_model import figure_rows
from tests.services.builders import identity, login, person_with, reload
from tests.services.test_cancel_cards import relative_check
from tests.services.test_pin_reset import ISSUER, NEW_PIN, block, card_in_reader, chip_card
from tests.services.test_receipts import pdftotext


def test_cancellations_and_pin_resets_are_on_the_daily_report(seeded: Desk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clerk = login(seeded, "clerk1")
    before = daily_report(seeded).counter_services
    assert set(before.values()) == {0}

    person, active = person_with(seeded, CardStatus.ACTIVE)
    assert active.id is not None
    chip = chip_card(seeded, person, active)
    block(chip)
    with card_in_reader(chip) as ops:
        reset_card_pin(seeded, clerk, ops, ISSUER, active.id, active.version, identity(seeded, clerk, person,
                                                                                       "reset_pin"), NEW_PIN, NEW_PIN)
    dead, lost = person_with(seeded, CardStatus.LOST)
    card = reload(seeded, lost.id or 0)
    cancel_cards(seeded, clerk, card.id or 0, card.version, CancelReason.DEATH, relative_check(seeded, clerk, dead),
                 document_ref="DC-2026-78")

    report = daily_report(seeded)
    assert dict(report.counter_services) == {
        "cancellations.death": 1, "cancellations.emigration": 0, "cancellations.duplicate": 0,
        "pin_resets.reset": 0, "pin_resets.unblock": 1}
    rows = dict(figure_rows(report))
    assert (rows["cancellations.death"], rows["pin_resets.unblock"]) == (1, 1)
    assert report.disagreements == ()  # counted one way only: not in the reconciliation
    assert json.loads(json.dumps(to_json(report)))["counter_services"]["pin_resets.unblock"] == 1
    assert ",cancellations.death,Cancellations: the holder died,1," in to_csv(report)
    render_pdf(report, tmp_path / "report.pdf")
    text = " ".join(pdftotext(tmp_path / "report.pdf").split())
    assert "Cancellations: the holder died 1" in text and "Blocked PINs unblocked 1" in text
