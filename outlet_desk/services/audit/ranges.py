"""The full verification of a long chain in ranges, side by side on the machine's cores.

Every event holds its predecessor's MAC, so the chain can be cut into ranges of ``seq`` checked apart: each
range's events are numbered without a gap, each points at the one before it, each matches its seal; then the
ranges are joined: each range's first event points at the previous range's last MAC (the first range's at
""), and the last range ends at the head. The last range is read here, inside the caller's snapshot; the
others in processes of their own (the HMAC holds Python's lock, so threads would take turns), which run
:mod:`outlet_desk.services.chain_scan` alone (the standard library and the driver: started in a fraction of a
second), on PostgreSQL inside the caller's snapshot (``pg_export_snapshot``), on SQLite bounded by the head's
``seq`` (events are only ever appended). Each range is read at the lowest cost per event (the database writes
the canonical bytes: ``chain_scan``).

This only confirms an intact chain quickly. Anything else (a gap, a link, a seal, a range that could not be
read) answers None, and the caller verifies from the first event in order, which names the first broken link
in the same words as always. Short chains (under :data:`PARALLEL_FROM` events), a store in memory and a
machine with one core are verified in order too.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from typing import Any

from sqlalchemy.engine import Connection

from outlet_desk.services.audit.seal import Head
from outlet_desk.services.audit.wording import ChainReport
from outlet_desk.services.chain_scan import RangeCheck, scan_connection

PARALLEL_FROM = 200_000
"""From how many events the full verification runs in ranges (a process costs a tenth of a second)."""


def _workers() -> int:
    return min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _store(conn: Connection, snapshot: str | None) -> dict[str, Any] | None:
    """Where a process reads the store: the SQLite file, or PostgreSQL's connection string and snapshot; None
    where no other process can (a store in memory)."""
    url = conn.engine.url
    if conn.dialect.name == "sqlite":
        database = url.database or ""
        return None if database in ("", ":memory:") or database.startswith("file:") else {"sqlite": database}
    return {"conninfo": url.set(drivername="postgresql").render_as_string(hide_password=False),
            "snapshot": snapshot}


def _start(task: dict[str, Any]) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "outlet_desk.services.chain_scan"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdin is not None
    process.stdin.write(json.dumps(task))  # on stdin, not in the arguments: the connection string may hold a password
    process.stdin.close()
    return process


def _result(process: subprocess.Popen[str]) -> RangeCheck | None:
    assert process.stdout is not None
    out = process.stdout.read()
    if process.wait() != 0:
        return None
    answer = json.loads(out)
    return RangeCheck(bool(answer["intact"]), int(answer["events"]), str(answer["first_prev_mac"]),
                      str(answer["last_mac"]))


def _here(conn: Connection, key: bytes, outlet_code: str, after_seq: int, upto: int) -> RangeCheck:
    """The last range, through ``conn``'s own driver connection, inside its snapshot."""
    return scan_connection(conn.connection.dbapi_connection, conn.dialect.name == "sqlite", key, outlet_code,
                           after_seq, upto, last=True)


def verify_in_ranges(conn: Connection, key: bytes, outlet_code: str, head: Head | None) -> ChainReport | None:
    """The chain ending at ``head`` confirmed intact in ranges (the last one here, the others in processes), or
    None: too short to be worth it, not possible here, or not intact (the caller then verifies in order)."""
    cores = _workers()
    if head is None or head.seq < PARALLEL_FROM or cores < 2:
        return None
    snapshot = None
    if conn.dialect.name != "sqlite":  # a standby cannot export its snapshot: in order there
        snapshot = conn.exec_driver_sql(
            "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END").scalar_one()
        if snapshot is None:
            return None
    store = _store(conn, snapshot)
    if store is None:
        return None
    bounds = [head.seq * i // cores for i in range(cores + 1)]
    processes: list[subprocess.Popen[str]] = []
    try:
        for lo, hi in itertools.pairwise(bounds[:-1]):
            processes.append(_start({**store, "key": key.hex(), "outlet": outlet_code, "after": lo, "upto": hi,
                                     "last": False}))
        mine = _here(conn, key, outlet_code, bounds[-2], head.seq)
        others = [_result(p) for p in processes]
    except Exception:  # a process not started, a range not read: verified in order, which names what is wrong
        return None
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    if any(r is None for r in others):
        return None
    ranges = [r for r in others if r is not None] + [mine]
    joined = all(r.intact for r in ranges) and ranges[0].first_prev_mac == "" and all(
        later.first_prev_mac == earlier.last_mac for earlier, later in itertools.pairwise(ranges))
    if not joined or ranges[-1].last_mac != head.mac:
        return None
    return ChainReport(outlet_code, sum(r.events for r in ranges), True, last_seq=head.seq, last_mac=head.mac)
