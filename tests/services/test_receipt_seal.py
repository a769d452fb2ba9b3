"""Receipts inside the chain: what a receipt states is sealed by its audit event; ``receipt verify``
compares the receipt row with that sealed record and names the field that differs; ``receipt print``
writes a copy from the record; a receipt verifies at every outlet of its database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from outlet_desk.config import Settings, parse_settings
from outlet_desk.db.tables import AuditEvent, AuditHead, Receipt
from outlet_desk.i18n import set_language
from outlet_desk.services.audit import compute_mac, verify_chain
from outlet_desk.services.audit.seal import key_id, seal_head
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.receipt_check import ReceiptNotReprintable, reprint_receipt, verify_receipt
from outlet_desk.services.receipt_seal import RECEIPT_DETAIL
from outlet_desk.services.receipts import ReceiptData, render_text
from tests.clock import FakeClock
from tests.services.conftest import MINIMAL_TOML
from tests.services.test_receipts import _receipt, _reissue_receipt


def _exec(desk: Desk, sql: str, **params: object) -> None:
    with desk.engine.begin() as conn:
        conn.execute(text(sql), params)


def _event_of(desk: Desk, code: str) -> AuditEvent:
    with Session(desk.engine) as s:
        receipt = s.exec(select(Receipt).where(col(Receipt.code) == code)).one()
        event = s.get(AuditEvent, receipt.audit_event_id)
        assert event is not None
        return event


def test_the_event_seals_everything_the_receipt_states(desk: Desk) -> None:
    receipt = _reissue_receipt(desk, payment_method="wechat", amount_paid_fen=2000,
                               payment_reference="4200001234202612040001")
    sealed = json.loads(_event_of(desk, receipt.code).after)[RECEIPT_DETAIL]
    assert sealed["kind"] == "reissue_applied" and sealed["card_number"] == receipt.card_number
    assert (sealed["fee_fen"], sealed["payment_method"]) == (2000, "wechat")
    assert sealed["operator"] == receipt.operator and sealed["operator_id"] is not None
    assert sealed["masked_citizen_number"] == receipt.masked_citizen_number and sealed["person_id"] is not None
    assert sealed["request_id"] is not None and sealed["outlet_code"] == desk.outlet_code
    found = verify_receipt(desk, receipt.code)
    assert found is not None and found.genuine and found.seal_checked, found.message() if found else None


@pytest.mark.parametrize(("column", "value", "named"), [
    ("fee_fen", "fee_fen + 100", "fee: the receipt says 21.00 yuan, the sealed record 20.00 yuan"),
    ("card_number", "'X99999999'", "card number: the receipt says X99999999"),
    ("kind", "'card_collected'", "kind: the receipt says card_collected, the sealed record reissue_applied"),
    ("issued_at", "'2026-01-01 08:00:00.000000'", "date and time: the receipt says 2026-01-01 08:00:00 UTC"),
    ("operator_id", "(SELECT min(id) FROM operator)", "operator: the receipt says"),
])
def test_a_receipt_row_edited_in_sql_is_named_by_its_field(desk: Desk, column: str, value: str,
                                                            named: str) -> None:
    receipt = _reissue_receipt(desk, payment_method="wechat", amount_paid_fen=2000,
                               payment_reference="4200001234202612040001")
    _exec(desk, f"UPDATE receipt SET {column} = {value} WHERE code = :c", c=receipt.code)
    found = verify_receipt(desk, receipt.code)
    assert found is not None and not found.genuine
    assert named in found.message() and "do not trust it" in found.message()
    assert verify_chain(desk.engine.connect(), desk.audit_key, desk.outlet_code).intact  # the chain is untouched


def test_a_sealed_record_edited_in_its_event_breaks_the_events_seal(desk: Desk) -> None:
    receipt = _reissue_receipt(desk, payment_method="wechat", amount_paid_fen=2000,
                               payment_reference="4200001234202612040001")
    event = _event_of(desk, receipt.code)
    after = json.loads(event.after)
    after[RECEIPT_DETAIL]["fee_fen"] = 100
    _exec(desk, "UPDATE audit_event SET after = :a WHERE id = :i",
          a=json.dumps(after, ensure_ascii=False, sort_keys=True, default=str), i=event.id)
    _exec(desk, "UPDATE receipt SET fee_fen = 100 WHERE code = :c", c=receipt.code)
    found = verify_receipt(desk, receipt.code)
    assert found is not None and not found.genuine
    assert f"its audit event {event.seq} does not match its seal" in found.message()


def test_receipt_print_writes_a_copy_from_the_sealed_record(desk: Desk) -> None:
    receipt = _receipt(desk)
    data, saved = reprint_receipt(desk, receipt.code)
    copy = saved.text_path.read_text(encoding="utf-8")
    assert copy.startswith("COPY, printed again from the sealed audit record on ")
    assert copy.split("\n", 1)[1] == render_text(receipt)  # otherwise what the original said, word for word
    assert saved.pdf_path.exists() and saved.pdf_path.stat().st_size > 1000
    assert data.copy_printed_at is not None
    set_language("zh_CN")
    try:
        _data, saved_zh = reprint_receipt(desk, receipt.code)
        assert saved_zh.text_path.read_text(encoding="utf-8").startswith("副本：于 ")
    finally:
        set_language("en")
    _exec(desk, "UPDATE receipt SET card_number = 'X99999999' WHERE code = :c", c=receipt.code)
    with pytest.raises(ReceiptNotReprintable, match="card number"):
        reprint_receipt(desk, receipt.code)


def _reseal_from(desk: Desk, seq: int) -> None:
    """Seal the chain again from event ``seq`` on with the outlet's key, as the desk before receipts were
    sealed would have (a test's way of making an old chain)."""
    with Session(desk.engine) as s:
        events = s.exec(select(AuditEvent).where(col(AuditEvent.outlet_code) == desk.outlet_code)
                        .order_by(col(AuditEvent.seq))).all()
        prev = ""
        for event in events:
            if event.seq >= seq:
                event.prev_mac = prev
                event.mac = compute_mac(desk.audit_key, event)
                s.add(event)
            prev = event.mac
        head = s.get(AuditHead, desk.outlet_code)
        assert head is not None
        head.mac = prev
        head.seal = seal_head(desk.audit_key, desk.outlet_code, head.seq, prev, key_id(desk.audit_key))
        s.add(head)
        s.commit()


def test_a_receipt_sealed_before_receipts_were_still_verifies(desk: Desk) -> None:
    """An old chain: the event holds no sealed receipt record (and the code was made from its MAC then)."""
    receipt = _reissue_receipt(desk, payment_method="wechat", amount_paid_fen=2000,
                               payment_reference="4200001234202612040001")
    event = _event_of(desk, receipt.code)
    after = json.loads(event.after)
    del after[RECEIPT_DETAIL]
    _exec(desk, "UPDATE audit_event SET after = :a WHERE id = :i", a=json.dumps(after, ensure_ascii=False,
                                                                                  sort_keys=True), i=event.id)
    _reseal_from(desk, event.seq)
    from outlet_desk.services.receipts import verification_code

    new_code = verification_code(desk.audit_key, _event_of_id(desk, event.id or 0).mac)
    _exec(desk, "UPDATE receipt SET code = :n WHERE code = :c", n=new_code, c=receipt.code)
    assert verify_chain(desk.engine.connect(), desk.audit_key, desk.outlet_code).intact
    found = verify_receipt(desk, new_code)
    assert found is not None and found.genuine, found.message() if found else None
    assert found.record.legacy and found.card_number == receipt.card_number
    _exec(desk, "UPDATE receipt SET fee_fen = 0 WHERE code = :c", c=new_code)
    forged = verify_receipt(desk, new_code)
    assert forged is not None and "fee: the receipt says 0.00 yuan, the sealed record 20.00 yuan" in forged.message()
    with pytest.raises(ReceiptNotReprintable):
        reprint_receipt(desk, new_code)


def _event_of_id(desk: Desk, event_id: int) -> AuditEvent:
    with Session(desk.engine) as s:
        event = s.get(AuditEvent, event_id)
        assert event is not None
        return event


@pytest.fixture
def other_outlet(desk: Desk, db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Desk]:
    """Outlet TST002 on the same database, with a key file of its own."""
    folder = tmp_path / "b"
    folder.mkdir()
    path = folder / "outlet.toml"
    toml = MINIMAL_TOML.format(url=db_url).replace("TST001", "TST002").replace("Test outlet", "Other outlet")
    path.write_text(toml)
    settings: Settings = parse_settings(toml, path)
    other = open_desk(settings)
    other.clock = clock
    yield other
    other.engine.dispose()


def test_a_receipt_verifies_at_every_outlet_of_its_database(desk: Desk, other_outlet: Desk) -> None:
    receipt: ReceiptData = _receipt(other_outlet)
    assert receipt.outlet_code == "TST002"
    found = verify_receipt(desk, receipt.code)  # at outlet TST001, without TST002's key
    assert found is not None and found.genuine and not found.seal_checked
    assert "Other outlet" in found.message() and "only with outlet TST002's key" in found.message()
    with_key = verify_receipt(desk, receipt.code, other_outlet.audit_key)
    assert with_key is not None and with_key.genuine and with_key.seal_checked
    _exec(desk, "UPDATE receipt SET card_number = 'X99999999' WHERE code = :c", c=receipt.code)
    forged = verify_receipt(desk, receipt.code)
    assert forged is not None and not forged.genuine and "card number" in forged.message()


def test_a_sealed_record_edited_out_of_shape_is_a_broken_seal_not_a_crash(desk: Desk) -> None:
    receipt = _receipt(desk)
    event = _event_of(desk, receipt.code)
    after = json.loads(event.after)
    del after[RECEIPT_DETAIL]["kind"]
    after[RECEIPT_DETAIL]["fee_fen"] = "lots"
    _exec(desk, "UPDATE audit_event SET after = :a WHERE id = :i", a=json.dumps(after), i=event.id)
    found = verify_receipt(desk, receipt.code)
    assert found is not None and not found.genuine and "does not match its seal" in found.message()
