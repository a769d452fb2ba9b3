"""The full verification in ranges, on both databases (a short chain, with the threshold lowered): an intact
chain is confirmed by ranges checked in processes of their own and joined, with the same report as in order;
a chain broken anywhere (inside a range or at a join) is not confirmed by the ranges, and the verification
in order names the break as before."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from outlet_desk.db.engine import read_snapshot
from outlet_desk.services.audit import ChainReport, check_chain
from outlet_desk.services.audit import ranges as ranges_module
from outlet_desk.services.audit.store import read_head
from outlet_desk.services.context import Desk
from tests.services.builders import audit_notes


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
