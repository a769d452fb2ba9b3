"""The whole journey in a real terminal: `outlet-desk` runs under tmux on a fresh training outlet with the
real reader stack (pcscd + vpcd + `outlet-desk card emulate`); the test types as a clerk would and reads
each step's outcome from `tmux capture-pane`.

hotline agent: temporary loss -> clerk: formal loss, reissue with fee -> supervisor (CLI): the new card
arrives -> clerk: collection with the chip check and the PIN change. Both languages.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from outlet_desk.db.tables import Card, Person
from outlet_desk.i18n import Language, _, set_language
from tests.fixtures_pcsc import SETTLE_S, PcscDaemon, wait_empty
from tests.stored import first_stored

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NEW_CARD, NEW_CHIP = "C20261125", "110105D156000005C0FFEE0123456789"


def outlet_toml(language: Language, reader: str) -> str:
    text = (ROOT / "outlet.toml").read_text(encoding="utf-8")
    text = text.replace('language = "zh_CN"', f'language = "{language}"')
    return text.replace('reader_name = "Virtual PCD"', f'reader_name = "{reader}"')


class Terminal:
    """One tmux session running the desk; keys go in with a pause (a clerk's pace), the screen comes out."""

    def __init__(self, name: str, command: str) -> None:
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "32", command], check=True)

    def keys(self, *keys: str, pause: float = 0.35) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(pause)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)
        time.sleep(0.35)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True,
                              check=True).stdout

    def wait_for(self, *fragments: str, seconds: float = 20.0) -> str:
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if all(f in text.replace("\n", "") or f in text for f in fragments):
                return text
            time.sleep(0.2)
        raise AssertionError(f"never saw {fragments!r}; the screen was:\n{text}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def tmux() -> Iterator[Callable[[str, str], Terminal]]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing; scripts/setup.sh installs it")
        pytest.skip("tmux is not installed here; CI installs it")
    made: list[Terminal] = []

    def make(name: str, command: str) -> Terminal:
        made.append(Terminal(name, command))
        return made[-1]

    yield make
    for terminal in made:
        terminal.close()


def first(db: Path, sql: str) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(sql).fetchone()
    finally:
        conn.close()
    assert row is not None, sql
    return tuple(row)


def wait_until_open(term: Terminal) -> None:
    """The sign-in screen is up at once; the store opens behind it (the training hint shows when it is)."""
    term.wait_for(_("Sign in to the desk"), seconds=60)
    term.wait_for(_("Training outlet: sign in as {users}; the password is {example} for {user}, and so on.")
                  .split("{users}")[0], seconds=60)


def sign_in(term: Terminal, user: str) -> None:
    term.type(user)
    term.keys("Enter")
    term.type(f"training-{user}")
    term.keys("Enter", pause=1.5)


def identity_check(term: Terminal, number: str, name: str) -> None:
    term.wait_for(_("Identity check: {name}, {number}").format(name=name, number=number[:6] + "*" * 12))
    term.type(number)
    term.keys("Enter")
    term.type(name)
    term.keys("Enter")
    term.type("2035-06-30")
    term.keys("F8", "F9", pause=1.0)


