"""Verification checkpoints, on both databases: a verification that succeeded records where it ended
(sealed with the outlet's key), the quick verification starts there, and every way of abusing that to
hide tampering is a finding. The one thing only the full verification sees (an old event edited in
place) is shown here too, with the day close finding it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.db.tables import AuditCheckpoint, AuditHead
from outlet_desk.i18n import set_language
from outlet_desk.services.audit import ChainReport, check_chain
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_close import DayCloseRefused, close_day
from outlet_desk.services.report import daily_report
from outlet_desk.services.report_export import summary_lines, to_json
from tests.services.builders import audit_notes, login


def _full(desk: Desk, record: bool = True) -> ChainReport:
    return check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=True, record=record, at=desk.now())


def _quick(desk: Desk, record: bool = False) -> ChainReport:
    return check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=False, record=record, at=desk.now())


def _notes(desk: Desk, n: int) -> None:
    audit_notes(desk, ({"n": i, "text": '王"五\n'} for i in range(n)))


def _exec(desk: Desk, sql: str, **params: object) -> None:
    with desk.engine.begin() as conn:
        conn.execute(text(sql), params)


def _head(desk: Desk) -> AuditHead:
    with Session(desk.engine) as s:
        return s.exec(select(AuditHead).where(AuditHead.outlet_code == desk.outlet_code)).one()


def _checkpoints(desk: Desk) -> list[AuditCheckpoint]:
    with Session(desk.engine) as s:
        return list(s.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id))).all())


@pytest.fixture
def noted(seeded: Desk) -> Desk:
    """The training desk and three more audit events."""
    _notes(seeded, 3)
    return seeded


@pytest.fixture
def supervisor(noted: Desk) -> Actor:
    return login(noted, "super1")


@pytest.fixture
def anchored(noted: Desk) -> tuple[Desk, int]:
    """A full verification recorded its checkpoint, then 4 more events were written; returns the
    checkpoint's seq."""
    report = _full(noted)
    assert report.intact and report.recorded is not None
    _notes(noted, 4)
    return noted, report.recorded.seq


def test_a_full_verification_records_a_sealed_checkpoint_at_the_head(noted: Desk) -> None:
    head = _head(noted)
    report = _full(noted)
    assert report.intact and report.full and report.events_checked == head.seq
    [cp] = _checkpoints(noted)
    assert (cp.seq, cp.mac, cp.how, cp.operator_id) == (head.seq, head.mac, "full", None)
    assert len(cp.seal) == 64 and cp.verified_at == noted.now()
    assert report.message() == f"Audit chain of outlet TST001 is intact: {head.seq} events verified."


def test_without_a_checkpoint_the_quick_verification_is_the_full_one(noted: Desk) -> None:
    report = _quick(noted)
    assert report.intact and report.full and report.events_checked == _head(noted).seq


def test_the_quick_verification_recomputes_only_the_new_events_and_says_so(anchored: tuple[Desk, int]) -> None:
    desk, anchor = anchored
    report = _quick(desk, record=True)
    assert report.intact and not report.full
    assert (report.events_checked, report.last_seq) == (4, anchor + 4)
    assert report.message(desk.tz) == (
        f"Audit chain of outlet TST001 is intact: 4 new events verified since the full verification of "
        f"2026-11-25 10:00 ({anchor} events before it: count and last seal unchanged).")
    # Recorded on top of the full one, and the next quick verification says what it stands on.
    assert [(c.seq, c.how) for c in _checkpoints(desk)] == [(anchor, "full"), (anchor + 4, f"since {anchor}")]
    _notes(desk, 1)
    again = _quick(desk)
    assert again.intact and again.events_checked == 1
    assert "since the quick verification of 2026-11-25 10:00" in again.message(desk.tz)
    assert "last full verification: 2026-11-25 10:00" in again.message(desk.tz)


def test_an_event_edited_after_the_checkpoint_is_named(anchored: tuple[Desk, int]) -> None:
    desk, anchor = anchored
    _exec(desk, "UPDATE audit_event SET after = :a WHERE seq = :s", a='{"n":99}', s=anchor + 2)
    report = _quick(desk)
    assert (report.intact, report.broken_seq) == (False, anchor + 2)
    assert "edited" in report.message()


