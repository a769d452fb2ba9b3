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


@pytest.mark.pcsc
def test_reader_benchmark_smoke_prints_the_table_and_every_target(empty_slots: object) -> None:
    """The PC/SC reader benchmark (pcscd + vpcd): app and raw reads, the ratio, insertions, the verdicts.
    Exit 1 only means a target was missed on this small sample; a crash or a refusal is 2 or worse."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "reader.py"), "--smoke", "--lock-held"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = {row.split("|")[1].strip(): row for row in proc.stdout.splitlines() if row.startswith("| ")}
    for measure in ("full read, app (PcscCardReader.read_card)", "full read, raw pyscard (same 15 APDUs)",
                    "ratio app / raw", "insertion -> CardData (supervisor)"):
        assert measure in rows, proc.stdout
    ratio = r"\d+\.\d\dx"
    assert re.fullmatch(rf"\| ratio app / raw \| 20 \| {ratio} \| {ratio} \| {ratio} \|", rows["ratio app / raw"])
    verdicts = re.findall(r"^- (met|MISSED): (.+)$", proc.stdout, re.MULTILINE)
    assert [name for _ok, name in verdicts] == [
        "full read p95 <= 15.0 ms", "full read p50 <= 1.3x raw", "full read p95 <= 1.3x raw",
        "insertion to data p95 <= 0.5 s",
    ]
    assert (proc.returncode == 0) == all(ok == "met" for ok, _name in verdicts)