def open_person(term: Terminal, number: str) -> None:
    term.keys("F2", pause=0.8)
    term.type(number)
    time.sleep(1.0)
    term.keys("Enter", pause=1.5)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_whole_journey_by_keyboard(pcscd: PcscDaemon, tmux: Callable[[str, str], Terminal], tmp_path: Path,
                                       language: Language) -> None:
    set_language(language)
    reader = pcscd.readers[1]
    config = tmp_path / "outlet.toml"
    config.write_text(outlet_toml(language, reader), encoding="utf-8")
    db = tmp_path / "data" / "outlet.db"
    desk_cmd = f"cd {ROOT} && {sys.executable} -m outlet_desk --config {config}; sleep 60"
    term = tmux(f"journey-{language}", desk_cmd)
    wait_until_open(term)
    not_only_active = select(Card.person_id).where(col(Card.status) != "active")
    number, name, phone, old_card = first_stored(
        config, select(Person.citizen_number, Person.name, Person.phone, Card.card_number)
        .join(Card, col(Card.person_id) == col(Person.id))
        .where(col(Card.status) == "active", col(Person.id).not_in(not_only_active)).order_by(col(Person.id)))
    assert isinstance(number, str) and isinstance(name, str) and isinstance(phone, str)

    # 1. The hotline agent takes the call: the card is suspended, the caller is told the lapse date.
    sign_in(term, "hotline1")
    term.keys("F6", pause=1.0)
    term.type(number)
    term.keys("Enter")
    term.type(name)
    term.keys("Enter")
    term.type(phone)
    term.keys("F9")
    term.wait_for(str(old_card), _("Temporary loss report (hotline)"))
    term.keys("Enter", "F12", pause=1.0)
    assert first(db, f"SELECT status FROM card WHERE card_number = '{old_card}'") == ("suspended",)

    # 2. The holder comes to the counter: the clerk makes the loss formal (F6 on the card).
    term.wait_for(_("Sign in to the desk"))
    sign_in(term, "clerk1")
    open_person(term, number)
    term.wait_for(str(old_card), _("Citizen number"))
    term.keys("F6", pause=1.0)
    identity_check(term, number, name)
    term.wait_for(_("The card is reported lost for good: it stays blocked, with all its functions, until a new card "
                    "is collected or the card is found and the report withdrawn.")[:20])
    term.keys("F9")
    term.wait_for(_("Loss report made formal"))
    term.keys("Enter", pause=1.0)
    assert first(db, f"SELECT status FROM card WHERE card_number = '{old_card}'") == ("lost",)

    # 3. The reissue, with the fee shown before anything is saved (F8 on the lost card).
    term.keys("F8", pause=1.0)
    identity_check(term, number, name)
    term.wait_for(_("Fee: {yuan} yuan (from the outlet's rules).").format(yuan="20.00"))
    term.keys("F9")
    term.wait_for(_("Reissue application"), "20.00")
    term.keys("Enter", pause=1.0)
    (request_id,) = first(db, "SELECT id FROM reissue_request WHERE status = 'in_production' ORDER BY id DESC")

    # 4. The new card arrives (a supervisor books it in on the command line).
    received = subprocess.run(
        [sys.executable, "-m", "outlet_desk", "--config", str(config), "stock", "receive", "--request",
         str(request_id), "--card-number", NEW_CARD, "--identification-code", NEW_CHIP, "--as", "super1"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "OUTLET_DESK_PASSWORD": "training-super1"},
        cwd=ROOT)
    assert received.returncode == 0, received.stderr

    # 5. Collection: the new card goes into the reader, the chip is compared, the holder changes the PIN.
    open_person(term, number)
    term.wait_for(NEW_CARD)
    term.keys("F9", pause=1.0)
    identity_check(term, number, name)
    term.wait_for(_("Step 1: put the new card {card} into the reader.").format(card=NEW_CARD)[:12])
    emulator = subprocess.Popen(
        [sys.executable, "-m", "outlet_desk", "--config", str(config), "card", "emulate", "--citizen", number,
         "--card", NEW_CARD, "--slot", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        term.wait_for(_("The chip matches the record."))
        term.type("123456")
        term.keys("Enter")
        term.type("802417")
        term.keys("Enter")
        term.type("802417")
        term.keys("Enter")
        term.wait_for(_("PIN changed on the chip. F9 hands the card over."))
        term.keys("F9")
        term.wait_for(_("New card collected and activated"), NEW_CARD)
        term.keys("Enter", pause=1.0)
    finally:
        emulator.send_signal(signal.SIGINT)
        try:
            emulator.wait(10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait(5)
        wait_empty(reader)
        time.sleep(SETTLE_S)
    assert first(db, f"SELECT status FROM card WHERE card_number = '{NEW_CARD}'") == ("active",)
    assert first(db, f"SELECT status FROM card WHERE card_number = '{old_card}'") == ("replaced",)
    audit = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(config), "audit", "verify"],
                           capture_output=True, text=True, timeout=60, cwd=ROOT,
                           env={**os.environ, "OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"})
    assert audit.returncode == 0, audit.stdout + audit.stderr
    set_language("en")
