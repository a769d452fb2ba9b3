"""pytest plugin: the real PC/SC stack (pcscd + vpcd) with virtual cards, for tests marked ``pcsc``.

Fixtures (see /work/shared/pcsc-recipe.md, section 7):

``pcscd`` (session)
    A :class:`PcscDaemon`: reuses a running pcscd that lists ``Virtual PCD`` readers, else starts
    ``/usr/sbin/pcscd --foreground`` and stops only that process (by its PID) at the end. ``readers``
    are the two slot names; ``stop()``/``start()``/``kill()`` work only on a daemon this session started.
    ``kill(SIGKILL)`` is the crash case: ``pcscd.comm`` and ``pcscd.pid`` stay behind, and ``start()``
    removes them (only when the PID they name is dead) before starting again. Skips
    when pcscd or the vpcd driver is not installed, but fails when ``CI`` is set. A lock file serialises
    test sessions of this machine, which share the one pcscd and its two slots.
``resident_card`` (function; the link is session-wide)
    An :class:`InsertedCard` on slot 0 whose chip state is swapped for a freshly personalised one before
    each test (PIN 123456, 3 tries, :func:`sample_card_data`). Costs milliseconds. Use it by default.
``empty_slots`` (function)
    The :class:`PcscDaemon` with both slots empty and settled, for a program that puts its own cards in
    (the benchmark's smoke run): the resident card is pulled, and the next ``resident_card`` puts it back.
``fresh_card`` (function)
    A :class:`FreshSlot` on slot 1 for insertion/removal/dying-card tests: ``insert()``, ``remove()``.
    Teardown removes the card, waits until the reader is empty plus 0.45 s (pcscd's presence poll),
    and checks that the emulator thread ended. About a second per test: keep these few.

Every virtual card here gives up a hang after ``CARD_MAX_HANG_S`` (a watchdog), and teardowns release
hangs before removing cards.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PCSCD = Path("/usr/sbin/pcscd")
PCSCD_RUN = Path("/run/pcscd")
PCSCD_SOCKET = PCSCD_RUN / "pcscd.comm"
PCSCD_PID_FILE = PCSCD_RUN / "pcscd.pid"
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
VIRTUAL_READER_PREFIX = "Virtual PCD"
LOCK_FILE = Path(tempfile.gettempdir()) / "outlet-desk-pcsc-tests.lock"
CARD_MAX_HANG_S = 5.0
SETTLE_S = 0.45
PRESENCE_TIMEOUT_S = 3.0
LOCK_TIMEOUT_S = 180.0


def _gate() -> None:
    missing = [str(p) for p in (PCSCD, VPCD_CONF) if not p.exists()]
    try:
        import smartcard.scard  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pyscard is a dependency
        missing.append(f"pyscard ({exc})")
    if missing:
        reason = "PC/SC stack missing: " + ", ".join(missing) + " (apt-get install pcscd vsmartcard-vpcd)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run the reader tests", pytrace=False)
        pytest.skip(reason)


def virtual_readers() -> list[str]:
    """The ``Virtual PCD`` readers pcscd lists now ([] when pcscd is down)."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return []
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult != scard.SCARD_S_SUCCESS:
            return []
        return sorted(r for r in readers if r.startswith(VIRTUAL_READER_PREFIX))
    finally:
        scard.SCardReleaseContext(context)


def reader_presence(reader: str) -> tuple[bool, bytes] | None:
    """(present, ATR) of ``reader`` now, or None when pcscd or the reader is not there."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if hresult != scard.SCARD_S_SUCCESS:
            return None
        _name, event, atr = states[0]
        present = bool(event & scard.SCARD_STATE_PRESENT)
        return present, bytes(atr) if present else b""
    finally:
        scard.SCardReleaseContext(context)


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def wait_present(reader: str, atr: bytes, timeout: float = PRESENCE_TIMEOUT_S) -> None:
    """Until ``reader`` shows a card with exactly this ATR (our own emulator, by its nonce)."""
    if not wait_until(lambda: reader_presence(reader) == (True, atr), timeout):
        raise AssertionError(f"{reader}: card with ATR {atr.hex()} not present after {timeout} s "
                             f"(now {reader_presence(reader)})")


def wait_empty(reader: str, timeout: float = PRESENCE_TIMEOUT_S) -> None:
    if not wait_until(lambda: (reader_presence(reader) or (False, b""))[0] is False, timeout):
        raise AssertionError(f"{reader}: still shows a card after {timeout} s")


def _try_lock(lock: Any) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@dataclass
class PcscDaemon:
    readers: tuple[str, ...]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    owned: bool = False

    def start(self) -> None:
        """Start our own pcscd and wait until it lists the vpcd readers."""
        if not self.owned:
            pytest.skip("this pcscd was not started by the test session; it must not be restarted")
        if self.process is not None and self.process.poll() is None:
            return
        self._remove_stale_files()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(PCSCD), "--foreground"], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            readers = virtual_readers()
            if len(readers) >= 2:
                self.readers = tuple(readers)
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"pcscd exited with {self.process.returncode}; log {self.log_path}: "
                                   + self.log_path.read_text(errors="replace")[-500:])
            time.sleep(0.01)
        raise RuntimeError("pcscd did not list the Virtual PCD readers within 5 s")

    def stop(self) -> None:
        """SIGTERM our own pcscd (by PID), wait for it; SIGKILL if it does not exit."""
        self.kill(signal.SIGTERM)

    def kill(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Send ``sig`` to our own pcscd (by PID) and reap it; SIGKILL if it does not exit within 5 s.
        After SIGKILL (a crash) its socket and PID file stay in /run/pcscd until :meth:`start`."""
        if not self.owned:
            pytest.skip("this pcscd was not started by the test session; it must not be stopped")
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def _remove_stale_files(self) -> None:
        """Recipe section 3: a killed pcscd leaves pcscd.comm and pcscd.pid behind. Remove them, but only
        when the PID file names a process that is gone (never the files of a live pcscd)."""
        try:
            pid = int(PCSCD_PID_FILE.read_text().strip() or "0")
        except (OSError, ValueError):
            pid = 0
        if pid <= 0:
            return
        try:
            os.kill(pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            for stale in (PCSCD_SOCKET, PCSCD_PID_FILE):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
        except PermissionError:
            pass  # alive, another user's: not stale; a second pcscd would refuse to start and say so


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscDaemon]:
    _gate()
    lock = LOCK_FILE.open("w")
    if not wait_until(lambda: _try_lock(lock), LOCK_TIMEOUT_S, step=0.1):
        lock.close()
        pytest.fail(f"another test session has held {LOCK_FILE} for {LOCK_TIMEOUT_S} s", pytrace=False)
    log_path = tmp_path_factory.mktemp("pcscd") / "pcscd.log"
    daemon = PcscDaemon(tuple(virtual_readers()), log_path)
    try:
        if len(daemon.readers) < 2:
            daemon.owned = True
            daemon.start()
        yield daemon
    finally:
        if daemon.owned:
            daemon.stop()
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@dataclass
class InsertedCard:
    """A virtual card in a vpcd slot."""

    card: Any  # VirtualCard (imported lazily so that collection works without pyscard)
    link: Any  # VpcdLink
    reader: str

    def swap(self, state: Any) -> None:
        self.card.swap_state(state)


