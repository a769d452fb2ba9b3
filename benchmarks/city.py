"""City scale benchmark (issue 17 item 7): one city's persons, cards and outlets on one PostgreSQL database,
and the lookups, the city report and the card-status feed measured beside hand-written SQL in the same run.

    .venv/bin/python benchmarks/city.py                                  # 10,000,000 persons, 200 outlets
    .venv/bin/python benchmarks/city.py --persons 200000 --outlets 200   # a reduced scale
    .venv/bin/python benchmarks/city.py --smoke                          # tiny (CI's smoke run)
    .venv/bin/python benchmarks/city.py --write BENCHMARKS.md

On a PostgreSQL cluster this script starts (server defaults, fsync on), it loads with COPY:

* ``--persons`` persons and 1.2 cards each (``benchmarks/dataset.py``: every person a current card, every
  fifth an older replaced one), the cards spread over the city's outlets, personal values sealed as the desk
  seals them (the sealing split over ``--workers`` processes);
* ``--outlets`` outlets of Beijing (city 1101, in its districts), each with ``--days`` days of activity up to
  the report day (``benchmarks/activity.py``'s bulk path at ``--scale``: loss reports, reissues with
  payments, card arrivals, collections, its own persons and operators, audit events with their real MACs
  under the outlet's own key, its sealed head), and the checkpoint its close recorded the evening before;
* the city's card-status feed as the outbox holds it once every card was issued through a desk: one record
  per card, sequenced, and each outlet's checkpoint (sequenced at the first export).

Then, each beside hand-written SQL through psycopg in the same run:

* lookups by citizen number and by card number (``services.persons.find_persons`` beside the very SQL it
  sends), p99 target <= 3 ms;
* the city report of the day (``services.city_report.city_report``, every outlet's figures, reconciliation
  and chain line, the desk's own chain verified since its checkpoint) beside the same figures computed by
  hand-written SQL grouped by outlet (asserted equal), target <= 1 s;
* the feed export (``services.feed.export_feed`` in batches of 100,000) beside a raw SELECT of the outbox in
  the same batches, in records/s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dataset  # noqa: E402
import search  # noqa: E402
from common import data_cipher, machine, write_section  # noqa: E402

from benchmarks.activity import COLUMNS, BulkData, YearSimulation, load_postgres  # noqa: E402
from outlet_desk.config import parse_settings  # noqa: E402
from outlet_desk.db.engine import make_engine  # noqa: E402
from outlet_desk.db.migrate import upgrade  # noqa: E402
from outlet_desk.domain.roles import Role  # noqa: E402
from outlet_desk.services.audit import ChainReport, load_or_create_key, record_checkpoint  # noqa: E402
from outlet_desk.services.bootstrap import open_desk  # noqa: E402
from outlet_desk.services.city_report import CityReport, Figures, city_report  # noqa: E402
from outlet_desk.services.context import Actor, Desk  # noqa: E402
from outlet_desk.services.feed.export import EXPORT_LIMIT_MAX, export_feed  # noqa: E402

CITY = "1101"
DISTRICTS = ("110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112", "110113",
             "110114", "110115", "110116", "110117", "110118", "110119")
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)
LOOKUP_P99_MS, REPORT_S = 3.0, 1.0
LOSS_ACTIONS = ("loss_reported_hotline", "loss_reported_counter", "loss_made_formal", "loss_lapsed", "loss_withdrawn")


def outlet_code(m: int) -> str:
    return f"C{m:04d}"


def card_count(persons: int) -> int:
    """How many cards ``dataset.card_rows`` makes for ``persons``."""
    return persons + (persons + 4) // 5


def day_start(day: date) -> datetime:
    return datetime.combine(day, dtime(0), tzinfo=TZ).astimezone(UTC)


# -- the load -------------------------------------------------------------------------------------------------

@dataclass
class Activity:
    data: BulkData
    keys: dict[str, bytes]
    checkpoints: dict[str, tuple[int, str]]
    """Each outlet's last event before the report day: (seq, mac), where its close verified the chain."""


