"""The store itself: migrations, SQLite pragmas, optimistic locking, on both databases."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import HEAD_REVISION, alembic_config, current_revision, head_revision, upgrade
from outlet_desk.db.tables import Approval, Card, Operator, Outlet, Person
from tests.pgcluster import PgCluster


def test_fresh_database_is_at_head_and_upgrade_is_idempotent(engine: Engine) -> None:
    # HEAD_REVISION (what every start compares with, without loading Alembic) is the newest migration file.
    assert current_revision(engine) == head_revision(engine) == HEAD_REVISION
    assert upgrade(engine) is False


def test_search_indexes_exist(engine: Engine) -> None:
    insp = inspect(engine)
    person_ix = {ix["name"]: ix for ix in insp.get_indexes("person")}
    person_cols = {tuple(ix["column_names"]) for ix in person_ix.values()}
    person_unique = {tuple(u["column_names"]) for u in insp.get_unique_constraints("person")}
    card_unique = {tuple(u["column_names"]) for u in insp.get_unique_constraints("card")}
    card_ix = {tuple(ix["column_names"]) for ix in insp.get_indexes("card")}
    # name prefix search: (name, id) on SQLite, (name COLLATE "C", id) on PostgreSQL
    assert "ix_person_name_prefix" in person_ix
    assert person_ix["ix_person_name_prefix"]["column_names"][-1] == "id"
    assert ("citizen_index",) in person_unique | person_cols  # the blind index of the sealed citizen number
    assert ("card_number",) in card_unique | card_ix
    assert ("identification_code",) in card_unique | card_ix


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: object) -> None:
    eng = make_engine(f"sqlite:///{tmp_path}/x.db", busy_timeout_ms=1234)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    eng.dispose()


def _seed_card(engine: Engine) -> int:
    now = datetime.now(UTC)
    with Session(engine) as s:
        s.add(Outlet(code="TRN001", name="Training", division_code="110105"))
        p = Person(citizen_number="11010519491231002X", name="张三", gender="female",
                   birth_date=date(1949, 12, 31), created_at=now)
        s.add(p)
        s.flush()
        assert p.id is not None
        c = Card(card_number="A12345678", person_id=p.id, outlet_code="TRN001", status="active",
                 status_changed_at=now)
        s.add(c)
        s.commit()
        assert c.id is not None
        return c.id


def test_row_version_stops_a_second_writer(engine: Engine) -> None:
    card_id = _seed_card(engine)
    with Session(engine) as first, Session(engine) as second:
        a = first.get(Card, card_id)
        b = second.get(Card, card_id)
        assert a is not None and b is not None and a.version == b.version == 1
        a.status = "suspended"
        first.commit()
        b.status = "lost"
        # PostgreSQL: the UPDATE ... WHERE version = 1 matches nothing. SQLite: the stale read snapshot
        # cannot be upgraded to a write. Either way the second write is refused; services map both
        # to "the record changed" (see tests/services).
        with pytest.raises((StaleDataError, OperationalError)):
            second.commit()
    with Session(engine) as s:
        card = s.get(Card, card_id)
        assert card is not None
        assert (card.status, card.version) == ("suspended", 2)


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    now = datetime.now(UTC)
    with Session(engine) as s:
        s.add(Card(card_number="B00000001", person_id=999, outlet_code="NOPE", status="active",
                   status_changed_at=now))
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            s.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM card")).scalar() == 0


def test_the_migrations_build_the_schema_the_models_describe(engine: Engine) -> None:
    """A column added to a model without a migration (or the other way round) would fail at a counter
    on the first write; Alembic's comparison of the migrated database with the models finds none."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import outlet_desk.db.tables  # noqa: F401  (the models register on SQLModel.metadata)

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # Indexes the migrations add for the report and the search (not declared on the models) are expected.
    unexpected = [d for d in diffs if not (isinstance(d, tuple) and d[0] == "remove_index")]
    assert unexpected == []


# -- upgrading a database made by an older version ----------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no schema at all), once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"old_{os.getpid()}_{uuid.uuid4().hex[:8]}")


