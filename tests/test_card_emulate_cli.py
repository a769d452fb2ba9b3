"""Issue 4's promise on real parts: `outlet-desk card emulate --citizen N` in one process and
`outlet-desk reader watch --once` in another print that person's card data, through a real pcscd."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures_pcsc import SETTLE_S, PcscDaemon, wait_empty

pytestmark = pytest.mark.pcsc

OUTLET = """
[outlet]
code = "EMU001"
name = "Emulation outlet"
division_code = "110105"
language = "en"
training = true
"""


def cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "outlet_desk", "--config", str(config), *args]


def test_emulated_card_is_read_back_by_reader_watch(pcscd: PcscDaemon, tmp_path: Path) -> None:
    config = tmp_path / "outlet.toml"
    config.write_text(OUTLET)
    assert subprocess.run(cli(config, "demo"), capture_output=True, timeout=120).returncode == 0
    db = sqlite3.connect(tmp_path / "data" / "outlet.db")
    number, name, card_number = db.execute(
        "SELECT p.citizen_number, p.name, c.card_number FROM person p JOIN card c ON c.person_id = p.id "
        "WHERE c.status = 'ready' ORDER BY c.id LIMIT 1").fetchone()
    db.close()
    reader = pcscd.readers[1]
    watcher = subprocess.Popen(cli(config, "reader", "watch", "--once", "--timeout", "20", "--reader", reader),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    emulator = subprocess.Popen(cli(config, "card", "emulate", "--citizen", number, "--slot", "1"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = watcher.communicate(timeout=30)
        assert watcher.returncode == 0, err
        data = json.loads(out)
        assert (data["citizen_number"], data["name"], data["card_number"]) == (number, name, card_number)
    finally:
        emulator.send_signal(signal.SIGINT)
        try:
            emulator.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(emulator.pid, signal.SIGKILL)
            emulator.wait(5)
        wait_empty(reader)
        time.sleep(SETTLE_S)
    assert "inserted in virtual reader slot 1" in (emulator.stdout.read() if emulator.stdout else "")


def test_emulate_unknown_citizen_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "outlet.toml"
    config.write_text(OUTLET)
    proc = subprocess.run(cli(config, "card", "emulate", "--citizen", "11010519491231002X"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "No card holder with citizen number 11010519491231002X" in proc.stderr
