"""Reader benchmark on the real PC/SC stack (pcscd + vpcd + our emulator).

Measures, in one run:

* the full chip read (SELECT + 14 READ RECORDs, decoded into CardData) through the app's reader layer
  (``PcscCardReader.read_card``: worker thread, connect, APDUs, disconnect), n >= 200;
* the same APDUs with raw pyscard (``smartcard.System.readers()[0].createConnection()``, connect,
  transmit each, disconnect), n >= 200, interleaved with the app's reads. The raw side connects as the
  app does (shared mode, T=0 or T=1) and disconnects as it does after a read, with SCARD_LEAVE_CARD
  (pyscard's default, SCARD_UNPOWER_CARD, would power the card down after each raw read and make the next
  read, app or raw, power it up again: other work than the app's);
* insertion to CardData through the supervisor (emulator connects -> ``CardRead`` event), n >= 30.

Prints p50/p95/p99 and the app/raw ratio, checks the targets (full read p95 <= 15 ms; full read <= 1.3x
raw at p50 and at p95; insertion to data p95 <= 0.5 s) and, unless ``--smoke``, writes the "## Reader" section of
BENCHMARKS.md. Starts pcscd if none is running (and stops only that one, by PID).

    .venv/bin/python benchmarks/reader.py            # full run, updates BENCHMARKS.md
    .venv/bin/python benchmarks/reader.py --smoke    # n=20, 3 insertions, for CI

It takes the PC/SC lock of the test suite (``outlet-desk-pcsc-tests.lock``) so that it never shares pcscd's
two slots with a test session; ``--lock-held`` is for a caller that holds that lock already (the smoke
test, through its ``pcscd`` fixture).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import platform
import queue
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartcard import scard  # noqa: E402
from smartcard.CardConnection import CardConnection  # noqa: E402
from smartcard.System import readers as pyscard_readers  # noqa: E402

from outlet_desk.reader import apdu  # noqa: E402
from outlet_desk.reader.events import CardRead, CardRemoved, ReaderEvent  # noqa: E402
from outlet_desk.reader.pcsc_reader import PcscCardReader  # noqa: E402
from outlet_desk.reader.profile import RECORDS  # noqa: E402
from outlet_desk.reader.supervisor import ReaderSupervisor  # noqa: E402
from outlet_desk.reader.virtual_card import VirtualCard, sample_card_data  # noqa: E402
from outlet_desk.reader.vpcd_link import VpcdLink  # noqa: E402

PCSCD = "/usr/sbin/pcscd"
LOCK_FILE = Path(tempfile.gettempdir()) / "outlet-desk-pcsc-tests.lock"  # shared with the test fixtures
SETTLE_S = 0.45
TARGET_READ_MS = 15.0
TARGET_RATIO = 1.3
TARGET_INSERT_P95_S = 0.5


def virtual_readers() -> list[str]:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return []
    try:
        hresult, names = scard.SCardListReaders(context, [])
        return sorted(n for n in names if n.startswith("Virtual PCD")) if hresult == 0 else []
    finally:
        scard.SCardReleaseContext(context)


def presence(reader: str) -> tuple[bool, bytes]:
    _hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        hresult, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if hresult != scard.SCARD_S_SUCCESS:
            return False, b""
        _name, event, atr = states[0]
        present = bool(event & scard.SCARD_STATE_PRESENT)
        return present, bytes(atr) if present else b""
    finally:
        scard.SCardReleaseContext(context)


def wait_for(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.005)
    raise SystemExit(f"timed out after {timeout} s waiting for {check}")


@contextlib.contextmanager
def pcscd_running() -> Iterator[bool]:
    """Reuse a running pcscd, or start one and stop it (by PID) afterwards. Yields: started by us."""
    if len(virtual_readers()) >= 2:
        yield False
        return
    process = subprocess.Popen([PCSCD, "--foreground"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: len(virtual_readers()) >= 2, 5.0)
        yield True
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(5)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def bench_reads(reader: str, n: int) -> tuple[list[float], list[float]]:
    """Interleaved: app read, raw read, ... (seconds each)."""
    app = PcscCardReader()
    commands = [list(apdu.select_application())] + [list(apdu.read_record(r.sfi, r.number)) for r in RECORDS]
    pyscard_reader = next(r for r in pyscard_readers() if str(r) == reader)
    connection = pyscard_reader.createConnection()

    def raw_read() -> None:
        # as PcscCardReader.read_card: shared, T=0|T=1, and the card left powered on disconnect
        connection.connect(CardConnection.T0_protocol | CardConnection.T1_protocol, scard.SCARD_SHARE_SHARED,
                           scard.SCARD_LEAVE_CARD)
        try:
            for command in commands:
                _data, sw1, sw2 = connection.transmit(command)
                if (sw1, sw2) != (0x90, 0x00):
                    raise SystemExit(f"raw read failed: {sw1:02X}{sw2:02X}")
        finally:
            connection.disconnect()

    expected = sample_card_data()
    for _ in range(10):  # warm-up: threads, contexts, pcscd caches
        assert app.read_card(reader) == expected
        raw_read()
    app_times: list[float] = []
    raw_times: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        data = app.read_card(reader)
        app_times.append(time.perf_counter() - t0)
        assert data == expected
        t0 = time.perf_counter()
        raw_read()
        raw_times.append(time.perf_counter() - t0)
    app.close()
    return app_times, raw_times


def bench_insertions(reader: str, n: int) -> list[float]:
    """Emulator connects -> supervisor's CardRead for it (seconds each)."""
    events: queue.SimpleQueue[tuple[float, ReaderEvent]] = queue.SimpleQueue()
    transport = PcscCardReader()
    supervisor = ReaderSupervisor(transport, lambda e: events.put((time.perf_counter(), e)))
    supervisor.start()
    latencies: list[float] = []

    def next_event(kind: type, timeout: float = 3.0) -> float:
        deadline = time.monotonic() + timeout
        while True:
            stamp, event = events.get(timeout=max(0.01, deadline - time.monotonic()))
            if isinstance(event, kind) and getattr(event, "reader", None) == reader:
                return stamp

    try:
        for _ in range(n):
            card = VirtualCard(sample_card_data())
            link = VpcdLink(card, 1)
            t0 = time.perf_counter()
            link.insert()
            latencies.append(next_event(CardRead) - t0)
            link.remove()
            next_event(CardRemoved)
            wait_for(lambda: not presence(reader)[0], 3.0)
            # settle, plus a random phase against pcscd's 0.4 s presence poll (else every insertion
            # would land at the same point of the poll cycle and the figures would be biased)
            time.sleep(SETTLE_S + random.uniform(0.0, 0.4))
    finally:
        supervisor.stop()
        transport.close()
    return latencies


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = match.group(1) if match else cpu
    pcscd_version = subprocess.run([PCSCD, "--version"], capture_output=True, text=True).stdout
    version = re.search(r"version ([\d.]+?)\.?$", pcscd_version, re.MULTILINE)
    from importlib.metadata import version as package_version

    return {
        "load": f"{os.getloadavg()[0]:.2f}",
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "pcscd": version.group(1) if version else "unknown",
        "pyscard": package_version("pyscard"),
    }


