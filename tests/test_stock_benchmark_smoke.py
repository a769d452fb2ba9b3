"""A smoke run of the stock benchmark (1,000 cards, 100 scanned in): it runs end to end and reports the import
against the plain executemany. The figures are not asserted (the benchmark measures them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stock_benchmark_smoke_reports_the_import_against_executemany() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stock_import.py"), "--smoke"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"\| baseline: one `executemany`.* \| 1,000 \| \d+\.\d\d \|", proc.stdout)
    assert re.search(r"\| scan-in: .* \| 100 \| \d+\.\d\d \|", proc.stdout)
    assert re.search(r"Import / executemany: \*\*\d+\.\d\dx\*\* \(target <= 3x: (met|NOT met)\)", proc.stdout)
