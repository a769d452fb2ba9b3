"""The command line starts fast: a command imports its own group's module and the libraries it needs, not every
module of the desk (a technician at a broken reader, a script calling a report every minute, pay it each time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from outlet_desk.cli import ORDER, Unloaded, app, load
from outlet_desk.cli_support import DEFERRED

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("textual", "fpdf", "segno", "sqlalchemy", "sqlmodel", "alembic", "argon2")
GROUP_MODULES = sorted({d.module for d in DEFERRED.values()} | {"outlet_desk.transfer_cli"})

PROBE = """
import json, sys
from outlet_desk.launch import main
sys.argv = ["outlet-desk", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(*args: str) -> tuple[str, set[str]]:
    """What ``outlet-desk ARGS`` printed, and the modules it imported (in a fresh interpreter)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                            "OUTLET_DESK_CONFIG": str(ROOT / "outlet.toml")})
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def loaded(modules: set[str], names: tuple[str, ...] | list[str]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


def test_help_lists_every_group_without_importing_one() -> None:
    shown, modules = imported_by("--help")
    listed = [line.split()[0] for line in shown.splitlines() if line.startswith("  ") and not
              line.lstrip().startswith("-") and line.split()[0] in ORDER]
    assert listed == list(ORDER)
    assert loaded(modules, (*HEAVY, "smartcard", "pydantic")) == []
    assert loaded(modules, GROUP_MODULES) == []


def test_reader_list_imports_the_reader_group_only() -> None:
    _, modules = imported_by("reader", "list")
    assert "smartcard" in modules  # it did look for readers
    assert loaded(modules, HEAVY) == []
    assert loaded(modules, GROUP_MODULES) == ["outlet_desk.reader_cli"]


@pytest.mark.parametrize("name", sorted(DEFERRED))
def test_the_listed_help_is_the_groups_own(name: str) -> None:
    """The one-line help ``--help`` lists for a group not yet imported is the help the group itself shows."""
    assert load(name).help == DEFERRED[name].help == Unloaded(name).help


def test_every_command_has_its_place_in_the_list() -> None:
    import typer.main

    root = typer.main.get_command(app)
    assert list(root.commands) == list(ORDER)  # type: ignore[attr-defined]
    assert set(DEFERRED) <= set(ORDER)
