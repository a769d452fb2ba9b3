"""The kiosk: ``run-desk`` stops the pcscd it started when the desk exits (``scripts/with-pcscd.sh``, with a
stand-in daemon so the machine's own pcscd is left alone), and the systemd units of ``docs/deploy.md`` verify
(``systemd-analyze verify`` where it is installed) and start what the deployment installs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WITH_PCSCD = ROOT / "scripts" / "with-pcscd.sh"
DEPLOY = ROOT / "docs" / "deploy.md"

STAND_IN = """#!/bin/sh
# a PC/SC daemon's stand-in: says it is running, until stopped
[ "$1" = "--foreground" ] || exit 9
echo $$ > "{pidfile}"
trap 'echo stopped > "{pidfile}.stopped"; exit 0' TERM
while :; do sleep 0.05; done
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    daemon, pidfile = tmp_path / "fake-pcscd", tmp_path / "daemon.pid"
    daemon.write_text(STAND_IN.format(pidfile=pidfile))
    daemon.chmod(0o755)
    yield daemon, pidfile
    if pidfile.exists() and pidfile.read_text().strip().isdigit():  # never left running by a failed test
        pid = int(pidfile.read_text())
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _with_pcscd(daemon: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OUTLET_DESK_PCSCD": str(daemon)}
    return subprocess.run([str(WITH_PCSCD), *command], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(os.geteuid() != 0, reason="the script starts the daemon as root (else through sudo, which may ask)")
def test_the_desk_s_pcscd_is_stopped_when_the_desk_exits(stand_in: tuple[Path, Path]) -> None:
    daemon, pidfile = stand_in
    done = _with_pcscd(daemon, "sh", "-c", f'while [ ! -s "{pidfile}" ]; do sleep 0.05; done; '
                                           f'kill -0 "$(cat "{pidfile}")" && exit 3')
    assert done.returncode == 3, done.stderr  # the desk ran with the daemon up, and its exit code is kept
    pid = int(pidfile.read_text())
    assert not _alive(pid)
    assert Path(f"{pidfile}.stopped").exists()  # stopped by TERM, not left to die


def test_a_pcscd_that_was_already_running_is_left_running(stand_in: tuple[Path, Path]) -> None:
    daemon, pidfile = stand_in
    running = subprocess.Popen([str(daemon), "--foreground"])
    try:
        while not pidfile.exists():
            time.sleep(0.05)
        pidfile.with_name("before").write_text(pidfile.read_text())
        done = _with_pcscd(daemon, "true")
        assert done.returncode == 0, done.stderr
        assert pidfile.read_text() == pidfile.with_name("before").read_text()  # no second daemon
        assert running.poll() is None
    finally:
        running.terminate()
        running.wait(timeout=10)


def units() -> dict[str, str]:
    """The unit files docs/deploy.md gives: each ```ini block whose first line names its path."""
    found = {}
    for block in re.findall(r"```ini\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), re.S):
        first, _, body = block.partition("\n")
        assert first.startswith("# /etc/systemd/system/"), first
        found[first[2:].strip()] = body
    return found


def _exec_starts(body: str) -> list[str]:
    return [line.split("=", 1)[1].lstrip("-@+!:").split()[0] for line in body.splitlines()
            if line.startswith("ExecStart=") and line.strip() != "ExecStart="]


def test_the_units_start_what_the_deployment_installs() -> None:
    found = units()
    assert set(found) == {"/etc/systemd/system/outlet-pcscd.service", "/etc/systemd/system/outlet-desk.service"}
    text = DEPLOY.read_text(encoding="utf-8")
    venv = re.search(r"python3 -m venv (\S+)", text)
    assert venv, "deploy.md installs the desk into a virtualenv"
    desk = found["/etc/systemd/system/outlet-desk.service"]
    assert _exec_starts(desk) == [f"{venv.group(1)}/bin/outlet-desk"]  # the console script pip installs there
    assert _exec_starts(found["/etc/systemd/system/outlet-pcscd.service"]) == ["/usr/sbin/pcscd"]
    assert "Requires=outlet-pcscd.service" in desk and "User=outlet" in desk and "TTYPath=/dev/tty1" in desk
    assert "useradd" in text and " outlet" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_verifies_the_units(tmp_path: Path) -> None:
    """The units as written, with the desk's install folder replaced by this virtualenv's (this machine has
    no /opt/outlet-desk) and the user by this one."""
    desk_binary = shutil.which("outlet-desk", path=str(Path(sys.executable).parent))
    assert desk_binary
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    for path, body in units().items():
        body = re.sub(r"/opt/outlet-desk/venv/bin/outlet-desk", desk_binary, body)
        body = body.replace("User=outlet", f"User={user}").replace("Group=outlet", f"Group={user}")
        (tmp_path / Path(path).name).write_text(body)
    files = [str(p) for p in sorted(tmp_path.glob("*.service"))]
    done = subprocess.run(["systemd-analyze", "verify", *files], capture_output=True, text=True, timeout=120)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if "outlet-" in line]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr
