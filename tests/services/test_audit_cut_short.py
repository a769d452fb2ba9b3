"""A chain cut short (its newest events deleted, the head set back, checkpoints deleted, everything deleted)
is never called intact; the witness file outside the store remembers how long the chain was."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import text

from outlet_desk.services import demo
from outlet_desk.services.audit import check_chain, key_id
from outlet_desk.services.audit.keys import (
    AuditChainMissing,
    AuditHeadEdited,
    AuditHeadUnsealed,
    check_key_matches,
    sealed_events,
)
from outlet_desk.services.audit.seal import seal_head
from outlet_desk.services.audit.wording import ChainReport
from outlet_desk.services.context import Desk
from outlet_desk.services.uow import UnitOfWork


def _exec(desk: Desk, *statements: str, **params: object) -> None:
    with desk.engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql), params)


def _note(desk: Desk, n: int = 1) -> None:
    for _ in range(n):
        with UnitOfWork(desk, None) as uow:
            uow.audit("note", "outlet", desk.outlet_code)
            uow.commit()


def _verify(desk: Desk, *, full: bool = True, record: bool = False) -> ChainReport:
    return check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=full, record=record, at=desk.now(),
                       witness=desk.settings.audit_witness_path(), tz=desk.tz)


@pytest.fixture
def closed(desk: Desk) -> tuple[Desk, int]:
    """A seeded outlet whose chain was verified and witnessed at event ``n``, then 4 more events."""
    demo.seed_training(desk, persons=10)
    recorded = _verify(desk, record=True)
    assert recorded.intact and recorded.recorded is not None and recorded.witness_fingerprint
    _note(desk, 4)
    return desk, recorded.recorded.seq


def _cut_back_to(desk: Desk, seq: int) -> None:
    """The attack: delete every event after ``seq`` and set the head to the last one kept."""
    _exec(desk, "DELETE FROM audit_event WHERE outlet_code = :o AND seq > :s",
          "UPDATE audit_head SET seq = :s, mac = (SELECT mac FROM audit_event WHERE outlet_code = :o AND seq = :s) "
          "WHERE outlet_code = :o", o=desk.outlet_code, s=seq)


def _store_copy_from_event(desk: Desk, seq: int) -> None:
    """The store as a copy taken when its chain ended at ``seq`` holds it (a rollback): the newer events gone,
    the head at ``seq`` with the seal it had then."""
    _cut_back_to(desk, seq)
    with desk.engine.connect() as conn:
        mac, head_key = conn.execute(text("SELECT mac, key_id FROM audit_head WHERE outlet_code = :o"),
                                     {"o": desk.outlet_code}).one()
    _exec(desk, "UPDATE audit_head SET seal = :s WHERE outlet_code = :o", o=desk.outlet_code,
          s=seal_head(desk.audit_key, desk.outlet_code, seq, mac, head_key))


def test_the_witness_file_is_beside_the_key_and_only_the_user_reads_it(closed: tuple[Desk, int]) -> None:
    desk, _seq = closed
    witness = desk.settings.audit_witness_path()
    assert witness.parent == desk.settings.audit_key_path().parent
    assert stat.S_IMODE(witness.stat().st_mode) == 0o600
    assert len(witness.read_text().splitlines()) == 1


@pytest.mark.parametrize("checkpoints_deleted", [False, True])
def test_newest_events_deleted_and_the_head_set_back_is_not_intact(closed: tuple[Desk, int],
                                                                   checkpoints_deleted: bool) -> None:
    desk, witnessed = closed
    _cut_back_to(desk, witnessed + 2)
    if checkpoints_deleted:
        _exec(desk, "DELETE FROM audit_checkpoint")
    for full in (True, False):
        report = _verify(desk, full=full)
        assert not report.intact
        assert "audit_head" in report.problem and "does not match its seal" in report.problem


def test_cut_back_before_the_witnessed_checkpoint_with_checkpoints_deleted_is_named(closed: tuple[Desk, int]) -> None:
    desk, witnessed = closed
    _store_copy_from_event(desk, witnessed - 3)  # even with a head sealed then
    _exec(desk, "DELETE FROM audit_checkpoint")
    for full in (True, False):
        report = _verify(desk, full=full)
        assert not report.intact
        assert (f"the chain ends at event {witnessed - 3}, but the witness file remembers a checkpoint at event "
                f"{witnessed}") in report.message()


def test_a_deleted_checkpoint_the_witness_remembers_is_named(closed: tuple[Desk, int]) -> None:
    desk, witnessed = closed
    _exec(desk, "DELETE FROM audit_checkpoint")
    report = _verify(desk)
    assert not report.intact
    assert f"the checkpoint at event {witnessed}" in report.problem and "missing from the store" in report.problem


def test_a_store_rolled_back_and_written_again_is_a_rollback(closed: tuple[Desk, int]) -> None:
    """The store put back to before the checkpoint (checkpoints deleted), then new work: the chain is as
    long as before, but the event the witness remembers is another one."""
    desk, witnessed = closed
    _store_copy_from_event(desk, witnessed - 1)
    _exec(desk, "DELETE FROM audit_checkpoint")
    _note(desk, 6)
    report = _verify(desk)
    assert not report.intact
    assert f"event {witnessed} is not the event the witness file remembers" in report.problem


def test_an_edited_witness_line_is_named(closed: tuple[Desk, int]) -> None:
    desk, witnessed = closed
    witness = desk.settings.audit_witness_path()
    witness.write_text(witness.read_text().replace(f",{witnessed},", f",{witnessed + 1},"))
    report = _verify(desk)
    assert not report.intact and "line 1 of the witness file" in report.problem


def test_every_event_head_and_checkpoint_deleted_is_broken_not_empty(desk: Desk) -> None:
    demo.seed_training(desk, persons=10)
    _exec(desk, "DELETE FROM audit_checkpoint", "DELETE FROM audit_head", "DELETE FROM audit_event")
    report = _verify(desk)
    assert not report.intact
    assert "the chain has no event, yet the store holds" in report.message()
    assert "intact" not in report.message()
    with pytest.raises(AuditChainMissing):  # and no new chain is started over the deleted one
        _note(desk)
    assert "the chain has no event" in _verify(desk).message()


def test_an_edited_key_id_does_not_lock_the_right_key_out(closed: tuple[Desk, int]) -> None:
    """The key id in a sealed head changed (or emptied): the right key still opens the desk, the verification
    names the edit, and no event is sealed onto the edited head."""
    desk, _seq = closed
    for edited in ("0123456789abcdef", ""):
        _exec(desk, "UPDATE audit_head SET key_id = :k", k=edited)
        check_key_matches(desk.audit_key, None, desk.outlet_code, sealed_events(desk.engine, desk.outlet_code))
        report = _verify(desk)
        assert not report.intact
        assert f'names the key id "{edited}"' in report.problem and key_id(desk.audit_key) in report.problem
        with pytest.raises(AuditHeadEdited):
            _note(desk)
    _exec(desk, "UPDATE audit_head SET key_id = :k", k=key_id(desk.audit_key))
    assert _verify(desk).intact


@pytest.mark.parametrize("cut", [0, 3])
def test_a_head_whose_seal_was_removed_is_broken_before_any_witness_line(desk: Desk, cut: int) -> None:
    """The window that stayed open until the first witness line: newest events deleted (or none), the head set
    back and its seal removed, on an outlet that has no checkpoint yet. The verification names the head, and
    no event is sealed onto it (the next one would have sealed the shortened chain)."""
    demo.seed_training(desk, persons=5)
    assert not desk.settings.audit_witness_path().exists()
    with desk.engine.connect() as conn:
        last = conn.execute(text("SELECT seq FROM audit_head")).scalar_one()
    _cut_back_to(desk, last - cut)
    _exec(desk, "UPDATE audit_head SET seal = ''")
    for full in (True, False):
        report = _verify(desk, full=full)
        assert not report.intact
        assert f"audit_head: last event {last - cut:,}) has no seal" in report.problem
    with pytest.raises(AuditHeadUnsealed):
        _note(desk)
    with desk.engine.connect() as conn:
        assert conn.execute(text("SELECT seq, seal FROM audit_head")).one() == (last - cut, "")
    assert not _verify(desk, record=True).intact and not desk.settings.audit_witness_path().exists()


def test_a_new_outlets_head_is_sealed_by_the_event_that_makes_it(desk: Desk) -> None:
    with desk.engine.connect() as conn:
        seq, seal = conn.execute(text("SELECT seq, seal FROM audit_head")).one()
    assert seq >= 1 and seal != ""  # the outlet's registration made it, sealed


def test_a_store_from_before_head_seals_has_its_heads_sealed_by_its_upgrade(desk: Desk) -> None:
    """A store at a revision before 0008 has heads without seals, legitimately: the upgrade that brings the
    seal seals them (with the outlet's key, matched with the store first), so that afterwards an unsealed head
    is always an edit."""
    from alembic import command

    from outlet_desk.db.migrate import alembic_config
    from outlet_desk.services.bootstrap import open_desk

    demo.seed_training(desk, persons=5)
    events = _verify(desk).events_checked
    with desk.engine.begin() as conn:  # a store of 0007 held no stock rows (the tables stayed empty until 0018)
        conn.execute(text("DELETE FROM stock_item"))
        conn.execute(text("DELETE FROM stock_batch"))
    command.downgrade(alembic_config(desk.engine), "0007")
    desk.engine.dispose()
    upgraded = open_desk(desk.settings)
    try:
        with upgraded.engine.connect() as conn:
            assert conn.execute(text("SELECT seal FROM audit_head")).scalar_one() != ""
        report = _verify(upgraded)
        assert report.intact and report.events_checked == events
    finally:
        upgraded.engine.dispose()


def test_the_witness_file_is_where_outlet_toml_says(make_settings, clock) -> None:  # type: ignore[no-untyped-def]
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(make_settings('\n[audit]\nwitness_file = "elsewhere/outlet.witness"\n'))
    desk.clock = clock
    try:
        report = _verify(desk, record=True)
        witness = desk.settings.base_dir / "elsewhere" / "outlet.witness"
        assert report.witness_fingerprint and witness.exists()
        assert stat.S_IMODE(witness.stat().st_mode) == 0o600
    finally:
        desk.engine.dispose()
