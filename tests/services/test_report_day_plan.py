"""The daily report's read of the day's audit events on SQLite, as an outlet's store is (never analysed): it
reads the day's range of the (outlet, action, at) index, not every event the outlet ever had, so the report's
cost does not grow with the outlet's age (issue 17 item 8; measured by benchmarks/audit_verify.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import upgrade
from outlet_desk.services import report_queries as q
from outlet_desk.services.report import DAY_ACTIONS


def test_the_days_audit_events_are_read_by_their_day_not_by_the_whole_chain(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    statement = q.audit_day_statement(DAY_ACTIONS).params(  # type: ignore[attr-defined]
        q.params("BJ0001", datetime(2026, 12, 4, 16, tzinfo=UTC), datetime(2026, 12, 5, 16, tzinfo=UTC)))
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " / ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    engine.dispose()
    assert "ix_audit_outlet_action_at (outlet_code=? AND action=? AND at>? AND at<?)" in plan, plan