def _new_card(data: Any = None, **kwargs: Any) -> Any:
    from outlet_desk.reader.virtual_card import VirtualCard

    return VirtualCard(data, max_hang_s=CARD_MAX_HANG_S, **kwargs)


@dataclass
class _ResidentHolder:
    daemon: PcscDaemon
    inserted: InsertedCard | None = None

    def ensure(self) -> InsertedCard:
        from outlet_desk.reader.virtual_card import sample_card_data
        from outlet_desk.reader.vpcd_link import VpcdLink

        reader = self.daemon.readers[0]
        if self.inserted is not None and not self.inserted.link.running:
            self.inserted = None  # a test let it die: settle before the next card takes the slot
            wait_empty(reader)
            time.sleep(SETTLE_S)
        if self.inserted is None:
            card = _new_card(sample_card_data())
            link = VpcdLink(card, 0, reconnect=True)
            link.insert()
            self.inserted = InsertedCard(card, link, reader)
        wait_present(reader, self.inserted.card.atr)
        return self.inserted


@pytest.fixture(scope="session")
def _resident(pcscd: PcscDaemon) -> Iterator[_ResidentHolder]:
    holder = _ResidentHolder(pcscd)
    try:
        yield holder
    finally:
        if holder.inserted is not None:
            holder.inserted.link.remove()


@pytest.fixture
def resident_card(_resident: _ResidentHolder) -> Iterator[InsertedCard]:
    """Slot 0, a freshly personalised chip state per test (the emulator and its ATR stay)."""
    from outlet_desk.reader.virtual_card import VirtualCard, sample_card_data

    inserted = _resident.ensure()
    inserted.swap(VirtualCard.make_state(sample_card_data()))
    try:
        yield inserted
    finally:
        inserted.card.release()  # watchdog: no test leaves the resident card hanging


@pytest.fixture
def empty_slots(pcscd: PcscDaemon, _resident: _ResidentHolder) -> Iterator[PcscDaemon]:
    if _resident.inserted is not None:
        _resident.inserted.link.remove()
        _resident.inserted = None

    def settle() -> None:
        for reader in pcscd.readers:
            wait_empty(reader)
        time.sleep(SETTLE_S)

    settle()
    try:
        yield pcscd
    finally:
        settle()  # the program's cards are out before the next test inserts one (gotcha 2)


@dataclass
class FreshSlot:
    """Slot 1, for tests about insertion, removal and dying cards."""

    reader: str
    inserted: list[InsertedCard] = field(default_factory=list)

    @property
    def card(self) -> Any:
        return self.inserted[-1].card if self.inserted else None

    def insert(self, card: Any = None, *, wait: bool = True) -> Any:
        """Insert ``card`` (default: a personalised sample card); wait until pcscd shows its ATR."""
        from outlet_desk.reader.virtual_card import sample_card_data
        from outlet_desk.reader.vpcd_link import VpcdLink

        card = card if card is not None else _new_card(sample_card_data())
        link = VpcdLink(card, 1)
        link.insert()
        self.inserted.append(InsertedCard(card, link, self.reader))
        if wait:
            wait_present(self.reader, card.atr)
        return card

    def remove(self, *, settle: bool = True) -> None:
        """Pull the card; with ``settle``, wait until empty plus one presence poll before returning."""
        for inserted in self.inserted:
            inserted.card.release()
            inserted.link.remove()
        if settle:
            wait_empty(self.reader)
            time.sleep(SETTLE_S)

    def threads_ended(self) -> bool:
        return all(not i.link.running for i in self.inserted)


@pytest.fixture
def fresh_card(pcscd: PcscDaemon) -> Iterator[FreshSlot]:
    slot = FreshSlot(pcscd.readers[1])
    present = reader_presence(slot.reader)
    if present is not None and present[0]:  # a leftover from a crashed run holds the slot
        wait_empty(slot.reader)
        time.sleep(SETTLE_S)
    try:
        yield slot
    finally:
        with contextlib.suppress(AssertionError):
            slot.remove(settle=True)
        assert slot.threads_ended(), "an emulator thread outlived its test"