def simulate(codes: list[str], own_key: bytes, persons: int, per_outlet: int, days: int, scale: float) -> Activity:
    ids: Counter[str] = Counter(person=persons, card=card_count(persons))
    merged = BulkData()
    keys: dict[str, bytes] = {}
    checkpoints: dict[str, tuple[int, str]] = {}
    cols = COLUMNS["audit_event"]
    at_i, seq_i, mac_i = cols.index("at"), cols.index("seq"), cols.index("mac")
    edge = day_start(DAY).strftime("%Y-%m-%d %H:%M:%S.%f")
    first = DAY - timedelta(days=days - 1)
    for m, code in enumerate(codes):
        key = own_key if m == 0 else os.urandom(32)
        keys[code] = key
        sim = YearSimulation(key, code, TZ, per_outlet, scale, seed=m + 1, ids=ids,
                             division=DISTRICTS[m % len(DISTRICTS)])
        sim.seed(datetime.combine(first - timedelta(days=30), dtime(8), tzinfo=TZ))
        for k in range(days):
            sim.day(first + timedelta(days=k))
        data = sim.finish()
        before = [r for r in data.rows["audit_event"] if str(r[at_i]) < edge]
        checkpoints[code] = (int(before[-1][seq_i]), str(before[-1][mac_i]))  # type: ignore[call-overload]
        for table, rows in data.rows.items():
            merged.rows.setdefault(table, []).extend(rows)
    merged.days = [first + timedelta(days=k) for k in range(days)]
    return Activity(merged, keys, checkpoints)


_CIPHER: Any = None


def _init_sealer(folder: str) -> None:
    global _CIPHER
    _CIPHER = data_cipher(Path(folder))


def _sealed_chunk(bounds: tuple[int, int]) -> list[tuple[object, ...]]:
    from common import sealed_rows

    lo, hi = bounds
    _cols, rows = sealed_rows("person", tuple(dataset.PERSON_COLS.split(", ")), dataset.person_rows(hi, lo), _CIPHER)
    return list(rows)


def person_columns() -> str:
    from common import SEALED

    cols = tuple(dataset.PERSON_COLS.split(", "))
    return ", ".join(cols + tuple(i for c, i in SEALED["person"].items() if c in cols and i is not None))


def load_city(conninfo: str, persons: int, codes: list[str], folder: Path, workers: int) -> None:
    """COPY the persons (sealed in ``workers`` processes) and their cards, spread over the outlets."""
    import psycopg

    chunk = 20_000
    bounds = [(lo, min(persons, lo + chunk)) for lo in range(0, persons, chunk)]
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY person ({person_columns()}) FROM STDIN") as copy:
            if workers > 1:
                with multiprocessing.get_context("fork").Pool(workers, _init_sealer, (str(folder),)) as pool:
                    window = 2 * workers  # chunks in flight at most: the memory stays bounded at any scale
                    for at in range(0, len(bounds), window):
                        for rows in pool.imap(_sealed_chunk, bounds[at:at + window]):
                            for row in rows:
                                copy.write_row(row)
            else:
                _init_sealer(str(folder))
                for b in bounds:
                    for row in _sealed_chunk(b):
                        copy.write_row(row)
        with cur.copy(f"COPY card ({dataset.CARD_COLS}) FROM STDIN") as copy:
            n = len(codes)
            for r in dataset.card_rows(persons):
                copy.write_row((*r[:4], codes[(int(r[3]) - 1) % n], *r[5:]))  # type: ignore[call-overload]
        conn.commit()


