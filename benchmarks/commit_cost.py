"""The cost of SQLite's ``synchronous=FULL`` over ``NORMAL``: the same days of counter work driven through
the real services (``benchmarks/activity.drive_days``), on a file database, once with each setting.

    .venv/bin/python -m benchmarks.commit_cost [--days 4]

Prints the seconds and the use cases per second of each, and the ratio. Every use case is one commit, so
the difference is what one fsync of the WAL per commit costs on this machine's disk.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from benchmarks.activity import desk_for, drive_days
from outlet_desk.db import engine as engine_module


def drive(synchronous: str, days: int) -> tuple[float, int]:
    engine_module.SQLITE_SYNCHRONOUS = synchronous
    with tempfile.TemporaryDirectory() as folder:
        desk = desk_for(f"sqlite:///{folder}/outlet.db", Path(folder))
        started = time.perf_counter()
        drive_days(desk, date(2026, 10, 1), days)
        seconds = time.perf_counter() - started
        with desk.engine.connect() as conn:
            commits = conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
        desk.engine.dispose()
    return seconds, commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=4)
    days = parser.parse_args().days
    best: dict[str, tuple[float, int]] = {}
    for mode in ("NORMAL", "FULL", "NORMAL", "FULL"):  # twice each, interleaved; the faster run counts
        seconds, commits = drive(mode, days)
        if mode not in best or seconds < best[mode][0]:
            best[mode] = (seconds, commits)
    for mode, (seconds, commits) in best.items():
        print(f"synchronous={mode}: {seconds:.2f} s, {commits} audited commits (with seeding), "
              f"{seconds / commits * 1000:.2f} ms per commit")
    print(f"FULL / NORMAL: {best['FULL'][0] / best['NORMAL'][0]:.2f}")


if __name__ == "__main__":
    main()
