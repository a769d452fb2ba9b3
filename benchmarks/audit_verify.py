"""The audit chain at scale (issue 17 item 8): the full verification of a million events, in-process and
through ``outlet-desk audit verify``, and the daily report's cost at two lengths of the chain, in one run.

An outlet's chain of ``--events`` events (realistic details: the collection's chip facts; 1,500 events a day)
is written straight into a fresh store with their correct MACs, then timed:

* **full** = ``audit.check_chain(full=True)``, what the day close does; the baselines: the bare HMAC-SHA256
  over the same canonical bytes (messages already in memory), and reading the same rows through the driver's
  cursor without doing anything with them.
* **audit verify** = the command in a new process, as an auditor runs it (start, sign in, verify every event,
  record the checkpoint), until it exits.
* **daily report** = ``report.daily_report`` of the head's day (its figures, and the chain verified since the
  previous day's checkpoint: the day's 1,500 events), on the chain cut to a tenth (at least 31 days, so that
  the report's 30-day trend is as full as on the whole chain, when there are that many) and on the whole
  chain: its cost must not grow with the chain before the checkpoint. Beside it, its quick verification alone and the
  same events recomputed by a plain loop.

Targets: full <= 5 s for 1,000,000 events (scaled for other sizes), in-process and through ``audit verify``;
the daily report at the whole chain <= 1.2x the report at a tenth. Each is printed met / not met; exit 0 when
all are met, 1 when one is not.

    .venv/bin/python benchmarks/audit_verify.py [--events 1000000] [--runs 3] [--backends sqlite,postgresql]
        [--write BENCHMARKS.md]
    .venv/bin/python benchmarks/audit_verify.py --quick   # 250,000 events (verified in ranges too), one run: a look
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.common import machine, write_section
from outlet_desk.config import parse_settings
from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import upgrade
from outlet_desk.services.audit import ChainReport, check_chain, record_checkpoint
from outlet_desk.services.audit.seal import canonical_json, seal_head
from outlet_desk.services.audit.store import read_links
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.passwords import hash_password
from outlet_desk.services.report import daily_report

OUTLET = "BV0001"
KEY = bytes.fromhex("5e" * 32)
QUICK = 1_500
QUICK_EVENTS = 250_000
TARGET_S, TARGET_GROWTH = 5.0, 1.2
TREND_DAYS = 30
"""The daily report's trend: the events of the last 30 days, counted per day."""
AUDITOR, PASSWORD = "audit1", "bench-auditor-password-1"
COLUMNS = ("outlet_code", "seq", "at", "operator_id", "action", "entity", "entity_id", "person_id", "before",
           "after", "prev_mac", "mac")
ACTIONS = ("identity_checked", "card_collected", "loss_reported_counter", "reissue_applied", "card_received")