def load_feed(conninfo: str) -> int:
    """The outbox once every card was issued through a desk of the city: one record per card, sequenced."""
    import psycopg

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO feed_record (city_code, city_seq, kind, outlet_code, card_number, status, previous_status, "
            "fingerprint, "
            "at) SELECT %s, row_number() OVER (ORDER BY id), 'card_status', outlet_code, card_number, status, '', '', "
            "status_changed_at FROM card ORDER BY id", (CITY,))
        n = cur.rowcount
        cur.execute("INSERT INTO feed_head (city_code, seq) VALUES (%s, %s)", (CITY, n))
        conn.commit()
    return int(n)


def make_desk(url: str, folder: Path, key_file: Path, code: str) -> Desk:
    text = (f'[outlet]\ncode = "{code}"\nname = "Outlet {code}"\ndivision_code = "{DISTRICTS[0]}"\n'
            f'language = "en"\n[database]\nurl = "{url}"\n[audit]\nkey_file = "{key_file}"\n')
    path = folder / "outlet.toml"
    path.write_text(text)
    return open_desk(parse_settings(text, path))


# -- the hand-written city figures ------------------------------------------------------------------------------

def baseline_sql() -> dict[str, str]:
    """One statement per figure for all the city's outlets, grouped by outlet. Parameters: city (LIKE), s/e."""
    city = "outlet_code IN (SELECT code FROM outlet WHERE division_code LIKE %(city)s)"
    day = f"{city} AND at >= %(s)s AND at < %(e)s"
    j = lambda f: f"(after::jsonb ->> '{f}')"  # noqa: E731
    return {
        "loss": f"SELECT outlet_code, count(*) FROM audit_event WHERE {day} AND action IN "
                f"({', '.join(repr(a) for a in LOSS_ACTIONS)}) GROUP BY 1",
        "reissues": f"SELECT outlet_code, count(*), coalesce(sum({j('paid_fen')}::int), 0), "
                    f"coalesce(sum(CASE WHEN {j('waived')} = 'true' THEN {j('fee_fen')}::int END), 0) "
                    f"FROM audit_event WHERE {day} AND action = 'reissue_applied' GROUP BY 1",
        "collections": f"SELECT outlet_code, count(*) FROM audit_event WHERE {day} AND action = 'card_collected' "
                       "GROUP BY 1",
        "uncollected": f"SELECT outlet_code, count(*) FROM card WHERE {city} AND status = 'ready' "
                       "AND status_changed_at < %(e)s GROUP BY 1",
        "pending": f"SELECT outlet_code, count(*) FROM loss_report WHERE {city} AND channel = 'hotline' "
                   "AND reported_at < %(e)s AND (formal_at IS NULL OR formal_at >= %(e)s) "
                   "AND (lapsed_at IS NULL OR lapsed_at >= %(e)s) AND (withdrawn_at IS NULL OR withdrawn_at >= %(e)s) "
                   "GROUP BY 1",
    }


def baseline_figures(db: Any, day: date) -> dict[str, Figures]:
    start = day_start(day).replace(tzinfo=None)
    params = {"city": f"{CITY}%", "s": start, "e": start + timedelta(days=1)}
    out: dict[str, dict[str, Any]] = {}
    sql = baseline_sql()
    with db.cursor() as cur:
        cur.execute("SELECT code FROM outlet WHERE division_code LIKE %(city)s", params)
        for (code,) in cur.fetchall():
            out[code] = {}
        for name, statement in sql.items():
            cur.execute(statement, params)
            for row in cur.fetchall():
                out[row[0]][name] = row[1:]
    figures = {}
    for code, got in out.items():
        reissues = got.get("reissues", (0, 0, 0))
        figures[code] = Figures(
            loss_reports=int(got.get("loss", (0,))[0]), reissues=int(reissues[0]),
            collections=int(got.get("collections", (0,))[0]), fees_taken_fen=int(reissues[1]),
            fees_waived_fen=int(reissues[2]), uncollected=int(got.get("uncollected", (0,))[0]),
            pending_temporary_losses=int(got.get("pending", (0,))[0]), disagreements=0)
    return figures


def check_same(report: CityReport, raw: dict[str, Figures], desk_outlet: str) -> None:
    assert {o.code: o.figures for o in report.outlets} == raw, "the hand-written figures differ from the report's"
    assert not report.problems, report.problems
    for o in report.outlets:
        assert o.chain.checkpoint_seq is not None, o
        assert o.chain.intact is (True if o.code == desk_outlet else None), o


# -- the run ----------------------------------------------------------------------------------------------------

def ptile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


@dataclass
class Results:
    lines: list[str]
    loads: list[str]


def run(args: argparse.Namespace, tmp: Path) -> Results:
    from tests.pgcluster import start_cluster

    codes = [outlet_code(m + 1) for m in range(args.outlets)]
    loads: list[str] = []

    def note(line: str) -> None:
        loads.append(line)
        print(line, flush=True)

    key_file = tmp / "audit.key"
    own_key = load_or_create_key(key_file, outlet_code=codes[0], sealed_events=0)
    data_cipher(tmp)  # makes the data key make_desk's desk opens with (tmp/data/data.key), for the sealing
    t = time.perf_counter()
    act = simulate(codes, own_key, args.persons, args.outlet_persons, args.days, args.scale)
    events = len(act.data.rows["audit_event"])
    note(f"simulated {args.days} days of {len(codes)} outlets: {events:,} audit events, "
         f"{len(act.data.rows['reissue_request']):,} reissues, {len(act.data.rows.get('collection', [])):,} "
         f"collections, {len(act.data.rows['loss_report']):,} loss reports, in {time.perf_counter() - t:.1f} s")
    cluster = start_cluster(for_tests=False)
    try:
        url = cluster.create_database("city")
        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        engine = make_engine(url)
        upgrade(engine)
        t = time.perf_counter()
        load_postgres(conninfo, act.data, data_cipher(tmp))
        note(f"COPY of the outlets' activity ({sum(map(len, act.data.rows.values())):,} rows): "
             f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        load_city(conninfo, args.persons, codes, tmp, args.workers)
        took = time.perf_counter() - t
        note(f"COPY of {args.persons:,} persons (sealed in {args.workers} processes) and "
             f"{card_count(args.persons):,} cards: {took:.1f} s ({took / (args.persons / 1e6):.0f} s per million "
             "persons)")
        t = time.perf_counter()
        feed = load_feed(conninfo)
        closed = day_start(DAY) - timedelta(hours=4)
        for code, (seq, mac) in act.checkpoints.items():
            record_checkpoint(engine, act.keys[code], ChainReport(code, seq, True, last_seq=seq, last_mac=mac),
                              at=closed)
        engine.dispose()
        raw = search.RawPostgres(conninfo)
        raw.db.execute("VACUUM ANALYZE")
        note(f"the feed ({feed:,} card records, sequenced; {len(codes)} checkpoints) and each outlet's checkpoint, "
             f"then VACUUM ANALYZE: {time.perf_counter() - t:.1f} s")
        if args.measure_when is not None:
            print(f"loaded; measuring once {args.measure_when} exists", flush=True)
            while not args.measure_when.exists():
                time.sleep(5)
        desk = make_desk(url, tmp, key_file, codes[0])
        actor = Actor(0, "city", "City supervisor", Role.CITY_SUPERVISOR)
        lines = lookups(desk, raw, args.persons, args.n)
        if args.profile:
            profile(desk, actor)
        lines.append(report_line(desk, actor, raw, args.reps, codes[0]))
        lines.append(feed_line(desk, actor, raw, args.feed))
        desk.engine.dispose()
        return Results(lines, loads)
    finally:
        cluster.stop()


def time_calls(fn: Callable[[int], Any], keys: list[int]) -> list[float]:
    out = []
    for k in keys:
        t = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - t) * 1000)
    return out


