"""The full verification in ranges, on both databases (a short chain, with the threshold lowered): an intact
chain is confirmed by ranges checked in processes of their own and joined, with the same report as in order;
a chain broken anywhere (inside a range or at a join) is not confirmed by the ranges, and the verification
in order names the break as before."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from outlet_desk.db.engine import read_snapshot
from outlet_desk.services.audit import ChainReport, check_chain
from outlet_desk.services.audit import ranges as ranges_module
from outlet_desk.services.audit.store import read_head
from outlet_desk.services.context import Desk
from outlet_desk.services.uow import UnitOfWork
from tests.services.builders import audit_notes, login


@pytest.fixture
def long_enough(seeded: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """The training desk with 30 more events, verified in ranges from 10 events on, over two cores."""
    audit_notes(seeded, ({"n": i} for i in range(30)))
    monkeypatch.setattr(ranges_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(ranges_module, "_workers", lambda: 3)
    return seeded


def _in_ranges(desk: Desk) -> ChainReport | None:
    with read_snapshot(desk.engine) as conn:
        return ranges_module.verify_in_ranges(conn, desk.audit_key, desk.outlet_code,
                                              read_head(conn, desk.outlet_code))


def _full(desk: Desk) -> ChainReport:
    return check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=True)


def _in_order(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> ChainReport:
    monkeypatch.setattr(ranges_module, "PARALLEL_FROM", 10**9)
    return _full(desk)


def test_an_intact_chain_is_confirmed_in_ranges_with_the_report_of_the_verification_in_order(
        long_enough: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    in_ranges = _in_ranges(long_enough)
    assert in_ranges is not None and in_ranges.intact  # the ranges themselves confirmed it
    report = _full(long_enough)
    assert report == _in_order(long_enough, monkeypatch)
    assert report.intact and report.events_checked == report.last_seq == in_ranges.last_seq


@pytest.mark.parametrize("where", ["inside the second range", "the first event of the last range"])
def test_a_broken_chain_is_named_as_the_verification_in_order_names_it(
        long_enough: Desk, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    head = _in_order(long_enough, monkeypatch).last_seq
    monkeypatch.setattr(ranges_module, "PARALLEL_FROM", 10)
    seq = head // 3 + 2 if where == "inside the second range" else 2 * head // 3 + 1
    with long_enough.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET after = :a WHERE seq = :s"), {"a": '{"n":99}', "s": seq})
    assert _in_ranges(long_enough) is None  # not confirmed: left to the verification in order
    report = _in_order(long_enough, monkeypatch)
    assert not report.intact and report.broken_seq == seq
    assert "does not match its seal" in report.message()


def test_an_event_deleted_at_a_join_is_not_confirmed(long_enough: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    with read_snapshot(long_enough.engine) as conn:
        head = read_head(conn, long_enough.outlet_code)
    assert head is not None
    head_seq = head.seq
    with long_enough.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": head_seq // 3 + 1})
    assert _in_ranges(long_enough) is None
    report = _in_order(long_enough, monkeypatch)
    assert not report.intact and report.broken_seq == head_seq // 3 + 1 and "missing" in report.message()


def _bounds(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Where the three ranges start and end (the fixture's three cores): [0, end of the first, ..., head]."""
    head = _in_order(desk, monkeypatch).last_seq
    monkeypatch.setattr(ranges_module, "PARALLEL_FROM", 10)
    return [head * i // 3 for i in range(4)]


@pytest.mark.parametrize("where", ["the first event of the chain", "the last event of the first range",
                                   "the first event of the second range", "the last event of the second range",
                                   "the last event of the chain"])
def test_an_event_edited_at_a_range_boundary_is_named(long_enough: Desk, monkeypatch: pytest.MonkeyPatch,
                                                      where: str) -> None:
    bounds = _bounds(long_enough, monkeypatch)
    seq = {"the first event of the chain": 1, "the last event of the first range": bounds[1],
           "the first event of the second range": bounds[1] + 1, "the last event of the second range": bounds[2],
           "the last event of the chain": bounds[3]}[where]
    with long_enough.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET entity_id = entity_id || 'x' WHERE seq = :s"), {"s": seq})
    assert _in_ranges(long_enough) is None
    report = _in_order(long_enough, monkeypatch)
    assert not report.intact and report.broken_seq == seq
    assert "does not match its seal" in report.message()


@pytest.mark.parametrize("which", ["the last event of the first range", "the first event of the last range"])
def test_an_event_deleted_at_a_range_boundary_is_named(long_enough: Desk, monkeypatch: pytest.MonkeyPatch,
                                                       which: str) -> None:
    bounds = _bounds(long_enough, monkeypatch)
    seq = bounds[1] if which == "the last event of the first range" else bounds[2] + 1
    with long_enough.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": seq})
    assert _in_ranges(long_enough) is None
    report = _in_order(long_enough, monkeypatch)
    assert not report.intact and report.broken_seq == seq and "missing" in report.message()


def test_texts_of_every_kind_are_confirmed_in_ranges_as_in_order(seeded: Desk,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The ranges put each event's canonical bytes together from the database's own quoting: texts with quotes,
    backslashes, control characters, Chinese, emoji and line separators must come out as the encoder's bytes
    (a chain they could not confirm would be verified in order every time: correct, but twice as slow)."""
    odd = ['"quoted" \\ back\\slash', "tab\there\nnew line\r\x00\x01\x1f\x7f", "王小明 身份证 110105",
           "emoji 🙂 and \u2028 \u2029 separators", "\b\f", "", "}{][,:"]
    audit_notes(seeded, ({"text": t, "n": i} for i, t in enumerate(odd * 4)))
    monkeypatch.setattr(ranges_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(ranges_module, "_workers", lambda: 2)
    in_ranges = _in_ranges(seeded)
    assert in_ranges is not None and in_ranges.intact
    assert _full(seeded) == _in_order(seeded, monkeypatch)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # only SQLite stores another type in an integer column
def test_a_number_of_another_type_is_not_confirmed(long_enough: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite keeps any type in any column: an operator id 1.25 where 1 was sealed would print as 1 with %d; the
    ranges must not take it for the sealed value."""
    with UnitOfWork(long_enough, login(long_enough, "clerk1")) as uow:  # an event with an operator id
        uow.audit("note", "outlet", long_enough.outlet_code, after={"n": "by clerk1"})
        uow.commit()
    _bounds(long_enough, monkeypatch)
    path = long_enough.engine.url.database
    assert path
    with sqlite3.connect(path) as db:  # no foreign keys here: 1.25 names no operator
        seq = db.execute("SELECT max(seq) FROM audit_event WHERE operator_id IS NOT NULL").fetchone()[0]
        assert seq is not None
        db.execute("UPDATE audit_event SET operator_id = operator_id + 0.25 WHERE seq = ?", (seq,))
    db.close()
    assert _in_ranges(long_enough) is None
    report = _in_order(long_enough, monkeypatch)
    assert not report.intact and report.broken_seq == seq
