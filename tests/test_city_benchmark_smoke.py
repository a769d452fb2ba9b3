"""Smoke run of the city benchmark (issue 17 item 7, tiny data): it must load a city of three outlets on
PostgreSQL and measure every part beside its hand-written SQL; the city report's figures equal the
hand-written ones grouped by outlet (asserted inside the benchmark, which would exit non-zero). The speed
itself is measured by the benchmark, not asserted here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
def test_city_benchmark_smoke_measures_lookups_the_city_report_and_the_feed() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "city.py"), "--smoke"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "COPY of 2,000 persons (sealed in 2 processes) and 2,400 cards" in out
    assert re.search(r"simulated 16 days of 3 outlets: [\d,]+ audit events", out)
    rows = {row.split("|")[1].strip(): [c.strip() for c in row.split("|")[2:-1]]
            for row in out.splitlines() if row.startswith("| ") and not row.startswith("| what")}
    assert set(rows) == {"lookup by citizen number (n = 200)", "lookup by card number (n = 200)",
                         next(k for k in rows if k.startswith("city report, 3 outlets")),
                         "feed export, 2,713 records (batches of 100,000)"}
    for what, cells in rows.items():
        assert re.fullmatch(r"\d+\.\d\dx.*|\d+\.\dx.*", cells[2]), (what, cells)
        assert cells[4] in {"yes", "NO", "-"}
    city = next(cells for what, cells in rows.items() if what.startswith("city report"))
    assert re.match(r"p50 \d+\.\d{3} s", city[0]) and re.match(r"p50 \d+\.\d{3} s", city[1])
