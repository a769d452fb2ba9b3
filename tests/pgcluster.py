"""A throwaway PostgreSQL cluster started by this process (tests and benchmarks), stopped by its PID.

Recipe: ../shared/postgres-recipe.md. The server refuses to run as root, so as root we run initdb and
pg_ctl as the ``postgres`` system user, in a temporary folder it owns, on a free port.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from outlet_desk.db.engine import make_engine


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as_postgres(args: list[str]) -> None:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True)


@dataclass
class PgCluster:
    bindir: Path
    workdir: Path
    port: int
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://desk@127.0.0.1:{self.port}"

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def admin_exec(self, sql: str) -> None:
        engine = make_engine(self.url("postgres"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(sql))
        engine.dispose()

    def create_database(self, name: str, template: str | None = None) -> str:
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.admin_exec(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def fresh_database(self, template: str) -> str:
        return self.create_database(f"t{os.getpid()}_{next(self._counter)}", template)

    def stop(self) -> None:
        pg_ctl = str(self.bindir / "pg_ctl")
        _run_as_postgres([pg_ctl, "-D", str(self.workdir / "data"), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_cluster(*, for_tests: bool = True) -> PgCluster:
    """initdb + pg_ctl start on a free port. ``for_tests`` turns fsync off (never for benchmarks)."""
    bindir = pg_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    workdir = Path(tempfile.mkdtemp(prefix="outlet-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    data = workdir / "data"
    port = free_port()
    _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "desk", "--no-sync",
                      "-E", "UTF8", "--locale=C.UTF-8"])
    opts = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if for_tests:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(workdir / "log"), "-w", "start"])
    return PgCluster(bindir, workdir, port)


def start_standby(primary: PgCluster) -> PgCluster:
    """A streaming hot standby of ``primary``: ``pg_basebackup -R`` (it writes the standby's connection to the
    primary and its ``standby.signal``), started on a free port of its own; stopped like any cluster."""
    workdir = Path(tempfile.mkdtemp(prefix="outlet-pg-standby-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    data = workdir / "data"
    _run_as_postgres([str(primary.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                      "-U", "desk", "-D", str(data), "-R", "-X", "stream", "--no-sync"])
    port = free_port()
    # A standby needs max_connections at least the primary's (start_cluster's 200).
    opts = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=200"
    try:
        _run_as_postgres([str(primary.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(workdir / "log"),
                          "-w", "start"])
    except subprocess.CalledProcessError:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return PgCluster(primary.bindir, workdir, port)
