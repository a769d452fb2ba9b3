"""Database fixtures: every service test runs on SQLite and on a throwaway PostgreSQL cluster.

The PostgreSQL cluster is started by this test run (``initdb`` + ``pg_ctl`` on a free port, as the
``postgres`` system user when we are root, since the server refuses to run as root), one per session,
and stopped by the PID we hold. A migrated template database is made once; each test gets a fresh copy
(``CREATE DATABASE ... TEMPLATE``). Locally, a machine without PostgreSQL skips the PostgreSQL half with
a reason; under ``CI=true`` that is a failure, so a green CI proves both databases ran.
"""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import upgrade
from outlet_desk.db.sealing import FieldCipher, bind_cipher
from tests.pgcluster import PgCluster, pg_bindir, start_cluster

IN_CI = bool(os.environ.get("CI"))
TEMPLATE = "outlet_template"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if pg_bindir() is None:
        if IN_CI:
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql); CI must run both databases")
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql; SQLite tests still run")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root but there is no 'postgres' user to run the server as")
    cluster = start_cluster(for_tests=True)
    try:
        url = cluster.create_database(TEMPLATE)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "outlet.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.fresh_database(TEMPLATE)


TEST_DATA_KEY = bytes(range(32))
"""The data key of the bare ``engine`` fixture (a desk opened by ``open_desk`` makes its own key file)."""


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    bind_cipher(eng, FieldCipher(TEST_DATA_KEY))
    yield eng
    eng.dispose()