def test_a_database_of_an_older_version_keeps_its_rows_when_upgraded(empty_url: str) -> None:
    """A store built at revision 0004 (before approvals had ``detail`` and ``decision_reason``), with an
    outlet, operators and approvals in it, upgraded to the head as every start does."""
    from alembic import command

    engine = make_engine(empty_url)
    command.upgrade(alembic_config(engine), "0004")
    assert current_revision(engine) == "0004"
    asked = datetime(2026, 11, 24, 2, 30)  # naive UTC, as the store keeps it
    with engine.begin() as conn:
        old = MetaData()
        old.reflect(conn, only=["outlet", "operator", "approval"])
        assert "detail" not in old.tables["approval"].c and "decision_reason" not in old.tables["approval"].c
        conn.execute(old.tables["outlet"].insert(),
                     [{"code": "OLD01", "name": "Old outlet", "division_code": "110105"}])
        conn.execute(old.tables["operator"].insert(), [
            {"id": 1, "outlet_code": "OLD01", "username": "clerk1", "display_name": "Clerk", "role": "clerk",
             "password_hash": "x", "failed_logins": 0, "active": True, "created_at": asked},
            {"id": 2, "outlet_code": "OLD01", "username": "super1", "display_name": "Supervisor",
             "role": "supervisor", "password_hash": "x", "failed_logins": 0, "active": True, "created_at": asked},
        ])
        conn.execute(old.tables["approval"].insert(), [  # one row a statement: the rows have other columns
            {"id": 1, "outlet_code": "OLD01", "action": "waive_fee", "entity": "card:lost", "entity_id": 7,
             "maker_id": 1, "status": "pending", "reason": "holder is 90", "created_at": asked}])
        conn.execute(old.tables["approval"].insert(), [
            {"id": 2, "outlet_code": "OLD01", "action": "withdraw_loss", "entity": "card", "entity_id": 8,
             "maker_id": 1, "checker_id": 2, "status": "approved", "reason": "found at home",
             "created_at": asked, "decided_at": asked},
        ])
    engine.dispose()

    engine = make_engine(empty_url)
    assert upgrade(engine) is True
    assert current_revision(engine) == HEAD_REVISION
    columns = {c["name"] for c in inspect(engine).get_columns("approval")}
    assert {"detail", "decision_reason"} <= columns
    with Session(engine) as s:
        rows = s.exec(select(Approval).order_by(col(Approval.id))).all()
        operators = s.exec(select(Operator).order_by(col(Operator.id))).all()
    assert [(a.action, a.entity, a.entity_id, a.detail, a.status, a.reason, a.decision_reason, a.checker_id)
            for a in rows] == [
        ("waive_fee", "card", 7, "lost", "pending", "holder is 90", "", None),  # the reason moved to detail
        ("withdraw_loss", "card", 8, "", "approved", "found at home", "", 2),
    ]
    assert [a.created_at for a in rows] == [asked.replace(tzinfo=UTC)] * 2
    assert [(o.username, o.role) for o in operators] == [("clerk1", "clerk"), ("super1", "supervisor")]
    assert upgrade(engine) is False
    engine.dispose()


def test_upgrading_binds_every_operator_to_the_outlet_they_were_created_at(empty_url: str) -> None:
    """Migration 0010: a store of two outlets from before bindings; each operator is bound to the outlet of
    their row, so each desk lets in the same people as before the upgrade, and no one else."""
    from alembic import command

    from outlet_desk.db.tables import OperatorOutlet

    engine = make_engine(empty_url)
    command.upgrade(alembic_config(engine), "0007")
    created = datetime(2026, 11, 24, 2, 30)
    with engine.begin() as conn:
        old = MetaData()
        old.reflect(conn, only=["outlet", "operator"])
        conn.execute(old.tables["outlet"].insert(), [
            {"code": "OLD01", "name": "Old outlet", "division_code": "110105"},
            {"code": "OLD02", "name": "Other outlet", "division_code": "110106"}])
        conn.execute(old.tables["operator"].insert(), [
            {"id": n, "outlet_code": outlet, "username": name, "display_name": name, "role": role,
             "password_hash": "x", "failed_logins": 0, "active": True, "created_at": created}
            for n, (outlet, name, role) in enumerate(
                [("OLD01", "admin", "admin"), ("OLD01", "clerk1", "clerk"), ("OLD02", "super2", "supervisor")],
                start=1)])
    engine.dispose()

    engine = make_engine(empty_url)
    assert upgrade(engine) is True
    with Session(engine) as s:
        bound = [(b.operator_id, b.outlet_code) for b in
                 s.exec(select(OperatorOutlet).order_by(col(OperatorOutlet.operator_id))).all()]
    assert bound == [(1, "OLD01"), (2, "OLD01"), (3, "OLD02")]


def test_an_operator_of_no_known_outlet_is_bound_to_the_only_outlet(tmp_path: Path) -> None:
    """A SQLite store whose operator row names an outlet it does not hold (written with foreign keys off):
    migration 0010 binds that operator to the store's only outlet, so they can still sign in there."""
    import sqlite3

    from alembic import command

    from outlet_desk.db.tables import OperatorOutlet

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0007")
    engine.dispose()
    db = sqlite3.connect(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("INSERT INTO outlet (code, name, division_code) VALUES ('ONLY01', 'Only outlet', '110105')")
    db.execute("INSERT INTO operator (id, outlet_code, username, display_name, role, password_hash, failed_logins, "
               "active, created_at) VALUES (1, 'GONE01', 'admin', 'Admin', 'admin', 'x', 0, 1, '2026-11-24 02:30:00')")
    db.commit()
    db.close()
    engine = make_engine(url)
    assert upgrade(engine) is True
    with Session(engine) as s:
        assert [(b.operator_id, b.outlet_code) for b in s.exec(select(OperatorOutlet)).all()] == [(1, "ONLY01")]
    engine.dispose()
