"""The clerk's guide (docs/guide.zh_CN.md, docs/guide.en.md) stays true to the desk.

Each section names what it explains in a comment, ``<!-- keys: ... -->``: a task of the registry
(``widgets.tasks``: ``TASKS``, ``CARD_TASKS``, ``IDENTITY_TASK``) by its id, or a screen's key by
``ScreenClass.action``. The test fails when a task of the registry has no section in a guide, when a key the
section writes (in backticks) is not the key the code binds, in the order named, and when a picture is not a
snapshot the snapshot tests draw and check (``tests/tui/test_snapshots.py``) in the guide's language.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from textual.screen import Screen

import outlet_desk.screens
from outlet_desk.widgets.tasks import CARD_TASKS, IDENTITY_TASK, TASKS, Task, key_label
from tests.tui.test_snapshots import LANGUAGES, SCENARIOS, SIZES

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "tui" / "__snapshots__" / "test_snapshots"
GUIDES = {"zh": ROOT / "docs" / "guide.zh_CN.md", "en": ROOT / "docs" / "guide.en.md"}
KEYS_LINE = {"zh": "**按键：**", "en": "**Keys:**"}
REGISTRY: dict[str, Task] = {task.id: task for task in (*TASKS, *CARD_TASKS, IDENTITY_TASK)}

MARKER = re.compile(r"<!-- keys: (.*?) -->")
IMAGE = re.compile(r"!\[[^\]]*\]\(<?([^)>]+)>?\)")
SHOT = re.compile(r"test_screen\[(?P<scenario>\w+)-(?P<language>\w+)-(?P<size>\d+x\d+)\]\.svg")
KEY = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Section:
    title: str
    names: tuple[str, ...]
    keys_line: str
    keys: tuple[str, ...]
    """Every key the section writes, in backticks."""
    images: tuple[str, ...]


def sections(language: str) -> list[Section]:
    found = []
    for part in GUIDES[language].read_text(encoding="utf-8").split("\n## ")[1:]:
        marker = MARKER.search(part)
        lines = part.splitlines()
        keys_line = next((line for line in lines if line.startswith(KEYS_LINE[language])), "")
        found.append(Section(lines[0], tuple(marker.group(1).split()) if marker else (), keys_line,
                             tuple(KEY.findall(part)), tuple(IMAGE.findall(part))))
    return found


@cache
def screen_classes() -> dict[str, type[Screen[object]]]:
    for module in pkgutil.walk_packages(outlet_desk.screens.__path__, "outlet_desk.screens."):
        importlib.import_module(module.name)
    found: dict[str, type[Screen[object]]] = {}
    waiting: list[type[Screen[object]]] = [Screen]
    while waiting:
        screen = waiting.pop()
        found[screen.__name__] = screen
        waiting.extend(screen.__subclasses__())
    return found


def key_of(name: str) -> str:
    """The key the code binds for ``name``: a task of the registry, or ``ScreenClass.action``."""
    if name in REGISTRY:
        return REGISTRY[name].key_label
    screen_name, _dot, action = name.partition(".")
    screen = screen_classes().get(screen_name)
    assert screen is not None, f"no screen {screen_name!r}"
    bindings = screen._merged_bindings.key_to_bindings if screen._merged_bindings else {}
    for items in bindings.values():
        for binding in items:
            if binding.action == action:
                return binding.key_display or key_label(binding.key)
    raise AssertionError(f"{screen_name} binds no key to {action!r}")


GUIDE_LANGUAGES = [pytest.param("zh", id="zh"), pytest.param("en", id="en")]


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
def test_every_task_of_the_registry_has_its_section(language: str) -> None:
    named = {name for section in sections(language) for name in section.names}
    assert set(REGISTRY) - named == set(), f"tasks with no section in {GUIDES[language].name}"


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
def test_the_keys_a_guide_writes_are_the_keys_the_desk_binds(language: str) -> None:
    for section in sections(language):
        assert section.names, f"{section.title!r} names no task (<!-- keys: ... -->)"
        bound = [key_of(name) for name in section.names]
        assert KEY.findall(section.keys_line) == bound, section.title
        assert set(section.keys) <= set(bound), f"{section.title!r} writes a key its tasks do not bind"


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
def test_every_picture_is_a_snapshot_the_tests_check(language: str) -> None:
    languages, sizes = {p.id for p in LANGUAGES}, {p.id for p in SIZES}
    for section in sections(language):
        assert section.images, f"{section.title!r} has no picture"
        for image in section.images:
            path = (GUIDES[language].parent / image).resolve()
            shot = SHOT.fullmatch(path.name)
            assert path.parent == SNAPSHOTS and shot is not None, image
            assert shot["scenario"] in SCENARIOS and shot["size"] in sizes, image
            assert shot["language"] == language and language in languages, image
            assert path.is_file(), f"{image}: the snapshot test has not drawn it"