def events(n: int) -> tuple[list[tuple[Any, ...]], list[bytes]]:
    """``n`` sealed events of one outlet (rows as stored) and their canonical bytes."""
    rows: list[tuple[Any, ...]] = []
    messages: list[bytes] = []
    prev = ""
    start = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)  # 08:00 at the outlet (Asia/Shanghai)
    for seq in range(1, n + 1):
        # A day = QUICK events, one every 30 s from 08:00: the daily report's day has as many events at every
        # length of the chain, so what it costs more on a longer chain is the chain's age alone.
        at = start + timedelta(days=(seq - 1) // QUICK, seconds=30 * ((seq - 1) % QUICK), microseconds=seq % 997)
        action = ACTIONS[seq % len(ACTIONS)]
        after = (f'{{"card_number":"A{60_000_000 + seq:08d}",'
                 f'"chip":{{"citizen_number":"110105********{seq % 10_000:04d}","name":"王*","gender":"male"}},'
                 f'"identity_check":{seq - 1},"presenter":"holder","status":"active",'
                 f'"version":{seq % 7}}}')
        before = '{"status":"ready","version":1}' if seq % 3 == 0 else ""
        fields = [OUTLET, seq, at.isoformat(timespec="microseconds"), 1 + seq % 4, action, "card", str(seq),
                  seq // 2, before, after, prev]
        message = canonical_json(fields).encode("utf-8")
        mac = hmac.digest(KEY, message, "sha256").hex()
        rows.append((OUTLET, seq, at, 1 + seq % 4, action, "card", str(seq), seq // 2, before, after, prev, mac))
        messages.append(message)
        prev = mac
    return rows, messages


def load(url: str, rows: list[tuple[Any, ...]]) -> None:
    """The events into a migrated store, with the outlet, its operators and its sealed head."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO outlet (code, name, division_code) VALUES ('BV0001', 'Bench', '110105')")
        for i in range(1, 5):
            conn.exec_driver_sql(
                "INSERT INTO operator (id, outlet_code, username, display_name, role, password_hash, created_at, "
                "failed_logins, active) "
                f"VALUES ({i}, 'BV0001', 'clerk{i}', 'Clerk {i}', 'clerk', '-', '2025-01-01 00:00:00', 0, TRUE)")
        # The auditor who runs ``outlet-desk audit verify`` (a real password hash: the command signs in).
        conn.execute(text(
            "INSERT INTO operator (id, outlet_code, username, display_name, role, password_hash, created_at, "
            "failed_logins, active) VALUES (5, 'BV0001', :user, 'Auditor', 'auditor', :hash, "
            "'2025-01-01 00:00:00', 0, TRUE)"), {"user": AUDITOR, "hash": hash_password(PASSWORD)})
        for i in range(1, 6):
            conn.exec_driver_sql(f"INSERT INTO operator_outlet (operator_id, outlet_code) VALUES ({i}, 'BV0001')")
        dbapi: Any = conn.connection.dbapi_connection
        cur = dbapi.cursor()
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" * len(COLUMNS))
            cur.executemany(f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({marks})",
                            [(*r[:2], r[2].strftime("%Y-%m-%d %H:%M:%S.%f"), *r[3:]) for r in rows])
        else:
            with cur.copy(f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        seq, mac = rows[-1][1], rows[-1][-1]
        key_id = hmac.digest(KEY, b"outlet-desk audit key id", "sha256").hex()[:16]
        cur.execute("INSERT INTO audit_head (outlet_code, seq, mac, key_id, seal) VALUES "
                    + ("(?, ?, ?, ?, ?)" if engine.dialect.name == "sqlite" else "(%s, %s, %s, %s, %s)"),
                    (OUTLET, seq, mac, key_id, seal_head(KEY, OUTLET, seq, mac, key_id)))
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """The median of ``runs`` timings (seconds) and the last result."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bare_hmac(messages: list[bytes]) -> int:
    digest, n = hmac.digest, 0
    for m in messages:
        n += len(digest(KEY, m, "sha256"))
    return n


def bare_read(engine: Any) -> int:
    with engine.connect() as conn:
        dbapi: Any = conn.connection.dbapi_connection
        cur = dbapi.cursor(name="bare") if engine.dialect.name != "sqlite" else dbapi.cursor()
        cur.execute("SELECT id, outlet_code, seq, at, operator_id, action, entity, entity_id, person_id, before, "
                    "after, prev_mac, mac FROM audit_event WHERE outlet_code = 'BV0001' ORDER BY seq, id")
        n = 0
        while batch := cur.fetchmany(5000):
            n += len(batch)
        cur.close()
        conn.rollback()
        return n


def cut_chain(url: str, rows: list[tuple[Any, ...]], upto: int) -> int:
    """The chain cut to ``upto`` events (the head moved there), with a checkpoint :data:`QUICK` events before the
    head (a day's work, as the previous day's close leaves it): the checkpoint's sequence number."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_event WHERE seq > {upto}")
        conn.exec_driver_sql("DELETE FROM audit_checkpoint")
        seq, mac = rows[upto - 1][1], rows[upto - 1][-1]
        key_id = hmac.digest(KEY, b"outlet-desk audit key id", "sha256").hex()[:16]
        conn.exec_driver_sql(f"UPDATE audit_head SET seq = {seq}, mac = '{mac}', "
                             f"seal = '{seal_head(KEY, OUTLET, seq, mac, key_id)}'")
    cp_seq = upto - QUICK
    record_checkpoint(engine, KEY, ChainReport(OUTLET, cp_seq, True, last_seq=cp_seq, last_mac=rows[cp_seq - 1][-1]),
                      at=datetime.now(UTC))
    engine.dispose()
    return cp_seq


@dataclass(frozen=True)
class Quick:
    """At one chain length: the daily report, its quick verification alone, and the plain loop (median s)."""

    events: int
    report_s: float
    quick_s: float
    plain_s: float


def quick_at(url: str, folder: Path, rows: list[tuple[Any, ...]], upto: int, runs: int) -> Quick:
    """The daily report of the head's day on a chain of ``upto`` events, with a checkpoint :data:`QUICK` events
    before its head; the quick verification alone (``check_chain(full=False)``, the report's share); the plain
    loop over those events."""
    cp_seq = cut_chain(url, rows, upto)
    desk = desk_of(folder)
    # ``audit verify`` left its checkpoint in the witness file, which would (rightly) name the cut chain as cut.
    desk.settings.audit_witness_path().unlink(missing_ok=True)
    engine = desk.engine
    day = rows[upto - 1][2].astimezone(desk.tz).date()
    daily_report(desk, day)  # warm-up
    check_chain(engine, KEY, OUTLET, full=False)

    def plain() -> int:
        with engine.connect() as conn:
            n = 0
            prev = rows[cp_seq - 1][-1]
            for link in read_links(conn, OUTLET, cp_seq, QUICK):
                assert link.prev_mac == prev and hmac.compare_digest(
                    hmac.digest(KEY, link.message, "sha256").hex(), link.mac)
                prev = link.mac
                n += 1
            return n

    report_s, daily = timed(lambda: daily_report(desk, day), runs)
    assert daily.chain is not None and daily.chain.intact and daily.chain.events_checked == QUICK, daily.chain
    quick_s, report = timed(lambda: check_chain(engine, KEY, OUTLET, full=False), runs)
    assert report.intact and report.events_checked == QUICK, report.message()
    plain_s, n = timed(plain, runs)
    assert n == QUICK
    engine.dispose()
    return Quick(upto, report_s, quick_s, plain_s)


def desk_folder(tmp: Path, url: str) -> Path:
    """The outlet's folder (``outlet.toml``, the audit key file) the daily report and ``audit verify`` open."""
    folder = tmp / "outlet"
    folder.mkdir()
    key_file = folder / "audit.key"
    key_file.write_text(KEY.hex() + "\n")
    key_file.chmod(0o600)
    (folder / "outlet.toml").write_text(
        f'[outlet]\ncode = "{OUTLET}"\nname = "Bench"\ndivision_code = "110105"\nlanguage = "en"\n'
        f'[database]\nurl = "{url}"\n[audit]\nkey_file = "{key_file}"\n')
    return folder


def desk_of(folder: Path) -> Desk:
    path = folder / "outlet.toml"
    return open_desk(parse_settings(path.read_text(), path))


def through_cli(folder: Path, n: int) -> float:
    """``outlet-desk audit verify`` as the auditor types it (a new process: start, sign in, verify every event,
    record the checkpoint): the seconds until it exits, which must be 0 with the whole chain checked.

    Python may write its bytecode cache here (``PYTHONDONTWRITEBYTECODE`` dropped), and :func:`run_backend`
    runs the command once untimed first: a desk that has run before starts from that cache; without it (a venv
    installed by uv compiles nothing) every start recompiles every module it imports, seconds of the figure
    that are not the verification's."""
    env = {**os.environ, "OUTLET_DESK_USER": AUDITOR, "OUTLET_DESK_PASSWORD": PASSWORD, "COLUMNS": "200"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(folder / "outlet.toml"), "audit",
                           "verify", "--json"], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    found = json.loads(proc.stdout)
    assert found["intact"] and found["full"] and found["events_checked"] > n, found
    return elapsed


@dataclass(frozen=True)
class Result:
    backend: str
    events: int
    full_s: float
    cli_s: float
    hmac_s: float
    read_s: float
    tenth: Quick
    whole: Quick

    @property
    def full_target(self) -> float:
        """5 s per million events (scaled down for the smaller runs)."""
        return TARGET_S * self.events / 1_000_000

    @property
    def growth(self) -> float:
        return self.whole.report_s / self.tenth.report_s

    def line(self) -> str:
        return (f"| {self.backend} | {self.events:,} | {self.full_s:.2f} s | {self.cli_s:.2f} s | {self.hmac_s:.2f} s "
                f"| {self.read_s:.2f} s | {self.full_s / (self.hmac_s + self.read_s):.2f}x "
                f"| {self.tenth.events:,}: {self.tenth.report_s * 1000:.1f} ms "
                f"({self.tenth.quick_s * 1000:.1f} / {self.tenth.plain_s * 1000:.1f}) "
                f"| {self.whole.events:,}: {self.whole.report_s * 1000:.1f} ms "
                f"({self.whole.quick_s * 1000:.1f} / {self.whole.plain_s * 1000:.1f}) | {self.growth:.2f}x |")

    def verdicts(self) -> list[str]:
        def met(ok: bool) -> str:
            return "met" if ok else "not met"

        return [
            f"{self.backend}: full verify of {self.events:,} events in-process {self.full_s:.2f} s "
            f"(<= {self.full_target:.2f} s): {met(self.full_s <= self.full_target)}",
            f"{self.backend}: full verify of {self.events:,} events through `outlet-desk audit verify` "
            f"{self.cli_s:.2f} s, of which about {max(0.0, self.cli_s - self.full_s):.2f} s not the verification "
            f"(start, sign-in, checkpoint) (<= {self.full_target:.2f} s): {met(self.cli_s <= self.full_target)}",
            f"{self.backend}: the daily report at {self.whole.events:,} events {self.whole.report_s * 1000:.1f} ms, "
            f"at {self.tenth.events:,} {self.tenth.report_s * 1000:.1f} ms: {self.growth:.2f}x "
            f"(<= {TARGET_GROWTH}x, not growing with the chain): {met(self.growth <= TARGET_GROWTH)}",
        ]


def run_backend(backend: str, tmp: Path, rows: list[tuple[Any, ...]], messages: list[bytes], runs: int) -> Result:
    cluster = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'verify.db'}"
    else:
        from tests.pgcluster import start_cluster

        cluster = start_cluster(for_tests=False)
        url = cluster.create_database("verify")
    try:
        t0 = time.perf_counter()
        load(url, rows)
        print(f"{backend}: loaded {len(rows):,} events in {time.perf_counter() - t0:.1f} s", flush=True)
        (tmp / backend).mkdir()
        folder = desk_folder(tmp / backend, url)
        engine = make_engine(url)
        full_s, report = timed(lambda: check_chain(engine, KEY, OUTLET, full=True), runs)
        assert report.intact and report.events_checked == len(rows), report.message()
        hmac_s, _ = timed(lambda: bare_hmac(messages), runs)
        read_s, n = timed(lambda: bare_read(engine), runs)
        assert n == len(rows)
        engine.dispose()
        through_cli(folder, len(rows))  # the warm-up: the bytecode cache written, as on a desk that ran before
        cli_s, _ = timed(lambda: through_cli(folder, len(rows)), runs)
        # Cut at the end of a day (the checkpoint of the day before, the report of the head's whole day); the short
        # chain keeps the report's 30-day trend full when the chain is long enough for that, so that the two
        # reports differ in the chain's age only.
        days = len(rows) // QUICK
        whole = quick_at(url, folder, rows, days * QUICK, runs)
        tenth = quick_at(url, folder, rows, max(2, days // 10, min(TREND_DAYS + 1, days - 1)) * QUICK, runs)
        return Result(backend, len(rows), full_s, cli_s, hmac_s, read_s, tenth, whole)
    finally:
        if cluster is not None:
            cluster.stop()


HEADER = ("| backend | events | full verify (in-process) | `audit verify` | bare HMAC | bare read "
          "| full / (HMAC + read) | daily report at a tenth (quick verify / plain loop, ms) "
          "| daily report at the whole chain (quick verify / plain loop, ms) | whole / tenth |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=None, help="events in the chain (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=None, help="timings per figure, the median kept (default 3)")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_EVENTS:,} events, one run (a look, not the figures)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--write", type=Path, help="update the '## Audit at scale' section of this Markdown file")
    args = ap.parse_args()
    events_n = args.events or (QUICK_EVENTS if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 3)
    if events_n < 3 * QUICK:
        print(f"--events must be at least {3 * QUICK:,} (the daily report's day is {QUICK:,} events).",
              file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    rows, messages = events(events_n)
    print(f"generated {len(rows):,} sealed events in {time.perf_counter() - t0:.1f} s", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="outlet-audit-verify-") as tmp:
        for backend in args.backends.split(","):
            results.append(run_backend(backend.strip(), Path(tmp), rows, messages, runs))
            print(HEADER.splitlines()[0] + "\n" + results[-1].line(), flush=True)
    load_after = os.getloadavg()
    table = "\n".join([HEADER, *(r.line() for r in results)])
    verdicts = [v for r in results for v in r.verdicts()]
    loads = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    print(table)
    print("\n".join(f"- {v}" for v in verdicts))
    print(loads)
    if args.write:
        body = (f"## Audit at scale\n\n`benchmarks/audit_verify.py --events {events_n}` (median of {runs}), "
                f"{time.strftime('%Y-%m-%d')}, on {machine()}; {loads}.\n"
                "Full verify = `audit.check_chain(full=True)` (the day close); `audit verify` = the command in a new "
                "process, as an auditor runs it (start, sign in, verify, record the checkpoint; after one untimed "
                "run that left Python's bytecode cache, as a desk that ran before has it); bare HMAC = "
                "HMAC-SHA256 over the same canonical bytes already in memory; bare read = the same rows through the "
                "driver's cursor, nothing done with them. Daily report = `report.daily_report` of the head's day "
                f"(figures and the chain verified since a checkpoint {QUICK:,} events before the head), on a chain of "
                "a tenth of the events and on the whole; in brackets its quick verification alone and the same "
                "events recomputed by a hand-written loop.\n\n" + table + "\n\n"
                + "\n".join(f"- {v}" for v in verdicts) + "\n")
        write_section(args.write, "## Audit at scale", body)
    return 0 if all(v.endswith(": met") for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
