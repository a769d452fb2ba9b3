"""The package's layers (the import-linter contracts in pyproject.toml, run by ./run-tests as lint-imports)
and its import graph: the contracts really fail on an import that breaks them, and no new import circle
appears among outlet_desk's modules."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contract_names() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return {c["id"]: c["name"] for c in config["tool"]["importlinter"]["contracts"]}


def _flat(text: str) -> str:
    """Output with every run of white space made one space (lint-imports wraps long lines)."""
    return re.sub(r"\s+", " ", text)


def test_the_contracts_bite_on_a_copy_with_forbidden_imports(tmp_path: Path) -> None:
    """A screen importing the store's tables, a service importing Textual and a domain rule importing a
    service: each breaks its contract, and lint-imports names it."""
    shutil.copytree(ROOT / "outlet_desk", tmp_path / "outlet_desk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "outlet_desk" / "screens" / "sneaky_store.py").write_text("from outlet_desk.db import tables\n")
    (tmp_path / "outlet_desk" / "services" / "sneaky_ui.py").write_text("import textual.app\n")
    (tmp_path / "outlet_desk" / "domain" / "sneaky_service.py").write_text("from outlet_desk.services import uow\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "400"}
    run = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    output = _flat(run.stdout + run.stderr)
    assert run.returncode == 1, output
    names = _contract_names()
    for broken in ("layers", "ui-no-store", "core-no-ui", "domain-pure"):
        assert f"{_flat(names[broken])} BROKEN" in output, (broken, output)
    # The forbidden imports themselves are named (so the copy, not the installed package, was analysed).
    assert "outlet_desk.screens.sneaky_store -> outlet_desk.db" in output
    assert "outlet_desk.services.sneaky_ui -> textual" in output
    assert "outlet_desk.domain.sneaky_service -> outlet_desk.services" in output


def _circles(graph: Mapping[str, Iterable[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set(), "g": {"g"}}
    assert sorted(map(sorted, _circles(graph))) == [["a", "b", "c"], ["d", "e"]]


def _import_graph() -> dict[str, set[str]]:
    """Who imports whom among outlet_desk's modules: every import, also those inside functions and under
    TYPE_CHECKING."""
    graph = grimp.build_graph("outlet_desk", cache_dir=None)
    return {m: {t for t in graph.find_modules_directly_imported_by(m) if t != m} for m in graph.modules}


def test_no_import_circle() -> None:
    """Not even the UI's: screens and widgets reach the app through widgets.shell.DeskShell, never by
    importing it, and the App base class (session_app) sits above the screens it shows."""
    graph = _import_graph()
    assert "outlet_desk.services.uow" in graph and len(graph) > 100  # the real package was read
    assert _circles(graph) == []


@pytest.mark.parametrize("pair", [
    ("outlet_desk.cli", "outlet_desk.launch"),
    ("outlet_desk.cli", "outlet_desk.report_cli"),
    ("outlet_desk.services.uow", "outlet_desk.services.day_close"),
    ("outlet_desk.services.report_export", "outlet_desk.services.receipts"),
    ("outlet_desk.app", "outlet_desk.screens.base"),
    ("outlet_desk.screens.base", "outlet_desk.widgets.status_line"),
])
def test_the_circles_broken_here_stay_broken(pair: tuple[str, str]) -> None:
    """The circles issue 12 took apart (cli, launch and report_cli; the unit of work and the day close)."""
    graph = _import_graph()
    assert not any(set(pair) <= circle for circle in _circles(graph))
