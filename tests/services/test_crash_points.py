"""The desk's process killed (SIGKILL) at every commit point of the four counter use cases that issue a
receipt: hotline loss, formal loss, reissue and collection. At each point the next start finds a sound
store (``PRAGMA integrity_check`` on SQLite), an intact audit chain, and every committed use case with its
receipt's text and PDF (written again from the receipt's note when the crash cut them off); a use case
killed before its commit left nothing, no receipt either.

The commit points, in order: the receipt's note written and the transaction about to commit
(``before_commit``); committed, no receipt file yet (``after_commit``); the text written, not the PDF
(``text_written``); both written, the note not yet settled (``pdf_written``). The child process runs the
use case and saves its receipt as the desk's receipt screen does; the point it stops at is chosen by this
test's own child script, which wraps the session's commit and the receipt's file writer (no switch in the
desk itself). It says where it stopped, and this process kills it there.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from outlet_desk.db.engine import is_sqlite
from outlet_desk.db.tables import AuditEvent, Card, Person, Receipt, ReissueRequest
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.services import demo
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.bootstrap import open_desk, start_desk
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.loss import report_loss_counter, report_loss_hotline
from outlet_desk.services.receipt_journal import (
    IN_FLIGHT_SECONDS,
    ReceiptNotNoted,
    note_path,
    note_receipt,
    pending_notes,
)
from outlet_desk.services.receipt_recovery import rewrite_pending_receipts
from outlet_desk.services.receipts import save_receipt
from outlet_desk.services.reissue import receive_card
from tests.services.builders import apply_for_lost_card as _apply
from tests.services.builders import chip_of, identity, login, person_with, reload

POINTS = ("before_commit", "after_commit", "text_written", "pdf_written")
FILE_POINTS = ("text_written", "pdf_written")
"""Points between the receipt's files: the same on both databases, so run on SQLite only (CI's budget)."""

CHILD = textwrap.dedent(
    """
    import pickle, sys, time
    from datetime import datetime
    from pathlib import Path

    from sqlmodel import Session

    from outlet_desk.config import load_settings
    from outlet_desk.services import collection, loss, receipts, reissue
    from outlet_desk.services.bootstrap import open_desk

    config, task, point, kwargs_file, now = sys.argv[1:6]
    desk = open_desk(load_settings(Path(config)))
    fixed = datetime.fromisoformat(now)
    desk.clock = lambda: fixed
    armed = False

    def stop_here(name):
        if armed and name == point:
            print(name, flush=True)
            time.sleep(60)

    commit = Session.commit
    def commit_at_points(self):
        stop_here("before_commit")
        commit(self)
        stop_here("after_commit")
    Session.commit = commit_at_points

    write = receipts.write_atomically
    def write_at_points(path, data):
        write(path, data)
        stop_here({".txt": "text_written", ".pdf": "pdf_written"}.get(path.suffix, ""))
    receipts.write_atomically = write_at_points

    use_case = {"hotline": loss.report_loss_hotline, "formal": loss.report_loss_counter,
                "reissue": reissue.apply_reissue, "collection": collection.complete_collection}[task]
    kwargs = pickle.loads(Path(kwargs_file).read_bytes())
    armed = True
    result = use_case(desk, **kwargs)
    receipts.save_receipt(desk, result.receipt)
    print("done", flush=True)
    """
)


def _hotline(desk: Desk) -> dict[str, Any]:
    person, _card = person_with(desk, CardStatus.ACTIVE)
    return {"actor": login(desk, "hotline1"), "citizen_number": person.citizen_number, "name": person.name,
            "fact": person.phone}


def _formal(desk: Desk) -> dict[str, Any]:
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.ACTIVE)
    return {"actor": clerk, "card_id": card.id, "expected_version": card.version,
            "identity_check_id": identity(desk, clerk, person, "report_loss_counter")}


def _lost_card(desk: Desk, clerk: Actor) -> tuple[Person, Card]:
    """A card in use, reported lost at the counter (its receipt saved): ready for a reissue."""
    person, card = person_with(desk, CardStatus.ACTIVE)
    assert card.id is not None
    lost = report_loss_counter(desk, clerk, card.id, card.version, identity(desk, clerk, person, "report_loss_counter"))
    save_receipt(desk, lost.receipt)
    return person, reload(desk, card.id)


def _reissue(desk: Desk) -> dict[str, Any]:
    clerk = login(desk, "clerk1")
    person, card = _lost_card(desk, clerk)
    return {"actor": clerk, "old_card_id": card.id, "expected_version": card.version,
            "reason": ReissueReason.LOST, "identity_check_id": identity(desk, clerk, person, "apply_reissue"),
            "payment_method": "cash", "amount_paid_fen": 2000}


def _collection(desk: Desk) -> dict[str, Any]:
    clerk = login(desk, "clerk1")
    person, old = _lost_card(desk, clerk)
    applied = _apply(desk, clerk, person, old, payment_method="cash", amount_paid_fen=2000)
    save_receipt(desk, applied.receipt)
    received = receive_card(desk, login(desk, "super1"), applied.request_id, "C12345678",
                            "110105D156000005ABCDEF0123456789")
    new = reload(desk, received.card_id)
    with Session(desk.engine) as s:
        request = s.get(ReissueRequest, applied.request_id)
        assert request is not None
        version = request.version
    return {"actor": clerk, "request_id": applied.request_id, "expected_version": version,
            "identity_check_id": identity(desk, clerk, person, "collect_card"), "chip": chip_of(new, person),
            "pin_changed": True}


TASKS: dict[str, Callable[[Desk], dict[str, Any]]] = {
    "hotline": _hotline, "formal": _formal, "reissue": _reissue, "collection": _collection,
}


def _codes(desk: Desk) -> set[str]:
    with Session(desk.engine) as s:
        return set(s.exec(select(Receipt.code)).all())


def _files_of(folder: Path, code: str) -> set[str]:
    return {p.suffix for p in folder.glob(f"*-{code}.*")}


def _kill_at(desk: Desk, task: str, point: str, kwargs_file: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(desk.settings.config_path), task, point, str(kwargs_file),
         desk.now().isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline().strip()
        if line != point:
            proc.kill()
            pytest.fail(f"the child did not stop at {point}: {line!r} {proc.stderr.read()}")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.parametrize("point", [p for p in POINTS if p not in FILE_POINTS])
@pytest.mark.parametrize("task", list(TASKS))
def test_a_desk_killed_at_a_commit_point_loses_no_committed_receipt(desk: Desk, tmp_path: Path, task: str,
                                                                    point: str) -> None:
    _killed_and_started_again(desk, tmp_path, task, point)


# The receipt's files are written the same way whatever the database: their kill points run on SQLite only.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("point", FILE_POINTS)
@pytest.mark.parametrize("task", list(TASKS))
def test_a_desk_killed_while_writing_a_receipt_file_writes_it_at_the_next_start(desk: Desk, tmp_path: Path,
                                                                                  task: str, point: str) -> None:
    _killed_and_started_again(desk, tmp_path, task, point)


def _killed_and_started_again(desk: Desk, tmp_path: Path, task: str, point: str) -> None:
    demo.seed_training(desk, persons=12)
    kwargs_file = tmp_path / "kwargs.pickle"
    kwargs_file.write_bytes(pickle.dumps(TASKS[task](desk)))
    before = _codes(desk)
    _kill_at(desk, task, point, kwargs_file)
    desk.engine.dispose()

    started = start_desk(desk.settings.config_path)  # the next start
    again = started.desk
    try:
        folder = again.settings.receipts_dir()
        new = _codes(again) - before
        with Session(again.engine) as s:
            if is_sqlite(again.engine):
                assert s.connection().execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            chain = verify_chain(s, again.audit_key, again.outlet_code)
        assert chain.intact, chain.message()
        if point == "before_commit":
            assert new == set()  # rolled back whole: no receipt row, no receipt file
            [note] = pending_notes(folder)  # its note is kept while a use case could still be in flight
            assert _files_of(folder, note.code) == set()
            assert started.receipts == ""
        else:
            [code] = new
            assert pending_notes(folder) == []
            assert code in started.receipts  # the desk says it wrote it again
        for code in _codes(again):  # every committed use case has its receipt, text and PDF
            assert _files_of(folder, code) == {".txt", ".pdf"}, code
    finally:
        again.engine.dispose()


def test_a_use_case_whose_receipt_cannot_be_written_is_rolled_back(make_settings, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "blocker").write_text("a file where the receipts folder should be")
    desk = open_desk(make_settings('\n[receipts]\nfolder = "blocker/receipts"\n'))
    desk.clock = clock
    try:
        demo.seed_training(desk, persons=12)
        kwargs = _hotline(desk)
        with Session(desk.engine) as s:
            events = len(s.exec(select(AuditEvent)).all())
        with pytest.raises(ReceiptNotNoted, match="nothing was saved"):
            report_loss_hotline(desk, **kwargs)
        person, card = person_with(desk, CardStatus.ACTIVE)
        assert person.citizen_number == kwargs["citizen_number"] and card.status == CardStatus.ACTIVE.value
        with Session(desk.engine) as s:
            assert len(s.exec(select(AuditEvent)).all()) == events and _codes(desk) == set()
            assert verify_chain(s, desk.audit_key, desk.outlet_code).intact
    finally:
        desk.engine.dispose()


def test_the_note_of_a_use_case_that_never_committed_goes_once_nothing_can_be_in_flight(desk: Desk) -> None:
    folder = desk.settings.receipts_dir()
    note_receipt(folder, "OLDER-NOTE1", {"code": "OLDER-NOTE1"})
    note_receipt(folder, "YOUNG-NOTE2", {"code": "YOUNG-NOTE2"})
    hours_ago = time.time() - IN_FLIGHT_SECONDS - 60
    os.utime(note_path(folder, "OLDER-NOTE1"), (hours_ago, hours_ago))
    recovered = rewrite_pending_receipts(desk)
    assert recovered.written == () and recovered.message() == ""
    assert [note.code for note in pending_notes(folder)] == ["YOUNG-NOTE2"]  # another desk may still commit it
    assert list(folder.glob("*.pdf")) == []
