"""The domain layer stays pure: no UI, database, reader or configuration imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import outlet_desk.domain

DOMAIN_DIR = Path(outlet_desk.domain.__file__).parent
FORBIDDEN = (
    "textual",
    "sqlmodel",
    "sqlalchemy",
    "smartcard",
    "pyscard",
    "outlet_desk.config",
    "outlet_desk.db",
    "outlet_desk.services",
    "outlet_desk.reader",
    "outlet_desk.screens",
    "outlet_desk.widgets",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN_DIR.glob("*.py")), ids=lambda path: path.name)
def test_domain_module_imports_nothing_impure(path: Path) -> None:
    for name in imported_modules(path):
        assert not any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN), name
