"""Root conftest: shared fixture plugins for every test folder, and a per-database summary line."""

from __future__ import annotations

from collections import Counter

import pytest

pytest_plugins = ["tests.fixtures_db", "tests.fixtures_pcsc"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many database-backed tests ran on each database and on the real PC/SC stack, so a CI log
    shows at a glance that PostgreSQL and pcscd really ran (they fail, not skip, under CI=true)."""
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "skipped":
                continue
            nodeid: str = report.nodeid
            for backend in ("sqlite", "postgresql"):
                if f"[{backend}" in nodeid or f"-{backend}]" in nodeid:
                    counts[(backend, outcome)] += 1
            if "pcsc" in getattr(report, "keywords", {}):
                counts[("real pcscd", outcome)] += 1
    if not counts:
        return
    terminalreporter.section("where the tests ran")
    for where in ("sqlite", "postgresql", "real pcscd"):
        parts = [f"{counts[(where, o)]} {o}" for o in ("passed", "failed", "error", "skipped") if counts[(where, o)]]
        if parts:
            terminalreporter.write_line(f"{where}: {', '.join(parts)}")
