"""The audit chain: one event per use case, masked person data, tampering detected."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from outlet_desk.db.tables import AuditEvent, Card
from outlet_desk.services import demo
from outlet_desk.services.audit import load_or_create_key, verify_chain
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import AuditKeyProblem
from outlet_desk.services.uow import AuditMissing, UnitOfWork


def _verify(desk: Desk):  # type: ignore[no-untyped-def]
    with Session(desk.engine) as s:
        return verify_chain(s, desk.audit_key, desk.outlet_code)


def _exec(desk: Desk, sql: str, **params: object) -> None:
    with desk.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.fixture
def seeded(desk: Desk) -> Desk:
    demo.seed_training(desk, persons=30)
    for _ in range(3):
        with UnitOfWork(desk, None) as uow:
            uow.audit("note", "outlet", desk.outlet_code,
                      after={"name": "张三丰", "citizen_number": "11010519491231002X"})
            uow.commit()
    return desk


def test_intact_chain_verifies(seeded: Desk) -> None:
    report = _verify(seeded)
    assert report.intact, report.message()
    with Session(seeded.engine) as s:
        ready = len(s.exec(select(Card).where(Card.status == "ready")).all())
    # outlet registered + demo seeded + one arrival per card waiting for collection + 3 notes
    assert report.events_checked == 2 + ready + 3
    assert "intact" in report.message()


def test_person_data_is_masked_in_the_audit(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        notes = s.exec(select(AuditEvent).where(AuditEvent.action == "note")).all()
    after = json.loads(notes[0].after)
    assert after == {"name": "张**", "citizen_number": "110105********002X"}
    assert "11010519491231002X" not in notes[0].after


def test_edited_row_is_named(seeded: Desk) -> None:
    _exec(seeded, "UPDATE audit_event SET after = :a WHERE seq = 4", a='{"name":"李**"}')
    report = _verify(seeded)
    assert not report.intact
    assert report.broken_seq == 4
    assert "edited" in report.message()


def test_deleted_row_is_named(seeded: Desk) -> None:
    _exec(seeded, "DELETE FROM audit_event WHERE seq = 3")
    report = _verify(seeded)
    assert (report.intact, report.broken_seq) == (False, 3)
    assert "missing" in report.message()


def test_deleted_newest_row_is_noticed(seeded: Desk) -> None:
    _exec(seeded, "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    report = _verify(seeded)
    assert not report.intact
    assert "newest events deleted" in report.message()


def test_inserted_row_is_named(seeded: Desk) -> None:
    # A forged event squeezed in as seq 3, everything after renumbered: the MAC of the forgery is wrong
    # (the forger has no key), so verification stops at it.
    _exec(seeded, "UPDATE audit_event SET seq = seq + 100 WHERE seq >= 3")
    _exec(seeded, "UPDATE audit_event SET seq = seq - 99 WHERE seq >= 103")
    _exec(
        seeded,
        "INSERT INTO audit_event (outlet_code, seq, at, action, entity, entity_id, before, after, prev_mac, mac) "
        "SELECT outlet_code, 3, at, 'forged', 'outlet', '', '', '', mac, :m FROM audit_event WHERE seq = 2",
        m="0" * 64,
    )
    report = _verify(seeded)
    assert (report.intact, report.broken_seq) == (False, 3)


def test_use_case_without_audit_event_cannot_commit(desk: Desk) -> None:
    with pytest.raises(AuditMissing), UnitOfWork(desk, None) as uow:
        uow.commit()


def test_use_case_that_fails_writes_nothing(desk: Desk) -> None:
    before = _verify(desk).events_checked
    with pytest.raises(RuntimeError), UnitOfWork(desk, None) as uow:
        uow.audit("will_roll_back", "outlet", desk.outlet_code)
        raise RuntimeError("boom")
    after = _verify(desk)
    assert after.intact and after.events_checked == before


def test_audit_key_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "audit.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key


def test_audit_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(AuditKeyProblem, match="chmod 600"):
        load_or_create_key(path)
