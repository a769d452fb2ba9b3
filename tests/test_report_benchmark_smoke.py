"""Smoke run of the daily report benchmark (small data): it must run end to end on both databases,
with the hand-written SQL computing the same figures (asserted inside the benchmark) and a ratio
reported. The speed itself is measured by the benchmark, not asserted here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
def test_report_benchmark_smoke_runs_on_both_databases() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "report.py"), "--smoke"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if re.match(r"\| (sqlite|postgresql) \|", line)]
    assert [row.split("|")[1].strip() for row in rows] == ["sqlite", "postgresql"]
    for row in rows:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert re.fullmatch(r"\d+\.\d\dx", cells[6]), row
        assert float(cells[2]) > 0 and float(cells[4]) > 0
    assert re.search(r"generated 40 days: [\d,]+ audit events", proc.stdout)
