"""``pg_dump`` and ``pg_restore`` for a PostgreSQL store: the programs found, the connection given to them
through libpq's environment (the password never on a command line), their progress read from ``-v``.

The programs come from ``PATH``, else from the newest server installed under ``/usr/lib/postgresql``
(Debian's layout; the same place the test suite starts its server from).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from outlet_desk.i18n import _
from outlet_desk.services.backup.copy_check import BackupRefused


def program(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``; refused with what to install when there is none."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_of)
    if installed:
        return installed[-1]
    raise BackupRefused(_("{program} was not found (on PATH or under /usr/lib/postgresql): install the "
                          "PostgreSQL client (Debian: postgresql-client).").format(program=name))


def _version_of(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


def libpq_environment(url: str) -> dict[str, str]:
    """The environment that points ``pg_dump``/``pg_restore`` at the store of ``url``."""
    parsed = make_url(url)
    env = dict(os.environ)
    values: Mapping[str, object] = {
        "PGHOST": parsed.host or parsed.query.get("host"), "PGPORT": parsed.port,
        "PGUSER": parsed.username, "PGPASSWORD": parsed.password, "PGDATABASE": parsed.database,
        "PGSSLMODE": parsed.query.get("sslmode"),
    }
    for name, value in values.items():
        if value:
            env[name] = str(value)
    return env


def run_verbose(argv: list[str], env: dict[str, str], marker: str, total: int,
                progress: Callable[[int, int], None]) -> None:
    """Run a PostgreSQL program with ``-v``; each stderr line holding ``marker`` is one table done of
    ``total``. A failure is refused with the program's own last lines."""
    done = 0
    tail: list[str] = []
    with subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          errors="replace") as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            if marker in line:
                done += 1
                progress(min(done, total), total)
            tail = [*tail[-4:], line.strip()]
    if proc.returncode != 0:
        problems = [t for t in tail if "error" in t.lower()] or tail
        raise BackupRefused(_("{program} failed: {reason}").format(
            program=Path(argv[0]).name, reason=" ".join(problems[-2:])))
    progress(total, total)


def archive_tables(path: Path) -> set[str]:
    """The tables whose rows the archive at ``path`` holds (its table of contents); refused when the file
    is not a ``pg_dump`` archive."""
    proc = subprocess.run([program("pg_restore"), "--list", str(path)], capture_output=True, text=True,
                          errors="replace")
    if proc.returncode != 0:
        raise BackupRefused(_("{file} is not a backup of a PostgreSQL store made by outlet-desk backup "
                              "({reason}).").format(file=path, reason=proc.stderr.strip()[:200]))
    tables = set()
    for line in proc.stdout.splitlines():
        if " TABLE DATA " in line:  # "123; 0 16390 TABLE DATA public audit_event desk"
            words = line.split(" TABLE DATA ", 1)[1].split()
            if len(words) >= 2:
                tables.add(words[1])
    return tables


def archive_rows(path: Path, table: str) -> list[str]:
    """The rows of ``table`` in the archive, as ``COPY`` text lines (read back to check the copy)."""
    proc = subprocess.run([program("pg_restore"), "--data-only", "--table", table, "--file", "-", str(path)],
                          capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise BackupRefused(_("{program} failed: {reason}").format(program="pg_restore",
                                                                    reason=proc.stderr.strip()[:200]))
    rows: list[str] = []
    inside = False
    for line in proc.stdout.splitlines():
        if line.startswith("COPY "):
            inside = True
        elif inside and line == "\\.":
            inside = False
        elif inside:
            rows.append(line)
    return rows