def lookups(desk: Desk, raw: Any, persons: int, n: int) -> list[str]:
    services, raws = search.service_lookups(desk), search.raw_lookups(raw, desk.engine.dialect)
    keys = dataset.sample_keys(persons, n)
    lines = []
    for lookup in ("citizen number", "card number"):
        for fn in (services[lookup], raws[lookup]):
            time_calls(fn, keys[:50])  # warm-up
        s = time_calls(services[lookup], keys[: n // 2]) + time_calls(services[lookup], keys[n // 2:])
        r = time_calls(raws[lookup], keys[: n // 2]) + time_calls(raws[lookup], keys[n // 2:])
        s99, r99 = ptile(s, 0.99), ptile(r, 0.99)
        lines.append(f"| lookup by {lookup} (n = {n}) | p50 {ptile(s, 0.5):.3f} ms, p99 {s99:.3f} ms | "
                     f"p50 {ptile(r, 0.5):.3f} ms, p99 {r99:.3f} ms | {s99 / r99:.2f}x (p99) | p99 <= 3 ms | "
                     f"{'yes' if s99 <= LOOKUP_P99_MS else 'NO'} |")
    return lines


def profile(desk: Desk, actor: Actor) -> None:
    """Where the city report's time goes: cProfile of one run (after a warm-up), the top 25 by cumulative time."""
    import cProfile
    import pstats

    city_report(desk, actor, DAY)
    prof = cProfile.Profile()
    prof.runcall(city_report, desk, actor, DAY)
    pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


def report_line(desk: Desk, actor: Actor, raw: Any, reps: int, own: str) -> str:
    city_report(desk, actor, DAY)  # warm-up: pool, statement caches
    baseline_figures(raw.db, DAY)
    service, hand = [], []
    report = None
    for _ in range(reps):
        t = time.perf_counter()
        report = city_report(desk, actor, DAY)
        service.append(time.perf_counter() - t)
        t = time.perf_counter()
        figures = baseline_figures(raw.db, DAY)
        hand.append(time.perf_counter() - t)
        check_same(report, figures, own)
    assert report is not None
    s50, smax, h50 = ptile(service, 0.5), max(service), ptile(hand, 0.5)
    totals = report.totals
    return (f"| city report, {len(report.outlets)} outlets ({totals.loss_reports:,} loss reports, "
            f"{totals.reissues:,} reissues, {totals.collections:,} collections; {reps} runs) | p50 {s50:.3f} s, "
            f"max {smax:.3f} s | p50 {h50:.3f} s, max {max(hand):.3f} s | {s50 / h50:.1f}x (p50) | <= 1 s | "
            f"{'yes' if smax <= REPORT_S else 'NO'} |")


def feed_line(desk: Desk, actor: Actor, raw: Any, most: int) -> str:
    def service() -> int:
        got, since = 0, 0
        while got < most:
            batch = export_feed(desk, actor, since=since, limit=min(EXPORT_LIMIT_MAX, most - got))
            got += len(batch.items)
            since = batch.last
            if len(batch.items) < EXPORT_LIMIT_MAX:
                break
        return got

    def by_hand() -> int:
        got, since = 0, 0
        with raw.db.cursor() as cur:
            while got < most:
                cur.execute("SELECT city_seq, city_code, kind, outlet_code, at, card_number, status, previous_status, "
                            "audit_seq, fingerprint FROM feed_record WHERE city_code = %s AND city_seq > %s "
                            "ORDER BY city_seq LIMIT %s", (CITY, since, min(EXPORT_LIMIT_MAX, most - got)))
                rows = cur.fetchall()
                got += len(rows)
                if rows:
                    since = rows[-1][0]
                if len(rows) < EXPORT_LIMIT_MAX:
                    break
        return got

    first = export_feed(desk, actor, since=0, limit=1)  # the first export sequences the checkpoints' records
    assert first.items
    t = time.perf_counter()
    n_service = service()
    s = time.perf_counter() - t
    t = time.perf_counter()
    n_hand = by_hand()
    h = time.perf_counter() - t
    assert n_service == n_hand, (n_service, n_hand)
    return (f"| feed export, {n_service:,} records (batches of {EXPORT_LIMIT_MAX:,}) | {n_service / s:,.0f} records/s "
            f"| {n_hand / h:,.0f} records/s | {h / s:.2f}x the raw rate | (records/s) | - |")


HEADER = ("| what | service | hand-written SQL (psycopg) | service vs hand-written | target | met |\n"
          "|---|---|---|---|---|---|")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons", type=int, default=10_000_000)
    ap.add_argument("--outlets", type=int, default=200)
    ap.add_argument("--outlet-persons", type=int, default=400, help="each outlet's own persons of its activity")
    ap.add_argument("--days", type=int, default=16, help="days of activity up to the report day (arrivals after 14)")
    ap.add_argument("--scale", type=float, default=0.1, help="each outlet's traffic (1.0: about 1,400 events a day)")
    ap.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                    help="processes sealing the persons")
    ap.add_argument("-n", type=int, default=2000, help="lookups of each kind")
    ap.add_argument("--reps", type=int, default=5, help="city reports timed")
    ap.add_argument("--feed", type=int, default=1_000_000, help="the most feed records exported")
    ap.add_argument("--profile", action="store_true", help="print where one city report's time goes (cProfile)")
    ap.add_argument("--smoke", action="store_true", help="tiny: 2,000 persons, 3 outlets (CI)")
    ap.add_argument("--write", type=Path, help="update the '## City scale' section of this Markdown file")
    ap.add_argument("--measure-when", type=Path, metavar="FILE",
                    help="after the load, wait until FILE exists before measuring (load while the machine is busy, "
                         "measure once it is quiet)")
    args = ap.parse_args()
    if args.smoke:
        args.persons, args.outlets, args.outlet_persons, args.days, args.scale = 2_000, 3, 100, 16, 0.05
        args.n, args.reps, args.workers = 200, 2, 2
    for name in ("persons", "outlets", "outlet_persons", "days", "n", "reps", "feed", "workers"):
        if getattr(args, name) < 1:
            print(f"--{name.replace('_', '-')} must be 1 or more", file=sys.stderr)
            return 2
    if args.outlets > 9999 or args.days < 15:
        print("--outlets must be at most 9,999 and --days at least 15 (cards arrive 14 days after the request)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="outlet-city-") as tmp:
        results = run(args, Path(tmp))
    table = "\n".join([HEADER, *results.lines])
    print(table)
    if args.write:
        body = (f"## City scale\n\n`benchmarks/city.py --persons {args.persons} --outlets {args.outlets}` "
                f"({args.days} days of activity per outlet at scale {args.scale}), {time.strftime('%Y-%m-%d')}, on "
                f"{machine()}.\nOne PostgreSQL database (a local cluster, server defaults, fsync on, VACUUM ANALYZE "
                "after the load) for the whole city; the desk is the first outlet's. Lookups = `find_persons` "
                "beside the very SQL it sends; city report = `city_report` (every outlet's daily figures, "
                "reconciliation and close read at once, one statement per figure for all outlets, and its chain "
                "line; the desk's own chain verified since its checkpoint) beside the same figures by hand-written "
                "SQL grouped by outlet (asserted equal); feed = `export_feed` beside a raw SELECT of the outbox, "
                "in the same batches. Met or not is against the issue's targets; "
                + ("this is the issue's scale." if args.persons >= 10_000_000 and args.outlets >= 200 else
                   "this is a reduced scale (the issue's: 10,000,000 persons, 200 outlets).") + "\n\n"
                + "".join(f"- {line}\n" for line in results.loads) + f"\n{table}\n")
        write_section(args.write, "## City scale", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
