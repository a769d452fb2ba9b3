"""Smoke runs of the benchmarks (small data): they must run end to end and report their ratios.

The figures are not asserted here (speed is measured by the benchmarks, never by timed unit tests);
what is asserted is that every lookup kind was measured on both databases against its raw baseline.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
def test_search_benchmark_smoke_reports_every_lookup_on_both_databases() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "search.py"), "--smoke"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if re.match(r"\| (sqlite|postgresql) \|", line)]
    lookups = {tuple(cell.strip() for cell in row.split("|")[1:3]) for row in rows}
    assert lookups == {
        (backend, lookup)
        for backend in ("sqlite", "postgresql")
        for lookup in ("citizen number", "card number", "name prefix (50)")
    }
    for row in rows:
        ratio = row.split("|")[7].strip()
        assert re.fullmatch(r"\d+\.\d\dx", ratio), row
    assert "bulk insert of 10,000 persons and 12,000 cards" in proc.stdout
