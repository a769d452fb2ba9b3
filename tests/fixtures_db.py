"""Database fixtures: every service test runs on SQLite and on a throwaway PostgreSQL cluster.

The PostgreSQL cluster is started by this test run (``initdb`` + ``pg_ctl`` on a free port, as the
``postgres`` system user when we are root, since the server refuses to run as root), one per session,
and stopped by the PID we hold. A migrated template database is made once; each test gets a fresh copy
(``CREATE DATABASE ... TEMPLATE``). Locally, a machine without PostgreSQL skips the PostgreSQL half with
a reason; under ``CI=true`` that is a failure, so a green CI proves both databases ran.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import upgrade

IN_CI = bool(os.environ.get("CI"))


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    port: int
    base_url: str  # without database name
    _counter: itertools.count[int]

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def admin_exec(self, sql: str) -> None:
        engine = make_engine(self.url("postgres"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(sql))
        engine.dispose()

    def fresh_database(self, template: str = "outlet_template") -> str:
        name = f"t{os.getpid()}_{next(self._counter)}"
        self.admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)


def _run_as_postgres(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, **kw)  # type: ignore[call-overload]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bindir = _pg_bindir()
    if bindir is None:
        if IN_CI:
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql); CI must run both databases")
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql; SQLite tests still run")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root but there is no 'postgres' user to run the server as")
    workdir = Path(tempfile.mkdtemp(prefix="outlet-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    data = workdir / "data"
    port = _free_port()
    _run_as_postgres(
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "desk", "--no-sync",
         "-E", "UTF8", "--locale=C.UTF-8"]
    )
    opts = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _run_as_postgres(
        [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(workdir / "log"), "-w", "start"]
    )
    cluster = PgCluster(port, f"postgresql+psycopg://desk@127.0.0.1:{port}", itertools.count())
    try:
        cluster.admin_exec('CREATE DATABASE "outlet_template"')
        engine = make_engine(cluster.url("outlet_template"))
        upgrade(engine)
        engine.dispose()
        yield cluster
    finally:
        _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(workdir, ignore_errors=True)


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
    return cluster.fresh_database()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
