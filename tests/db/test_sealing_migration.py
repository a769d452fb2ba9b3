"""Migration 0009 seals the personal data of a store made by an older version, in place, on both databases."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import HEAD_REVISION, alembic_config, current_revision, upgrade
from outlet_desk.db.sealing import FieldCipher, bind_cipher
from outlet_desk.db.tables import Collection, IdentityCheck, Person
from outlet_desk.services.queries import person_by_citizen_number
from tests.pgcluster import PgCluster

AT = datetime(2026, 11, 24, 2, 30)  # naive UTC, as the store keeps it
PERSONS = [  # citizen number, name, phone, address
    ("11010519491231002X", "张三", "13912345678", "北京市朝阳区建国路88号"),
    ("110105194912310037", "李四", "13800001111", "北京市海淀区中关村大街1号"),
    ("310104198001010012", "王五", "", ""),
]
KEY = bytes(range(100, 132))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"seal_{os.getpid()}_{uuid.uuid4().hex[:8]}")


def _store_at_0007_with_plain_rows(url: str) -> None:
    from alembic import command

    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0007")
    with engine.begin() as conn:
        old = MetaData()
        old.reflect(conn)
        t = old.tables
        conn.execute(t["outlet"].insert(), [{"code": "OLD01", "name": "Old outlet", "division_code": "110105"}])
        conn.execute(t["operator"].insert(), [
            {"id": 1, "outlet_code": "OLD01", "username": "clerk1", "display_name": "Clerk", "role": "clerk",
             "password_hash": "x", "failed_logins": 0, "active": True, "created_at": AT}])
        conn.execute(t["person"].insert(), [
            {"id": i + 1, "citizen_number": number, "name": name, "gender": "female", "birth_date": date(1949, 12, 31),
             "ethnicity": "01", "phone": phone, "address": address, "created_at": AT}
            for i, (number, name, phone, address) in enumerate(PERSONS)])
        conn.execute(t["card"].insert(), [
            {"id": 1, "card_number": "A12345678", "person_id": 1, "outlet_code": "OLD01", "status": "active",
             "status_changed_at": AT, "version": 1}])
        check = {"outlet_code": "OLD01", "person_id": 1, "flow": "collect", "presenter": "proxy",
                 "document_type": "resident_id", "document_number": PERSONS[0][0], "document_name": "张三",
                 "proxy_name": "李四", "proxy_document_type": "resident_id", "proxy_document_number": PERSONS[1][0],
                 "proxy_relationship": "child", "proxy_authorisation_ref": "", "check_digit_ok": True,
                 "name_match_ok": True, "document_valid_ok": True, "face_confirmed": True, "passed": True,
                 "operator_id": 1, "checked_at": AT}
        conn.execute(t["identity_check"].insert(), [{"id": 1, **check}])
        conn.execute(t["collection"].insert(), [
            {"id": 1, "outlet_code": "OLD01", "card_id": 1, "identity_check_id": 1, "chip_card_number": "A12345678",
             "chip_identification_code": "110105D156000005", "chip_citizen_number": PERSONS[0][0],
             "chip_name": "张三", "chip_check_passed": True, "pin_changed": False, "receipt_number": "",
             "operator_id": 1, "collected_at": AT}])
    engine.dispose()


def _sealed_engine(url: str) -> Engine:
    engine = make_engine(url)
    bind_cipher(engine, FieldCipher(KEY))
    return engine


def _personal_values() -> list[str]:
    return [v for number, _name, phone, address in PERSONS for v in (number, phone, address) if v]


def test_a_store_of_plain_rows_is_sealed_in_place_and_reads_back_the_same(old_url: str) -> None:
    _store_at_0007_with_plain_rows(old_url)

    engine = _sealed_engine(old_url)
    assert upgrade(engine) is True
    assert current_revision(engine) == HEAD_REVISION
    with Session(engine) as s:
        persons = s.exec(select(Person).order_by(col(Person.id))).all()
        check = s.get(IdentityCheck, 1)
        collection = s.get(Collection, 1)
        assert [(p.citizen_number, p.name, p.phone, p.address) for p in persons] == PERSONS
        assert check is not None and collection is not None
        assert (check.document_number, check.proxy_document_number) == (PERSONS[0][0], PERSONS[1][0])
        assert collection.chip_citizen_number == PERSONS[0][0]
        # the exact lookup goes through the blind index the migration filled
        found = person_by_citizen_number(s, PERSONS[1][0])
        assert found is not None and found.name == "李四"
        assert person_by_citizen_number(s, "110105194912310045") is None
    # what the database itself holds: no personal value in clear in any sealed column
    with engine.connect() as conn:
        stored = [bytes(v) for row in conn.execute(text(
            "SELECT citizen_number, phone, address FROM person")) for v in row]
        stored += [bytes(v) for row in conn.execute(text(
            "SELECT document_number, proxy_document_number FROM identity_check")) for v in row]
        stored += [bytes(v) for (v,) in conn.execute(text("SELECT chip_citizen_number FROM collection"))]
    for value in _personal_values():
        assert not any(value.encode() in blob for blob in stored), value
    engine.dispose()

    if make_url(old_url).get_backend_name() == "sqlite":  # the file and its WAL: no plain copy left behind
        path = Path(make_url(old_url).database or "")
        files = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        assert "张三".encode() in files  # names stay plain (searchable by prefix): the file was read
        for value in _personal_values():
            assert value.encode() not in files, f"{value} is in the database file in clear"


def test_the_migration_needs_the_data_key_for_rows_it_must_seal(old_url: str) -> None:
    _store_at_0007_with_plain_rows(old_url)
    engine = make_engine(old_url)  # no data key bound
    with pytest.raises(RuntimeError, match="needs the data key"):
        upgrade(engine)
    assert current_revision(engine) == "0007"  # nothing half-done: the migration is one transaction
    with Session(engine) as s:
        plain = s.execute(text("SELECT citizen_number FROM person ORDER BY id")).scalars().all()
    assert list(plain) == [number for number, *_rest in PERSONS]
    engine.dispose()


def test_downgrade_opens_the_sealed_values_again(old_url: str) -> None:
    from alembic import command

    _store_at_0007_with_plain_rows(old_url)
    engine = _sealed_engine(old_url)
    upgrade(engine)
    command.downgrade(alembic_config(engine), "0007")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT citizen_number, name, phone, address FROM person ORDER BY id")).all()
    assert [tuple(r) for r in rows] == PERSONS
    engine.dispose()


BORN = date(1949, 12, 31)


def test_migration_0013_seals_the_plain_birth_dates_of_a_store_at_0012_in_place(old_url: str) -> None:
    """With the region code a masked number shows, a plain birth date gave the number back (docs/data-key.md)."""
    from alembic import command

    _store_at_0007_with_plain_rows(old_url)
    engine = _sealed_engine(old_url)
    command.upgrade(alembic_config(engine), "0012")
    with engine.connect() as conn:  # before: the dates in clear
        assert [str(v)[:10] for (v,) in conn.execute(text("SELECT birth_date FROM person"))] == [BORN.isoformat()] * 3
    assert upgrade(engine) is True
    assert current_revision(engine) == HEAD_REVISION
    with Session(engine) as s:
        assert [p.birth_date for p in s.exec(select(Person).order_by(col(Person.id))).all()] == [BORN] * 3
    with engine.connect() as conn:
        stored = [bytes(v) for (v,) in conn.execute(text("SELECT birth_date FROM person"))]
    assert all(BORN.isoformat().encode() not in blob and b"19491231" not in blob for blob in stored)
    engine.dispose()
    if make_url(old_url).get_backend_name() == "sqlite":
        path = Path(make_url(old_url).database or "")
        files = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        assert BORN.isoformat().encode() not in files, "a birth date is in the database file in clear"


def test_downgrade_from_0013_opens_the_birth_dates_again(old_url: str) -> None:
    from alembic import command

    _store_at_0007_with_plain_rows(old_url)
    engine = _sealed_engine(old_url)
    upgrade(engine)
    command.downgrade(alembic_config(engine), "0012")
    with engine.connect() as conn:
        assert [str(v)[:10] for (v,) in conn.execute(text("SELECT birth_date FROM person"))] == [BORN.isoformat()] * 3
    engine.dispose()


def test_0013_needs_the_data_key_for_birth_dates_it_must_seal(old_url: str) -> None:
    from alembic import command

    _store_at_0007_with_plain_rows(old_url)
    engine = _sealed_engine(old_url)
    command.upgrade(alembic_config(engine), "0012")
    engine.dispose()
    bare = make_engine(old_url)  # no data key bound
    with pytest.raises(RuntimeError, match="needs the data key"):
        upgrade(bare)
    assert current_revision(bare) == "0012"  # one transaction: nothing half-done
    bare.dispose()


@pytest.mark.postgres
def test_after_the_upgrade_no_plain_value_is_left_in_the_postgresql_table_files(pg_cluster: PgCluster) -> None:
    """PostgreSQL keeps a rewritten row's old version in the table's file until the table is rewritten: the
    upgrade runs VACUUM FULL after a migration that seals values in place, so the files the cluster's owner
    (or a stolen disk) reads hold no plain citizen number, phone, address or birth date."""
    url = pg_cluster.create_database(f"vac_{os.getpid()}_{uuid.uuid4().hex[:8]}")
    _store_at_0007_with_plain_rows(url)
    engine = _sealed_engine(url)
    assert upgrade(engine) is True
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))  # every page written to the files
        files = {table: conn.execute(text("SELECT pg_relation_filepath(:t)"), {"t": table}).scalar_one()
                 for table in ("person", "identity_check", "collection")}
    engine.dispose()
    data = pg_cluster.workdir / "data"
    held = {table: b"".join(p.read_bytes() for p in sorted(data.glob(f"{path}*")) if p.is_file())
            for table, path in files.items()}
    assert "张三".encode() in held["person"]  # names stay plain: the file read is the table's
    for value in [*_personal_values(), BORN.isoformat()]:
        for table, content in held.items():
            assert value.encode() not in content, f"{value} is in clear in the file of {table}"
