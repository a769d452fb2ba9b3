"""A batch of 50 cards from the card centre at the supervisor's stock screen, in a real terminal with the real
reader stack (pcscd + vpcd + ``outlet-desk card emulate``): the manifest is imported by typing its path, cards
go into the reader and are scanned in, the three discrepancies (a card that never came, a card whose chip
disagrees with its line, a card on no line) are listed and resolved with a reason, the batch closes with its
stock receipt; then the stock count agrees with the daily report and the audit.

What goes through the reader: the three cards the assertions turn on (one that agrees, the one whose chip
disagrees, the extra one); the 47 others that agree are scanned in by the same service call the screen makes (one
insertion through pcscd takes seconds on this machine, 47 would take minutes and prove nothing more); the
50th never comes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from outlet_desk.config import load_settings
from outlet_desk.i18n import set_language
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.stock_batches import open_batches
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import scan_in
from tests.e2e.test_journey_tmux import ROOT, Terminal, first, outlet_toml, sign_in, tmux, wait_until_open  # noqa: F401
from tests.fixtures_pcsc import SETTLE_S, PcscDaemon, wait_empty
from tests.services.builders import login
from tests.services.stock_builders import lines_for, manifest, write_manifest

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]

SUPERVISOR = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"}


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(config), *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env={**os.environ, **SUPERVISOR})


@contextmanager
def in_reader(config: Path, reader: str, citizen: str, card: str) -> Iterator[None]:
    """The card ``card`` with the chip data of ``citizen`` in the reader (the emulator signs in), until the
    block ends; then the reader is empty again."""
    emulator = subprocess.Popen(
        [sys.executable, "-m", "outlet_desk", "--config", str(config), "card", "emulate", "--citizen", citizen,
         "--card", card, "--slot", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, **SUPERVISOR})
    try:
        yield
    finally:
        emulator.send_signal(signal.SIGINT)
        try:
            emulator.wait(10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait(5)
        wait_empty(reader)
        time.sleep(SETTLE_S)


def stock(config: Path) -> dict[str, int]:
    counted = cli(config, "stock", "count", "--json")
    assert counted.returncode == 0, counted.stderr
    figures: dict[str, int] = json.loads(counted.stdout)["TRN001"]
    return figures


def events(db: Path, action: str) -> int:
    return int(str(first(db, f"SELECT count(*) FROM audit_event WHERE action = '{action}'")[0]))


def test_a_batch_of_50_cards_scanned_in_at_the_stock_screen(
        pcscd: PcscDaemon, tmux: Callable[[str, str], Terminal], tmp_path: Path) -> None:  # noqa: F811
    set_language("en")
    reader = pcscd.readers[1]
    config = tmp_path / "outlet.toml"
    config.write_text(outlet_toml("en", reader), encoding="utf-8")
    db = tmp_path / "data" / "outlet.db"
    term = tmux("stock-batch", f"cd {ROOT} && {sys.executable} -m outlet_desk --config {config}; sleep 60")
    wait_until_open(term)

    desk: Desk = open_desk(load_settings(config))
    lines = lines_for(desk, 51)
    batch_lines, extra = lines[:50], lines[50]
    good, wrong_chip, missing = batch_lines[0], batch_lines[2], batch_lines[49]
    impostor = next(line for line in lines if line.citizen_number != wrong_chip.citizen_number)
    # The extra card is announced by another batch (a box mixed up at the card centre): on no line of this one.
    import_manifest(desk, login(desk, "super1"), manifest(desk, "B-OTHER-BOX", [extra]))
    path = write_manifest(tmp_path, "B2026-0050", batch_lines)
    before = stock(config)
    received_before, scanned_before = events(db, "card_received"), events(db, "stock_card_scanned")

    sign_in(term, "super1")
    term.keys("F11", pause=1.0)
    term.wait_for("Approvals waiting")
    term.keys("s", pause=1.0)
    term.wait_for("Card stock", "Stock:")
    term.keys("C-o")
    term.type(str(path))
    term.keys("Enter", pause=1.0)
    term.wait_for("Batch B2026-0050 announced: 50 cards", seconds=30)
    [batch] = [b for b in open_batches(desk) if b.batch_number == "B2026-0050"]
    supervisor = login(desk, "super1")
    for line in batch_lines:
        if line not in (good, wrong_chip, missing):
            scan_in(desk, supervisor, batch.batch_id, line.chip())

    with in_reader(config, reader, good.citizen_number, good.card_number):
        term.wait_for(f"Card {good.card_number} scanned in", seconds=30)
    with in_reader(config, reader, impostor.citizen_number, wrong_chip.card_number):
        term.wait_for(f"Card {wrong_chip.card_number}: the chip disagrees", seconds=30)
    with in_reader(config, reader, extra.citizen_number, extra.card_number):
        term.wait_for(f"Card {extra.card_number} is not on this batch's manifest", seconds=30)
    term.keys("Tab", pause=0.5)  # from the batches (the focus since the import) to the discrepancies
    screen = term.wait_for("Discrepancies: 3", missing.card_number, wrong_chip.card_number, extra.card_number,
                           seconds=30)
    assert "on the manifest, never arrived" in screen and "chip disagrees with its line" in screen
    for left in (2, 1, 0):
        term.keys("Enter", pause=0.5)  # on the first discrepancy: the cursor goes to the reason
        term.type("reported to the card centre")
        term.keys("Enter", pause=1.0)
        term.wait_for(f"Discrepancies: {left}.")
    term.keys("C-s", pause=1.5)
    term.wait_for("Batch B2026-0050 closed; stock receipt")
    assert first(db, "SELECT status FROM stock_batch WHERE manifest_ref = 'B2026-0050'") == ("closed",)
    desk.engine.dispose()

    after = stock(config)
    ready = events(db, "card_received") - received_before
    in_stock = events(db, "stock_card_scanned") - scanned_before - 2  # less the mismatched and the extra scan
    assert ready + in_stock == 48  # every card of the 50 that came and agreed, through the reader or not
    assert after["ready"] - before["ready"] == ready
    assert after["in_stock"] - before["in_stock"] == in_stock
    assert after["announced"] == before["announced"]  # the batch's lines are all accounted for
    assert events(db, "stock_discrepancy_resolved") == 3 and events(db, "stock_batch_closed") == 1
    report = cli(config, "report", "daily", "--format", "json", "--no-verify")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["uncollected_cards"]["total"] == after["ready"]
    verified = cli(config, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
