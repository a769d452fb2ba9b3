"""Where an installed desk keeps its data: ``pip install .`` into a fresh virtualenv, started without
``--config``, writes its ``outlet.toml`` in the user's config folder and everything else in the user's data
folder (0600 files, 0700 folders), says where (``outlet-desk where``), and finds the same data after
``pip uninstall`` and a reinstall. The clone's own desk keeps the repository's ``outlet.toml`` and ``data/``.

The fresh virtualenv gets the lock's packages with the locked uv (from its cache when the registry cannot be
reached), then this repository with pip, from a copy of the tree (the build writes beside the sources)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.config_file import ENV_VAR
from tests.e2e.test_journey_tmux import Terminal, tmux  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"
IGNORED = shutil.ignore_patterns(".venv", ".git", "data", "build", "*.egg-info", "__pycache__", ".pytest_cache",
                                 ".mypy_cache", ".ruff_cache", "tests", "benchmarks")

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], env: dict[str, str] | None = None, timeout: float = 240) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


class InstalledDesk:
    """A fresh virtualenv with the desk installed from a copy of this repository, and a user's home."""

    def __init__(self, folder: Path) -> None:
        self.venv, self.source, home = folder / "venv", folder / "source", folder / "home"
        shutil.copytree(ROOT, self.source, symlinks=True, ignore=IGNORED)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTLET_DESK_", "XDG_"))}
        self.env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "share"),
                        OUTLET_DESK_USER="clerk1", OUTLET_DESK_PASSWORD="training-clerk1", LANG="C.UTF-8")
        self.config_home, self.data_home = home / "config", home / "share"
        _run([sys.executable, "-m", "venv", self.venv])
        lock = ["pip", "install", "-q", "--python", self.venv / "bin" / "python", "--require-hashes", "-r",
                ROOT / "requirements.lock"]
        done = subprocess.run([str(UV), *map(str, lock)], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:  # no registry: the lock's files from uv's cache
            _run([UV, *lock, "--offline"])
        self.install()

    def install(self) -> None:
        _run([self.venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index",
              "--no-build-isolation", self.source])

    def uninstall(self) -> None:
        _run([self.venv / "bin" / "python", "-m", "pip", "uninstall", "-y", "-q", "outlet-desk"])

    def desk(self, *args: str) -> str:
        return _run([self.venv / "bin" / "outlet-desk", *args], env=self.env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledDesk:
    if not UV.exists():
        pytest.skip("the locked uv is not in this virtualenv (scripts/setup.sh puts it there)")
    return InstalledDesk(tmp_path_factory.mktemp("installed"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_installed_desk_keeps_its_data_in_the_user_folders_and_finds_it_after_a_reinstall(
    installed: InstalledDesk, tmux: Callable[[str, str], Terminal]  # noqa: F811
) -> None:
    places = json.loads(installed.desk("where", "--json"))
    config = installed.config_home / "outlet-desk" / "outlet.toml"
    data = installed.data_home / "outlet-desk"
    assert places["chosen_by"] == "installed"
    assert (places["settings_file"], places["data_folder"]) == (str(config), str(data))
    for key in ("database", "data_key", "audit_key", "audit_witness", "issuer_key", "receipts", "reports", "log",
                "error_log"):
        assert places[key].startswith(str(data) + "/"), (key, places[key])
    assert (_mode(config), _mode(config.parent)) == (0o600, 0o700)
    assert f'url = "sqlite:///{data}/outlet.db"' in config.read_text(encoding="utf-8")

    # `outlet-desk` opens the training desk: the sign-in screen names the training logins once the store is open
    # (created, migrated and seeded, where `where` said).
    variables = " ".join(f"{k}={shlex.quote(installed.env[k])}" for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"))
    term = tmux("installed-desk", f"env {variables} LANG=C.UTF-8 {installed.venv / 'bin' / 'outlet-desk'}")
    term.wait_for("clerk1", "training-clerk1", seconds=120)
    term.close()
    assert (data / "outlet.db").exists()
    installed.desk("demo")  # idempotent: the training data is there already
    found = json.loads(installed.desk("person", "find", "王", "--json"))
    assert found
    assert _mode(data) == 0o700
    written = [p for p in data.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"outlet.db", "data.key", "audit.key", "issuer-test.key", "outlet-desk.log"}
    assert {p.name: _mode(p) for p in written} == {p.name: 0o600 for p in written}
    site = installed.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert not (site / "outlet_desk" / "data").exists()

    installed.uninstall()
    assert not (installed.venv / "bin" / "outlet-desk").exists()
    assert config.exists() and (data / "outlet.db").exists()
    installed.install()
    assert json.loads(installed.desk("where", "--json")) == places
    assert json.loads(installed.desk("person", "find", "王", "--json")) == found


def test_the_clone_reads_its_own_outlet_toml_and_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    result = CliRunner().invoke(app, ["where", "--json"])
    assert result.exit_code == 0, result.output
    places = json.loads(result.stdout)
    assert places["chosen_by"] == "clone"
    assert places["settings_file"] == str(ROOT / "outlet.toml")
    assert places["data_folder"] == str(ROOT / "data")
    assert places["database"] == str(ROOT / "data" / "outlet.db")
