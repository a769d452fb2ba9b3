"""Smoke runs of the issue 17 benchmarks at a tiny size, so that they cannot break unnoticed: the counters'
collections (``benchmarks/concurrency.py``) and the audit chain at scale (``benchmarks/audit_verify.py``) run
end to end on both databases and print every target's verdict. The speed itself is measured by the
benchmarks on a quiet machine, never asserted here (exit 1 only means a target was missed at this size);
what is asserted is what must hold at any size: no collection lost, every chain intact, the daily report's
verification and ``audit verify`` finding the chain whole (both checked inside the benchmark)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERDICT = re.compile(r"^- (.+): (met|not met)$", re.MULTILINE)


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _verdicts(stdout: str) -> list[tuple[str, str]]:
    return VERDICT.findall(stdout)


@pytest.mark.postgres
def test_concurrency_benchmark_counts_every_collection_and_keeps_every_chain_on_both_databases() -> None:
    proc = _bench("benchmarks/concurrency.py", "--seconds", "0.5", "--sqlite-counters", "2", "--outlets", "2",
                  "--counters", "2")
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in proc.stdout.splitlines()
            if re.match(r"\| (sqlite|postgresql) \|", line)]
    shapes = [(r[0], r[1]) for r in rows]
    assert shapes[-4:] == [("sqlite", "1 x 1"), ("sqlite", "1 x 2"), ("postgresql", "1 x 1"),
                           ("postgresql", "2 x 2")]
    for row in rows[-4:]:
        assert int(row[2]) > 0, row  # collections/s
        assert row[10] == "0" and row[11] == "yes", row  # none lost, chains intact
    verdicts = _verdicts(proc.stdout)
    assert [name.split(":")[0] for name, _ok in verdicts] == [
        "SQLite, one outlet, 2 counters", "PostgreSQL, 2 outlets x 2 counters", "PostgreSQL, 2 outlets x 2 counters",
        "Client CPU per collection", "Collections lost",
    ]
    assert "audit-head lock waits" in verdicts[2][0]
    assert verdicts[-1][1] == "met", verdicts[-1]
    assert (proc.returncode == 0) == all(ok == "met" for _name, ok in verdicts)


@pytest.mark.postgres
def test_audit_benchmark_verifies_in_process_through_the_command_and_the_daily_report_on_both_databases() -> None:
    proc = _bench("benchmarks/audit_verify.py", "--events", "4500", "--runs", "1")
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in proc.stdout.splitlines()
            if re.match(r"\| (sqlite|postgresql) \|", line)]
    assert sorted({r[0] for r in rows}) == ["postgresql", "sqlite"]
    for row in rows:
        assert row[1] == "4,500", row
        assert re.fullmatch(r"\d+\.\d\d s", row[2]) and re.fullmatch(r"\d+\.\d\d s", row[3]), row
        assert row[7].startswith("3,000: ") and row[8].startswith("4,500: "), row  # two chain lengths
    verdicts = _verdicts(proc.stdout)
    for backend in ("sqlite", "postgresql"):
        names = [name for name, _ok in verdicts if name.startswith(backend + ":")]
        assert len(names) == 3, verdicts
        assert "in-process" in names[0] and "`outlet-desk audit verify`" in names[1] and "daily report" in names[2]
    assert (proc.returncode == 0) == all(ok == "met" for _name, ok in verdicts)


def test_the_audit_benchmark_refuses_a_chain_shorter_than_three_days() -> None:
    proc = subprocess.run([sys.executable, "benchmarks/audit_verify.py", "--events", "100", "--backends", "sqlite"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert "--events must be at least 4,500" in proc.stderr
    assert "generated" not in proc.stdout
