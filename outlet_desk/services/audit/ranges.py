"""The full verification of a long chain in ranges, side by side on the machine's cores.

Every event holds its predecessor's MAC, so the chain can be cut into ranges of ``seq`` checked apart: each
range's events are numbered without a gap, each points at the one before it, each matches its seal; then the
ranges are joined: each range's first event points at the previous range's last MAC (the first range's at
""), and the last range ends at the head. The ranges are read in processes of their own (the HMAC and the
canonical bytes hold Python's lock, so threads would take turns), on PostgreSQL inside the caller's own
snapshot (``pg_export_snapshot``), so events appended meanwhile are not seen there either.

This only confirms an intact chain quickly. Anything else (a gap, a link, a seal, a range that could not be
read) answers None, and the caller verifies from the first event in order, which names the first broken link
in the same words as always. Short chains (under :data:`PARALLEL_FROM` events), a store in memory and a
machine with one core are verified in order too.
"""

from __future__ import annotations

import hmac
import itertools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

from sqlalchemy.engine import Connection

from outlet_desk.db.engine import make_engine
from outlet_desk.services.audit.seal import Head
from outlet_desk.services.audit.store import read_links
from outlet_desk.services.audit.wording import ChainReport

PARALLEL_FROM = 200_000
"""From how many events the full verification runs in ranges (a process costs a fraction of a second)."""


class RangeCheck(NamedTuple):
    """What one range of the chain looks like once checked: intact inside, and how it joins its neighbours."""

    intact: bool
    events: int
    first_prev_mac: str
    last_mac: str


def check_range(url: str, key: bytes, outlet_code: str, after_seq: int, upto: int, snapshot: str | None,
                conn: Connection | None = None, *, last: bool = False) -> RangeCheck:
    """Events ``after_seq`` + 1 .. ``upto`` of the outlet, each numbered in turn, pointing at the one before it
    and matching its seal (the first one's pointer is only reported); with ``last``, no event after ``upto``
    either. Read through ``conn``, else a connection of its own to ``url`` (inside the exported ``snapshot`` on
    PostgreSQL)."""
    if conn is None:
        engine = make_engine(url)
        try:
            with engine.connect() as own:
                if snapshot is not None:
                    own = own.execution_options(isolation_level="REPEATABLE READ")
                    own.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return check_range(url, key, outlet_code, after_seq, upto, None, own, last=last)
        finally:
            engine.dispose()
    expected = after_seq + 1
    first_prev: str | None = None
    prev = ""
    compare, digest = hmac.compare_digest, hmac.digest
    for link in read_links(conn, outlet_code, after_seq, upto - after_seq, upto=None if last else upto):
        if link.seq != expected or (first_prev is not None and link.prev_mac != prev) or not compare(
                digest(key, link.message, "sha256").hex(), link.mac):
            return RangeCheck(False, expected - after_seq - 1, first_prev or "", prev)
        if first_prev is None:
            first_prev = link.prev_mac
        prev = link.mac
        expected += 1
    return RangeCheck(expected == upto + 1, expected - after_seq - 1, first_prev or "", prev)


def _workers() -> int:
    return min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def verify_in_ranges(conn: Connection, key: bytes, outlet_code: str, head: Head | None) -> ChainReport | None:
    """The chain ending at ``head`` confirmed intact in ranges (one here, the others in processes), or None:
    too short to be worth it, not possible here, or not intact (the caller then verifies in order)."""
    cores = _workers()
    if head is None or head.seq < PARALLEL_FROM or cores < 2:
        return None
    database = conn.engine.url.database or ""
    if conn.dialect.name == "sqlite" and (database in ("", ":memory:") or database.startswith("file:")):
        return None
    url = conn.engine.url.render_as_string(hide_password=False)
    snapshot = None
    if conn.dialect.name != "sqlite":  # a standby cannot export its snapshot: in order there
        snapshot = conn.exec_driver_sql(
            "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END").scalar_one()
        if snapshot is None:
            return None
    bounds = [head.seq * i // cores for i in range(cores + 1)]
    try:
        with ProcessPoolExecutor(cores - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
            others = [pool.submit(check_range, url, key, outlet_code, lo, hi, snapshot, last=hi == head.seq)
                      for lo, hi in itertools.pairwise(bounds[1:])]
            ranges = [check_range(url, key, outlet_code, 0, bounds[1], None, conn)] + [f.result() for f in others]
    except Exception:  # a process not started, a range not read: verified in order, which names what is wrong
        return None
    joined = all(r.intact for r in ranges) and ranges[0].first_prev_mac == "" and all(
        later.first_prev_mac == earlier.last_mac for earlier, later in itertools.pairwise(ranges))
    if not joined or ranges[-1].last_mac != head.mac:
        return None
    return ChainReport(outlet_code, sum(r.events for r in ranges), True, last_seq=head.seq, last_mac=head.mac)