def test_a_deleted_old_event_is_caught_by_the_count(anchored: tuple[Desk, int]) -> None:
    desk, anchor = anchored
    _exec(desk, "DELETE FROM audit_event WHERE seq = 3")
    report = _quick(desk)
    assert not report.intact and report.broken_checkpoint is not None
    assert report.broken_checkpoint.seq == anchor
    assert f"{anchor - 1} events are numbered up to {anchor}" in report.message()
    assert "old events deleted or inserted" in report.message()


def test_an_event_inserted_before_the_checkpoint_is_caught_by_the_count(anchored: tuple[Desk, int]) -> None:
    desk, _anchor = anchored
    _exec(desk, "INSERT INTO audit_event (outlet_code, seq, at, action, entity, entity_id, before, after, "
                "prev_mac, mac) SELECT outlet_code, 0, at, 'forged', 'outlet', '', '', '', '', mac "
                "FROM audit_event WHERE seq = 1")
    report = _quick(desk)
    assert not report.intact and "old events deleted or inserted" in report.message()


def test_a_checkpoint_moved_past_an_edit_is_a_finding(anchored: tuple[Desk, int]) -> None:
    # Someone edits a new event and moves the checkpoint to the head, so the quick verification would
    # skip the edit: without the key they cannot reseal the checkpoint, and the report names it.
    desk, anchor = anchored
    head = _head(desk)
    _exec(desk, "UPDATE audit_event SET after = :a WHERE seq = :s", a='{"n":99}', s=anchor + 1)
    _exec(desk, "UPDATE audit_checkpoint SET seq = :s, mac = :m", s=head.seq, m=head.mac)
    report = _quick(desk)
    assert not report.intact
    assert report.message().startswith(f"Audit chain of outlet TST001 is BROKEN at checkpoint 1 (event {head.seq}")
    assert "the checkpoint does not match its seal (it was edited or forged)" in report.message()
    assert not _full(desk).intact  # the full verification finds the edited event itself


def test_a_forged_checkpoint_is_a_finding_of_the_full_verification_too(noted: Desk) -> None:
    head = _head(noted)
    _exec(noted, "INSERT INTO audit_checkpoint (outlet_code, seq, mac, verified_at, how, seal) "
                  "VALUES (:o, :s, :m, :at, 'full', :seal)",
          o=noted.outlet_code, s=head.seq, m=head.mac, at=noted.now().replace(tzinfo=None), seal="0" * 64)
    report = _full(noted)
    assert not report.intact and report.broken_checkpoint is not None
    assert "edited or forged" in report.message()
    assert len(_checkpoints(noted)) == 1  # nothing recorded on a broken chain


def test_an_anchor_event_whose_mac_changed_is_caught(anchored: tuple[Desk, int]) -> None:
    desk, anchor = anchored
    _exec(desk, "UPDATE audit_event SET mac = :m WHERE seq = :s", m="0" * 64, s=anchor)
    report = _quick(desk)
    assert not report.intact and report.broken_checkpoint is not None
    assert f"event {anchor} no longer carries the seal it had when verified" in report.message()


def test_the_newest_events_deleted_back_past_the_checkpoint_are_caught(anchored: tuple[Desk, int]) -> None:
    desk, anchor = anchored
    _exec(desk, "DELETE FROM audit_event WHERE seq >= :s", s=anchor)
    _exec(desk, "UPDATE audit_head SET seq = :s, mac = (SELECT mac FROM audit_event WHERE seq = :s)", s=anchor - 1)
    report = _quick(desk)
    assert not report.intact and f"event {anchor}, the last one verified then, is missing" in report.message()