def write_section(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Reader\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    found = pattern.search(current) is not None
    text = text.rstrip("\n") + "\n\n"  # a blank line before the next section
    path.write_text(pattern.sub(lambda _m: text, current) if found else current.rstrip("\n") + "\n\n" + text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="n=20 reads, 3 insertions; no BENCHMARKS.md")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--insertions", type=int, default=30)
    parser.add_argument("--lock-held", action="store_true",
                        help="the caller holds the PC/SC test lock already (the test suite's pcscd fixture)")
    args = parser.parse_args()
    n_reads, n_inserts = (20, 3) if args.smoke else (max(200, args.reads), max(30, args.insertions))
    if not Path(PCSCD).exists() or not Path("/etc/reader.conf.d/vpcd").exists():
        print("PC/SC stack missing: apt-get install pcscd vsmartcard-vpcd", file=sys.stderr)
        return 2
    load_before = f"{os.getloadavg()[0]:.2f}"
    with LOCK_FILE.open("w") as lock:
        if not args.lock_held:
            fcntl.flock(lock, fcntl.LOCK_EX)
        with pcscd_running() as started:
            readers = virtual_readers()
            for name in readers[:2]:
                if presence(name)[0]:
                    print(f"{name} already holds a card (another emulator?); pull it first", file=sys.stderr)
                    return 2
            card = VirtualCard(sample_card_data())
            link = VpcdLink(card, 0)
            link.insert()
            try:
                wait_for(lambda: presence(readers[0]) == (True, card.atr), 3.0)
                app_times, raw_times = bench_reads(readers[0], n_reads)
            finally:
                link.remove()
            insert_times = bench_insertions(readers[1], n_inserts)
    app = percentiles(app_times)
    raw = percentiles(raw_times)
    ins = percentiles(insert_times)
    print("insertion samples (ms):", " ".join(f"{t * 1e3:.0f}" for t in insert_times))
    ratio = tuple(a / r for a, r in zip(app, raw, strict=True))
    info = machine()
    rows = [
        ("full read, app (PcscCardReader.read_card)", n_reads, *(f"{v * 1e3:.2f} ms" for v in app)),
        ("full read, raw pyscard (same 15 APDUs)", n_reads, *(f"{v * 1e3:.2f} ms" for v in raw)),
        ("ratio app / raw", n_reads, *(f"{v:.2f}x" for v in ratio)),
        ("insertion -> CardData (supervisor)", n_inserts, *(f"{v * 1e3:.0f} ms" for v in ins)),
    ]
    header = "| measure | n | p50 | p95 | p99 |\n|---|---|---|---|---|\n"
    table = header + "".join(f"| {name} | {n} | {p50} | {p95} | {p99} |\n" for name, n, p50, p95, p99 in rows)
    checks = {
        f"full read p95 <= {TARGET_READ_MS} ms": app[1] * 1e3 <= TARGET_READ_MS,
        f"full read p50 <= {TARGET_RATIO}x raw": ratio[0] <= TARGET_RATIO,
        f"full read p95 <= {TARGET_RATIO}x raw": ratio[1] <= TARGET_RATIO,
        f"insertion to data p95 <= {TARGET_INSERT_P95_S} s": ins[1] <= TARGET_INSERT_P95_S,
    }
    verdict = "".join(f"- {'met' if ok else 'MISSED'}: {name}\n" for name, ok in checks.items())
    print(table)
    print(verdict)
    if not args.smoke:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_section(
            "## Reader\n\n"
            f"`.venv/bin/python benchmarks/reader.py`, {stamp}. Machine: {info['nproc']} CPUs "
            f"({info['cpu']}), Python {info['python']}, pcscd {info['pcscd']}"
            f"{' (started by the benchmark)' if started else ' (already running)'}, pyscard {info['pyscard']}, "
            "vpcd emulator in-process (TCP_QUICKACK re-armed per message); load average "
            f"{load_before} before the run, {info['load']} after it (other processes busy on the CPUs move "
            "the p95 and p99 figures of both sides, and their ratio, much more than the p50).\n\n"
            "A full read is SELECT + the 14 records of EF05/EF06 by number, connect and disconnect included, "
            "app and raw interleaved in one run; both connect shared with T=0|T=1 and disconnect with "
            "SCARD_LEAVE_CARD (the app's disposition after a read), so the raw side does the same PC/SC work "
            "and the app's extra is its worker thread, status-word checks and decoding into CardData. "
            "Insertion latency is dominated by pcscd polling vpcd's "
            "presence every ~0.4 s (uniform 0-0.4 s), then the read.\n\n"
            + table + "\nTargets:\n\n" + verdict
        )
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
