"""Modules stay small enough to read in one sitting: no Python file in the package is over 450 lines
(issue 12). A module that grows past it is split by what its parts do, not by line count."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "outlet_desk"
MOST_LINES = 450


def _lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def test_no_module_is_over_450_lines() -> None:
    too_long = {str(path.relative_to(PACKAGE)): _lines(path)
                for path in sorted(PACKAGE.rglob("*.py")) if _lines(path) > MOST_LINES}
    assert too_long == {}, f"split these modules (at most {MOST_LINES} lines each): {too_long}"


def test_the_rule_sees_every_module() -> None:
    """The walk finds the package's modules, the migrations' among them, so an empty walk cannot pass."""
    names = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    assert {"cli.py", "app.py", "db/tables.py", "db/migrations/versions/0001_initial_schema.py"} <= names
