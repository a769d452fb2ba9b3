"""The audit tally (migration 0023) on both databases: the number of events the quick verification (the daily
report's) stands on is right after events written one at a time by the desk, after a bulk load of many
events in one statement (on PostgreSQL one update per statement, not per event), and after a delete."""

from __future__ import annotations

from sqlalchemy import text

from outlet_desk.services.audit import check_chain
from outlet_desk.services.context import Desk

COLUMNS = "outlet_code, seq, at, operator_id, action, entity, entity_id, person_id, before, after, prev_mac, mac"


def _tally_and_count(desk: Desk) -> tuple[int, int]:
    with desk.engine.connect() as conn:
        tally = conn.execute(text("SELECT events FROM audit_tally WHERE outlet_code = :o"),
                             {"o": desk.outlet_code}).scalar_one()
        count = conn.execute(text("SELECT count(*) FROM audit_event WHERE outlet_code = :o"),
                             {"o": desk.outlet_code}).scalar_one()
    return int(tally), int(count)


def test_the_tally_counts_the_desks_events_a_bulk_load_and_a_delete(seeded: Desk) -> None:
    tally, count = _tally_and_count(seeded)
    assert count > 0 and tally == count

    with seeded.engine.begin() as conn:  # every event again, far after the head, in one statement
        conn.execute(text(f"INSERT INTO audit_event ({COLUMNS}) SELECT outlet_code, seq + 1000000, at, "
                          "operator_id, action, entity, entity_id, person_id, before, after, prev_mac, mac "
                          "FROM audit_event WHERE outlet_code = :o"), {"o": seeded.outlet_code})
    assert _tally_and_count(seeded) == (2 * count, 2 * count)

    with seeded.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > 1000000"))
    assert _tally_and_count(seeded) == (count, count)
    report = check_chain(seeded.engine, seeded.audit_key, seeded.outlet_code, full=True)
    assert report.intact and report.events_checked == count, report.message()