def test_an_old_event_edited_in_place_is_found_only_by_the_full_verification_and_the_day_close(
    anchored: tuple[Desk, int], supervisor: Actor,
) -> None:
    """The documented limit of the quick verification: event 2 (before the checkpoint) edited in place
    keeps its seq and its mac, so the count and the anchor are unchanged and the quick verification says
    intact. The full verification recomputes event 2's seal and names it; the day close runs the full one
    and will not close without a reason."""
    desk, _anchor = anchored
    _exec(desk, "UPDATE audit_event SET entity_id = entity_id || 'x' WHERE seq = 2")
    assert _quick(desk).intact
    full = _full(desk)
    assert (full.intact, full.broken_seq) == (False, 2) and "edited" in full.message()
    with pytest.raises(DayCloseRefused) as refused:
        close_day(desk, supervisor)
    chain = [b.message for b in refused.value.blockers if b.kind == "audit_chain"]
    assert chain and "BROKEN at event 2" in chain[0]


def test_the_day_close_verifies_in_full_and_the_next_report_stands_on_it(noted: Desk, supervisor: Actor) -> None:
    head_before = _head(noted).seq
    result = close_day(noted, supervisor, reason="test outlet: cards waiting")
    assert result.report.chain is not None and result.report.chain.full and result.report.chain.intact
    assert result.report.chain.checkpoint_seq == head_before
    [cp] = _checkpoints(noted)
    assert (cp.seq, cp.how, cp.operator_id) == (head_before, "full", supervisor.operator_id)
    # The report (of today, after the close) verifies only what came after the close's checkpoint: the
    # close's own event. Its chain line says so, and the JSON says how it was verified.
    report = daily_report(noted, actor=supervisor)
    assert report.chain is not None and report.chain.intact and not report.chain.full
    assert (report.chain.events_checked, report.chain.since_seq) == (1, head_before)
    line = (f"Audit chain of outlet TST001 is intact: 1 new events verified since the full verification of "
            f"2026-11-25 10:00 ({head_before} events before it: count and last seal unchanged).")
    assert line in summary_lines(report)
    chain = to_json(report)["audit_chain"]
    assert (chain["full"], chain["since_seq"], chain["events_checked"]) == (False, head_before, 1)
    assert len(_checkpoints(noted)) == 1  # a report only reads


def test_an_edit_after_the_close_breaks_the_next_report(noted: Desk, supervisor: Actor) -> None:
    close_day(noted, supervisor, reason="test outlet: cards waiting")
    _exec(noted, "UPDATE audit_event SET after = '{}' WHERE action = 'day_closed'")
    report = daily_report(noted)
    assert report.chain is not None and not report.chain.intact and "edited" in report.chain.message


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    set_language("en")
    path = tmp_path / "outlet.toml"
    path.write_text('[outlet]\ncode = "CLI001"\nname = "CLI outlet"\ndivision_code = "110105"\nlanguage = "en"\n'
                    "training = true\n")
    return path


def test_audit_verify_is_full_by_default_and_quick_on_request(cli_config: Path) -> None:
    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["--config", str(cli_config), *args],
                                  env={"OUTLET_DESK_USER": "audit1", "OUTLET_DESK_PASSWORD": "training-audit1"})

    assert run("demo").exit_code == 0
    full = run("audit", "verify")
    assert full.exit_code == 0, full.output
    assert "events verified." in full.output and "Checkpoint recorded at event" in full.output
    anchored = int(full.output.rsplit("Checkpoint recorded at event ", 1)[1].split(".")[0])
    quick = run("audit", "verify", "--since-checkpoint")
    assert quick.exit_code == 0, quick.output
    assert "new events verified since the full verification of" in quick.output
    # The only new event is the auditor's own sign-in (a reading command signs in), and it is anchored.
    assert f"Checkpoint recorded at event {anchored + 1}." in quick.output
    import sqlite3

    db = sqlite3.connect(cli_config.parent / "data" / "outlet.db")
    db.execute("UPDATE audit_event SET entity_id = entity_id || 'x' WHERE seq = 1")
    db.commit()
    db.close()
    assert run("audit", "verify", "--since-checkpoint").exit_code == 0  # in place, before the checkpoint
    broken = run("audit", "verify")
    assert broken.exit_code == 1 and "BROKEN at event 1" in broken.output
