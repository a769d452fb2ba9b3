"""Root conftest: shared fixture plugins for every test folder, the one-worker rule for the reader tests, and a
per-database summary line."""

from __future__ import annotations

import os
from collections import Counter

import pytest

# pytest-xdist's workers start with COLUMNS=80 in their environment, and Rich fixes a console's width from it
# when the console is made; the CLI tests set the width they need per run, as in a plain pytest run.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

pytest_plugins = ["tests.fixtures_db", "tests.fixtures_pcsc", "tests.cli_outlet"]

READER_GROUP = "real-pcscd"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the group marks into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """./run-tests spreads the tests over the machine's cores (pytest-xdist, ``--dist loadgroup``). The machine
    has one pcscd with two virtual slots, so every test that uses it (``pcsc`` mark, or any fixture built on
    the ``pcscd`` one) goes to the same worker, one after another, as in a plain run."""
    for item in items:
        if item.get_closest_marker("pcsc") is not None or "pcscd" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(READER_GROUP))


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
