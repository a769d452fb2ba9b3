"""The command-line tests' outlet: its outlet.toml (a training outlet on the default SQLite store), a folder
holding it (the ``config`` fixture), messages in English (the ``english`` fixture: a module of command-line
tests uses it for every test) and running one command on it (:func:`run`). A fixture plugin (conftest.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from outlet_desk.i18n import set_language

OUTLET = """
[outlet]
code = "CLI001"
name = "CLI test outlet"
division_code = "110105"
language = "en"
training = true
"""


@pytest.fixture
def english() -> None:
    """The commands answer in English."""
    set_language("en")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The outlet's outlet.toml, alone in a fresh folder."""
    path = tmp_path / "outlet.toml"
    path.write_text(OUTLET)
    return path


def run(config: Path, *args: str, env: Mapping[str, str] | None = None, input: str | None = None) -> Result:
    """``outlet-desk --config CONFIG ARGS...``, in this process."""
    from outlet_desk.cli import app  # when a command runs (this plugin loads for every test)

    return CliRunner().invoke(app, ["--config", str(config), *args], env=env, input=input)
