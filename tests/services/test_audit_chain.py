"""The audit chain: one event per use case, masked person data, tampering detected."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from outlet_desk.config.schema import AuditSettings
from outlet_desk.db.tables import AuditEvent, Card
from outlet_desk.services.audit import (
    AuditKeyMissing,
    AuditKeyNotThisOutlets,
    check_chain,
    key_id,
    load_or_create_key,
    verify_chain,
)
from outlet_desk.services.audit.keys import AuditHeadUnsealed
from outlet_desk.services.audit.seal import seal_head
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import AuditKeyProblem
from outlet_desk.services.uow import AuditMissing, UnitOfWork
from tests.services.builders import audit_notes


def _verify(desk: Desk):  # type: ignore[no-untyped-def]
    with Session(desk.engine) as s:
        return verify_chain(s, desk.audit_key, desk.outlet_code)


def _exec(desk: Desk, sql: str, **params: object) -> None:
    with desk.engine.begin() as conn:
        conn.execute(text(sql), params)


PERSON_NOTE: dict[str, object] = {"name": "张三丰", "citizen_number": "11010519491231002X"}


@pytest.fixture
def noted(seeded: Desk) -> Desk:
    """The training desk and three more audit events naming a person (masked as they are written)."""
    audit_notes(seeded, [PERSON_NOTE] * 3)
    return seeded


def test_intact_chain_verifies(noted: Desk) -> None:
    report = _verify(noted)
    assert report.intact, report.message()
    with Session(noted.engine) as s:
        ready = len(s.exec(select(Card).where(Card.status == "ready")).all())
    # outlet registered + demo seeded + one arrival per card waiting for collection + 3 notes
    assert report.events_checked == 2 + ready + 3
    assert "intact" in report.message()


def test_person_data_is_masked_in_the_audit(noted: Desk) -> None:
    with Session(noted.engine) as s:
        notes = s.exec(select(AuditEvent).where(AuditEvent.action == "note")).all()
    after = json.loads(notes[0].after)
    assert after == {"name": "张**", "citizen_number": "110105************"}
    assert "11010519491231002X" not in notes[0].after


def test_edited_row_is_named(noted: Desk) -> None:
    _exec(noted, "UPDATE audit_event SET after = :a WHERE seq = 4", a='{"name":"李**"}')
    report = _verify(noted)
    assert not report.intact
    assert report.broken_seq == 4
    assert report.problem == "its content does not match its seal (the row was edited)"


def test_deleted_row_is_named(noted: Desk) -> None:
    _exec(noted, "DELETE FROM audit_event WHERE seq = 3")
    report = _verify(noted)
    assert (report.intact, report.broken_seq) == (False, 3)
    assert "missing" in report.message()


def test_deleted_newest_row_is_noticed(noted: Desk) -> None:
    _exec(noted, "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    report = _verify(noted)
    assert not report.intact
    assert "newest events deleted" in report.message()


def test_inserted_row_is_named(noted: Desk) -> None:
    # A forged event squeezed in as seq 3, everything after renumbered: the MAC of the forgery is wrong
    # (the forger has no key), so verification stops at it.
    _exec(noted, "UPDATE audit_event SET seq = seq + 100 WHERE seq >= 3")
    _exec(noted, "UPDATE audit_event SET seq = seq - 99 WHERE seq >= 103")
    _exec(
        noted,
        "INSERT INTO audit_event (outlet_code, seq, at, action, entity, entity_id, before, after, prev_mac, mac) "
        "SELECT outlet_code, 3, at, 'forged', 'outlet', '', '', '', mac, :m FROM audit_event WHERE seq = 2",
        m="0" * 64,
    )
    report = _verify(noted)
    assert (report.intact, report.broken_seq) == (False, 3)
    assert report.problem == ("its content does not match its seal and the event after it does not point at it "
                              "(an event was inserted or replaced)")


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
    key = load_or_create_key(path, outlet_code="TST001", sealed_events=0)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path, outlet_code="TST001", sealed_events=5) == key


def test_audit_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    load_or_create_key(path, outlet_code="TST001", sealed_events=0)
    os.chmod(path, 0o644)
    with pytest.raises(AuditKeyProblem, match="chmod 600"):
        load_or_create_key(path, outlet_code="TST001", sealed_events=1)


def test_no_new_key_for_an_outlet_that_has_sealed_events(noted: Desk, tmp_path: Path) -> None:
    """A second desk of the outlet (its own data folder, the same database) without the key file: a new
    key would seal every later event with another key, so the desk refuses to open and writes nothing."""
    events = _verify(noted).events_checked
    key_file = tmp_path / "desk2" / "audit.key"
    second = noted.settings.model_copy(update={"audit": AuditSettings(key_file=key_file)})
    with pytest.raises(AuditKeyMissing) as refused:
        open_desk(second.bound_to(noted.settings.config_path))
    assert refused.value.message == (
        f"The audit key file {key_file} is missing, and outlet TST001 already has {events} sealed audit events "
        f"in its database. Copy the key file from the first desk of this outlet (or restore it from backup) to "
        f"{key_file}, then start again. Nothing was written."
    )
    assert not key_file.exists()
    report = _verify(noted)
    assert report.intact and report.events_checked == events


def test_a_fresh_outlet_on_a_shared_database_gets_its_own_key(noted: Desk, tmp_path: Path) -> None:
    other = noted.settings.model_copy(update={
        "outlet": noted.settings.outlet.model_copy(update={"code": "TST002"}),
        "audit": AuditSettings(key_file=tmp_path / "other" / "audit.key"),
    }).bound_to(noted.settings.config_path)
    desk2 = open_desk(other)
    try:
        assert (tmp_path / "other" / "audit.key").exists() and desk2.audit_key != noted.audit_key
        assert _verify(desk2).intact and _verify(noted).intact
    finally:
        desk2.engine.dispose()


def test_a_wrong_key_is_named_not_an_edited_row(noted: Desk) -> None:
    with Session(noted.engine) as s:
        report = verify_chain(s, b"k" * 32, noted.outlet_code)
    assert (report.intact, report.broken_seq) == (False, 1)
    assert report.problem == (
        "no event checked matches its seal, from the first one on: most likely the audit key file is not this "
        "outlet's key (every desk of an outlet needs the same key file: copy it from the first desk or restore "
        "it from backup); if the key is right, the rows were edited"
    )
    assert "the row was edited" not in report.message()


def _head_key_id(desk: Desk) -> str:
    with desk.engine.connect() as conn:
        return str(conn.execute(text("SELECT key_id FROM audit_head WHERE outlet_code = :o"),
                                {"o": desk.outlet_code}).scalar_one())


def _key_refusal(key_file: Path, events: int) -> str:
    return (f"The audit key file {key_file} is not the key outlet TST001's audit chain is sealed with ({events} "
            f"events). Every desk of an outlet needs the same key file: copy it from the first desk of this outlet "
            f"(or restore it from backup) to {key_file}, then start again. Nothing was written.")


def test_a_desk_whose_key_file_is_not_the_outlets_does_not_open(noted: Desk, tmp_path: Path) -> None:
    """A second desk of the outlet with a key file of its own (made when both started on an empty store at
    the same moment, or copied from another outlet): refused at start, before it seals anything."""
    assert _head_key_id(noted) == key_id(noted.audit_key)
    events = _verify(noted).events_checked
    key_file = tmp_path / "desk2" / "audit.key"
    key_file.parent.mkdir()
    key_file.write_text("ab" * 32 + "\n")
    key_file.chmod(0o600)
    second = noted.settings.model_copy(update={"audit": AuditSettings(key_file=key_file)})
    with pytest.raises(AuditKeyNotThisOutlets) as refused:
        open_desk(second.bound_to(noted.settings.config_path))
    assert refused.value.message == _key_refusal(key_file, events)
    assert key_file.read_text() == "ab" * 32 + "\n"
    report = _verify(noted)
    assert report.intact and report.events_checked == events


def test_the_second_of_two_desks_that_made_their_own_keys_at_once_saves_nothing(noted: Desk) -> None:
    """Both desks passed the start-up check on an empty store and each made a key; the first event set the
    outlet's key id. The other desk's next use case is refused whole, with a message, and the chain stays
    intact."""
    events = _verify(noted).events_checked
    second = Desk(settings=noted.settings, engine=noted.engine, audit_key=b"k" * 32, clock=noted.clock)
    with pytest.raises(AuditKeyNotThisOutlets) as refused, UnitOfWork(second, None) as uow:
        card = uow.session.exec(select(Card)).first()
        assert card is not None
        card.status = "cancelled"
        uow.session.add(card)
        uow.audit("card_cancelled", "card", card.id)
        uow.commit()
    assert refused.value.message == (
        "This desk's audit key is not the key outlet TST001's audit chain is sealed with: another desk of the "
        "outlet sealed its first event with a key file of its own. Nothing was saved. Copy that desk's key file "
        "to this desk's [audit] key_file, then start this desk again.")
    with Session(noted.engine) as s:
        assert "cancelled" not in {c.status for c in s.exec(select(Card)).all()}
    report = _verify(noted)
    assert report.intact and report.events_checked == events
    assert _head_key_id(noted) == key_id(noted.audit_key)


def test_a_head_whose_key_id_and_seal_were_removed_takes_no_event_and_is_named(noted: Desk) -> None:
    """What a store from before key ids looked like; such a store's heads are sealed by its upgrade
    (tests/services/test_audit_cut_short.py), so now it can only be an edit: nothing is sealed onto it."""
    _exec(noted, "UPDATE audit_head SET key_id = '', seal = ''")
    with pytest.raises(AuditHeadUnsealed), UnitOfWork(noted, None) as uow:
        uow.audit("note", "outlet", noted.outlet_code)
        uow.commit()
    assert _head_key_id(noted) == ""
    report = _verify(noted)
    assert not report.intact and "has no seal" in report.problem


def test_events_sealed_with_another_key_from_some_point_on_are_named(noted: Desk) -> None:
    """What a desk that made its own key did before key ids existed: later events, another key (emulated
    here by a head sealed under that key, as such a desk left it)."""
    second = Desk(settings=noted.settings, engine=noted.engine, audit_key=b"k" * 32, clock=noted.clock)
    with noted.engine.connect() as conn:
        seq, mac = conn.execute(text("SELECT seq, mac FROM audit_head")).one()
    _exec(noted, "UPDATE audit_head SET key_id = :k, seal = :s", k=key_id(second.audit_key),
          s=seal_head(second.audit_key, noted.outlet_code, seq, mac, key_id(second.audit_key)))
    for _ in range(2):
        with UnitOfWork(second, None) as uow:
            uow.audit("note", "outlet", noted.outlet_code)
            uow.commit()
    report = _verify(noted)
    assert not report.intact and report.broken_seq is not None
    first_foreign = report.broken_seq
    assert report.problem == (
        f"events {first_foreign} and {first_foreign + 1} do not match their seals: from here on the events were "
        "probably sealed with another audit key (a desk of this outlet with a key file of its own), or several "
        "rows were edited"
    )


def test_the_quick_verification_with_a_wrong_key_names_the_key(noted: Desk) -> None:
    recorded = check_chain(noted.engine, noted.audit_key, noted.outlet_code, full=True, record=True,
                           at=noted.now()).recorded
    assert recorded is not None
    report = check_chain(noted.engine, b"k" * 32, noted.outlet_code, full=False)
    assert (report.intact, report.broken_seq) == (False, recorded.seq)
    assert report.problem == (
        f"neither the checkpoint nor its event {recorded.seq} matches its seal: most likely the audit key file is "
        "not this outlet's key (every desk of an outlet needs the same key file: copy it from the first desk or "
        "restore it from backup); if the key is right, both were edited"
    )
