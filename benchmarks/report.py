"""Daily report benchmark: the whole ``services.report.daily_report`` (figures, reconciliation and the
audit chain's verification) on a year of a busy outlet, beside the same work written by hand (one SQL
per figure, and the chain check in a plain loop) through the raw driver, in the same run, on SQLite and
PostgreSQL.

    .venv/bin/python benchmarks/report.py                   # 365 days, >= 500,000 audit events
    .venv/bin/python benchmarks/report.py --smoke           # 20 small days (CI's smoke run)
    .venv/bin/python benchmarks/report.py --write BENCHMARKS.md

The data come from ``benchmarks/activity.py``'s bulk path (the flows simulated, rows written directly,
audit events sealed with their real MACs). The audit events of the last ``-n`` days are held back at
load time. For each of those days, as at the outlet: the previous day's close has verified the chain in
full and recorded its checkpoint (recorded here directly; the full verification itself is timed once at
the end, over the whole year), the day's events are appended, then the whole report of the day (audit
side, table side, reconciliation, uncollected ages, pending losses, 30-day trend, and the chain verified
since that checkpoint: the day's events) and the baseline (hand-written SQL: one statement per figure,
JSON read in SQL; and the same chain check by hand: the checkpoint's seal, its event's MAC, the count up
to it, then every later event's seal and link, and the head) are timed interleaved, and their figures
compared: the baseline must compute the same numbers. Targets (issue 7): the whole report <= 300 ms, and
<= 2x the hand-written baseline.
"""

from __future__ import annotations

import argparse
import hmac
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.activity import COLUMNS, BulkData, bulk_year, load_postgres, load_sqlite, sealed_head  # noqa: E402
from benchmarks.common import data_cipher, machine, write_section  # noqa: E402
from outlet_desk.config import parse_settings  # noqa: E402
from outlet_desk.db.engine import make_engine  # noqa: E402
from outlet_desk.db.migrate import upgrade  # noqa: E402
from outlet_desk.services.audit import ChainReport, check_chain, load_or_create_key, record_checkpoint  # noqa: E402
from outlet_desk.services.audit.keys import read_key  # noqa: E402
from outlet_desk.services.bootstrap import open_desk  # noqa: E402
from outlet_desk.services.context import Desk  # noqa: E402
from outlet_desk.services.report import COMPLETIONS, TRANSACTIONS, DailyReport, daily_report  # noqa: E402

OUTLET = "BEN001"
TZ = ZoneInfo("Asia/Shanghai")
LAST_DAY = date(2026, 11, 24)
TARGET_MS, TARGET_RATIO = 300.0, 2.0
LOSS_ACTIONS = ("loss_reported_hotline", "loss_reported_counter", "loss_made_formal", "loss_lapsed",
                "loss_lapse_escalated", "loss_withdrawn")


def _in(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def baseline_sql(dialect: str) -> dict[str, str]:
    """One statement per figure. Parameters: o (outlet), s/e (day), ts (trend start), now."""
    sqlite = dialect == "sqlite"
    j = (lambda f: f"json_extract(after, '$.{f}')") if sqlite else (lambda f: f"(after::jsonb ->> '{f}')")
    p = (lambda n: f":{n}") if sqlite else (lambda n: f"%({n})s")
    o, s, e = p("o"), p("s"), p("e")
    day = f"outlet_code = {o} AND at >= {s} AND at < {e}"
    seconds = ("(julianday(at) - julianday(lag(at) OVER w)) * 86400" if sqlite
               else "extract(epoch from at - lag(at) OVER w)")
    flow = "CASE action " + " ".join(f"WHEN '{a}' THEN '{f}'" for a, f in COMPLETIONS.items()) + " END"
    local_day = "date(at, '+8 hours')" if sqlite else "(at + interval '8 hours')::date"
    waived = f"{j('waived')} = 1" if sqlite else f"{j('waived')} = 'true'"
    paid = f"{j('paid_fen')}" if sqlite else f"({j('paid_fen')})::int"
    fee = f"{j('fee_fen')}" if sqlite else f"({j('fee_fen')})::int"
    t = lambda c: f"outlet_code = {o} AND {c} >= {s} AND {c} < {e}"  # noqa: E731
    return {
        "audit.loss": f"SELECT action, count(*) FROM audit_event WHERE {day} AND action IN ({_in(LOSS_ACTIONS)}) "
                      "GROUP BY action",
        "audit.reissues": f"SELECT {j('reason')}, count(*) FROM audit_event WHERE {day} "
                          "AND action = 'reissue_applied' GROUP BY 1",
        "audit.collections": f"SELECT {j('presenter')}, count(*) FROM audit_event WHERE {day} "
                             "AND action = 'card_collected' GROUP BY 1",
        "audit.fees_taken": f"SELECT coalesce(sum({paid}), 0) FROM audit_event WHERE {day} "
                            "AND action = 'reissue_applied'",
        "audit.fees_waived": f"SELECT coalesce(sum({fee}), 0) FROM audit_event WHERE {day} "
                             f"AND action = 'reissue_applied' AND {waived}",
        "audit.chip": f"SELECT count(*) FROM audit_event WHERE {day} AND action = 'chip_check_failed'",
        "audit.blocked": f"SELECT count(*) FROM audit_event WHERE {day} AND action = 'blocked_card_presented'",
        "audit.clerks": f"SELECT operator_id, count(*) FROM audit_event WHERE {day} "
                        f"AND action IN ({_in(TRANSACTIONS)}) GROUP BY operator_id",
        "audit.handling": (
            f"SELECT operator_id, avg(secs) FROM (SELECT operator_id, CASE WHEN action <> 'identity_checked' "
            f"AND lag(action) OVER w = 'identity_checked' AND lag(flow) OVER w = {flow} "
            f"THEN {seconds} END AS secs FROM (SELECT operator_id, person_id, action, at, seq, "
            f"CASE WHEN action = 'identity_checked' THEN {j('flow')} END AS flow FROM audit_event "
            f"WHERE {day} AND action IN ({_in(('identity_checked', *COMPLETIONS))})) x "
            "WINDOW w AS (PARTITION BY operator_id, person_id ORDER BY seq)) y "
            "WHERE secs IS NOT NULL GROUP BY operator_id"),
        "audit.trend": f"SELECT {local_day}, count(*) FROM audit_event WHERE outlet_code = {o} "
                       f"AND at >= {p('ts')} AND at < {e} AND action IN ({_in(TRANSACTIONS)}) GROUP BY 1",
        "both.uncollected": (
            "SELECT c.status_changed_at, a.at FROM card c LEFT JOIN reissue_request r ON r.new_card_id = c.id "
            "LEFT JOIN audit_event a ON a.entity = 'reissue_request' AND a.action = 'card_received' AND a.entity_id = "
            + ("CAST(r.id AS TEXT)" if sqlite else "r.id::text")
            + f" WHERE c.outlet_code = {o} AND c.status = 'ready'"),
        "table.loss_channel": f"SELECT channel, count(*) FROM loss_report WHERE {t('reported_at')} GROUP BY channel",
        "table.made_formal": f"SELECT count(*) FROM loss_report WHERE {t('formal_at')} AND channel = 'hotline'",
        "table.lapsed": f"SELECT count(*) FROM loss_report WHERE {t('lapsed_at')}",
        "table.withdrawn": f"SELECT count(*) FROM loss_report WHERE {t('withdrawn_at')}",
        "table.reissues": f"SELECT reason, count(*) FROM reissue_request WHERE {t('created_at')} GROUP BY reason",
        "table.waived": f"SELECT coalesce(sum(fee_fen), 0) FROM reissue_request WHERE {t('created_at')} AND waived",
        "table.taken": f"SELECT coalesce(sum(amount_fen), 0) FROM payment WHERE {t('paid_at')}",
        "table.collections": (
            "SELECT i.presenter, count(*) FROM collection c JOIN identity_check i ON i.id = c.identity_check_id "
            f"WHERE c.outlet_code = {o} AND c.collected_at >= {s} AND c.collected_at < {e} GROUP BY i.presenter"),
        "table.clerks": (
            f"SELECT op, count(*) FROM ("
            f"SELECT operator_id AS op FROM loss_report WHERE {t('reported_at')} "
            f"UNION ALL SELECT i.operator_id FROM loss_report l JOIN identity_check i ON i.id = l.identity_check_id "
            f"WHERE l.outlet_code = {o} AND l.channel = 'hotline' AND l.formal_at >= {s} AND l.formal_at < {e} "
            f"UNION ALL SELECT withdrawn_by FROM loss_report WHERE {t('withdrawn_at')} "
            f"UNION ALL SELECT operator_id FROM reissue_request WHERE {t('created_at')} "
            f"UNION ALL SELECT operator_id FROM collection WHERE {t('collected_at')}) x GROUP BY op"),
        "table.pending": (
            f"SELECT count(*) FROM loss_report WHERE outlet_code = {o} AND channel = 'hotline' AND reported_at < {e} "
            f"AND (formal_at IS NULL OR formal_at >= {e}) AND (lapsed_at IS NULL OR lapsed_at >= {e}) "
            f"AND (withdrawn_at IS NULL OR withdrawn_at >= {e})"),
    }


class Raw:
    """The hand-written statements through sqlite3 / psycopg, rows as tuples."""

    def __init__(self, backend: str, target: str) -> None:
        self.backend = backend
        self.sql = baseline_sql(backend)
        if backend == "sqlite":
            self.db: Any = sqlite3.connect(target, check_same_thread=False)
        else:
            import psycopg

            self.db = psycopg.connect(target, autocommit=True)

    def params(self, day: date) -> dict[str, Any]:
        start = datetime.combine(day, datetime.min.time(), tzinfo=TZ).astimezone(UTC).replace(tzinfo=None)
        values = {"o": OUTLET, "s": start, "e": start + timedelta(days=1), "ts": start - timedelta(days=29)}
        if self.backend == "sqlite":
            return {k: v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for k, v in values.items()}
        return values

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self.backend == "sqlite":
            return list(self.db.execute(sql, params).fetchall())
        with self.db.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params)
            return list(cur.fetchall())

    def _iso(self, at: Any) -> str:
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        return str(at.replace(tzinfo=UTC).isoformat(timespec="microseconds"))

    def verify_chain(self, key: bytes) -> int:
        """The quick chain check by hand: the newest checkpoint's seal, its event's MAC, the count of events
        up to it; every later event's seal and link; the head. Returns the events recomputed."""
        seal = lambda fields: hmac.new(key, json.dumps(  # noqa: E731
            fields, ensure_ascii=False, separators=(",", ":")).encode(), "sha256").hexdigest()
        [(seq, mac, at, how, op, cp_seal)] = self._all(
            "SELECT seq, mac, verified_at, how, operator_id, seal FROM audit_checkpoint WHERE outlet_code = ? "
            "ORDER BY seq DESC, id DESC LIMIT 1", (OUTLET,))
        assert hmac.compare_digest(seal(["audit_checkpoint", OUTLET, seq, mac, self._iso(at), how, op]), cp_seal)
        assert self._all("SELECT mac FROM audit_event WHERE outlet_code = ? AND seq = ?", (OUTLET, seq)) == [(mac,)]
        assert self._all("SELECT count(*), min(seq) FROM audit_event WHERE outlet_code = ? AND seq <= ?",
                         (OUTLET, seq)) == [(seq, 1)]
        rows = self._all(
            "SELECT outlet_code, seq, at, operator_id, action, entity, entity_id, person_id, before, after, "
            "prev_mac, mac FROM audit_event WHERE outlet_code = ? AND seq > ? ORDER BY seq", (OUTLET, seq))
        prev, expected = mac, seq + 1
        for row in rows:
            assert row[1] == expected and row[10] == prev
            assert hmac.compare_digest(seal([*row[:2], self._iso(row[2]), *row[3:11]]), row[11])
            prev, expected = row[11], expected + 1
        assert self._all("SELECT seq, mac FROM audit_head WHERE outlet_code = ?", (OUTLET,)) == [(expected - 1, prev)]
        return len(rows)

    def append_events(self, rows: list[tuple[object, ...]], key: bytes) -> None:
        """A day's audit events (held back at load time) appended, and the head moved to the last (sealed)."""
        cols = COLUMNS["audit_event"]
        insert = f"INSERT INTO audit_event ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        last = rows[-1]
        _outlet, seq, mac, kid, seal = sealed_head(key, OUTLET, int(last[cols.index("seq")]),  # type: ignore[call-overload]
                                                   str(last[cols.index("mac")]))
        head = (seq, mac, kid, seal, OUTLET)
        if self.backend == "sqlite":
            self.db.executemany(insert, rows)
            self.db.execute("UPDATE audit_head SET seq = ?, mac = ?, key_id = ?, seal = ? WHERE outlet_code = ?", head)
            self.db.commit()
        else:
            with self.db.cursor() as cur, self.db.transaction():
                cur.executemany(insert.replace("?", "%s"), rows)
                cur.execute("UPDATE audit_head SET seq = %s, mac = %s, key_id = %s, seal = %s WHERE outlet_code = %s",
                            head)

    def run(self, day: date) -> dict[str, list[tuple[Any, ...]]]:
        params = self.params(day)
        out: dict[str, list[tuple[Any, ...]]] = {}
        for name, sql in self.sql.items():
            if self.backend == "sqlite":
                out[name] = self.db.execute(sql, params).fetchall()
            else:
                with self.db.cursor() as cur:
                    cur.execute(sql, params)
                    out[name] = cur.fetchall()
        return out


def check_same_figures(report: DailyReport, raw: dict[str, list[tuple[Any, ...]]]) -> None:
    """The baseline is only a baseline if it computes the report's numbers."""
    checks = {c.key: c for c in report.reconciliation}
    loss = Counter({a: n for a, n in raw["audit.loss"]})
    assert report.loss_reports["hotline"] == loss["loss_reported_hotline"], (report.loss_reports, loss)
    assert report.loss_reports["made_formal"] == loss["loss_made_formal"]
    assert dict(report.reissues) == {r: dict(raw["audit.reissues"]).get(r, 0) for r in report.reissues}
    assert {r: n for r, n in raw["table.reissues"]} == {r: n for r, n in report.reissues.items() if n}
    assert report.fees_taken_fen == int(raw["audit.fees_taken"][0][0]) == int(raw["table.taken"][0][0])
    assert report.fees_waived_fen == int(raw["audit.fees_waived"][0][0]) == int(raw["table.waived"][0][0])
    assert dict(report.collections) == {p: dict(raw["audit.collections"]).get(p, 0) for p in report.collections}
    assert report.chip_check_failures == raw["audit.chip"][0][0]
    assert report.blocked_cards_presented == raw["audit.blocked"][0][0]
    assert {c.operator_id: c.transactions for c in report.clerks} == dict(raw["audit.clerks"])
    assert sum(n for _op, n in raw["table.clerks"]) == sum(c.transactions for c in report.clerks)
    handling = {op: float(avg) for op, avg in raw["audit.handling"]}
    for c in report.clerks:
        if c.avg_handling_seconds is not None:
            assert abs(handling[c.operator_id] - c.avg_handling_seconds) < 1.0, (c, handling)
    assert [t.transactions for t in report.trend] == [dict((str(d), n) for d, n in raw["audit.trend"]).get(
        t.day.isoformat(), 0) for t in report.trend]
    received = [t if isinstance(t, datetime) else datetime.fromisoformat(t) for t, _a in raw["both.uncollected"] if t]
    assert report.uncollected_total == sum(1 for a in received if (a + timedelta(hours=8)).date() <= report.day)
    assert report.pending_temporary_losses == raw["table.pending"][0][0]
    assert all(c.status == "agree" for c in checks.values()), report.disagreements


@dataclass
class Row:
    backend: str
    days: int
    events: int
    load_s: float
    report_ms: list[float]
    raw_ms: list[float]
    figures_ms: list[float]
    verified: list[int]
    chain_s: float

    @staticmethod
    def p(xs: list[float], q: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    def line(self) -> str:
        r50, rmax = self.p(self.report_ms, 0.5), max(self.report_ms)
        b50, bmax = self.p(self.raw_ms, 0.5), max(self.raw_ms)
        ratio = r50 / b50
        met = "yes" if rmax <= TARGET_MS and ratio <= TARGET_RATIO else "NO"
        per_day = sum(self.verified) / len(self.verified)
        return (f"| {self.backend} | {self.events:,} | {r50:.1f} | {rmax:.1f} | {b50:.1f} | {bmax:.1f} | "
                f"{ratio:.2f}x | {per_day:,.0f} | {self.p(self.figures_ms, 0.5):.1f} | {self.chain_s:.1f} s | {met} |")


HEADER = ("| backend | audit events | whole report p50 ms | whole report max ms | hand-written p50 ms "
          "| hand-written max ms | ratio p50 | events verified per report | figures only p50 ms "
          "| full chain verify | met (<= 300 ms, <= 2x) |\n|---|---|---|---|---|---|---|---|---|---|---|")


def time_one(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def make_desk(url: str, folder: Path, key_file: Path) -> Desk:
    text = (f'[outlet]\ncode = "{OUTLET}"\nname = "Bench outlet"\ndivision_code = "110105"\nlanguage = "en"\n'
            f'[database]\nurl = "{url}"\n[audit]\nkey_file = "{key_file}"\n')
    path = folder / "outlet.toml"
    path.write_text(text)
    return open_desk(parse_settings(text, path))


def _store_time(day: date) -> str:
    """The UTC start of ``day`` at the outlet, in the store's text form (as the bulk rows carry it)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=TZ).astimezone(UTC)
    return start.strftime("%Y-%m-%d %H:%M:%S.%f")


def hold_back(data: BulkData, days: list[date], key: bytes) -> tuple[BulkData, dict[date, list[tuple[object, ...]]]]:
    """The year without the audit events of ``days`` (the head at the last event before them), and those
    events by day, to be appended one day at a time."""
    cols = COLUMNS["audit_event"]
    at, seq, mac = cols.index("at"), cols.index("seq"), cols.index("mac")
    edges = [_store_time(d) for d in days] + [_store_time(days[-1] + timedelta(days=1))]
    events = sorted(data.rows["audit_event"], key=lambda r: r[seq])  # type: ignore[arg-type, return-value]
    kept = [r for r in events if str(r[at]) < edges[0]]
    held = {d: [r for r in events if edges[i] <= str(r[at]) < edges[i + 1]] for i, d in enumerate(days)}
    assert len(kept) + sum(map(len, held.values())) == len(events), "events after the last day"
    assert [r[seq] for r in kept] == list(range(1, len(kept) + 1)), "events must be in time order"
    rows = dict(data.rows)
    rows["audit_event"] = kept
    rows["audit_head"] = [sealed_head(key, OUTLET, int(kept[-1][seq]), str(kept[-1][mac]))]  # type: ignore[call-overload]
    return BulkData(rows=rows, head=(int(kept[-1][seq]), str(kept[-1][mac])), days=data.days), held  # type: ignore[call-overload]


def run_backend(backend: str, data: BulkData, key_file: Path, n: int, tmp: Path) -> Row:
    cluster = None
    folder = tmp / backend
    folder.mkdir()
    if backend == "sqlite":
        target = str(folder / "report.db")
        url = f"sqlite:///{target}"
    else:
        from tests.pgcluster import start_cluster

        cluster = start_cluster(for_tests=False)
        url = cluster.create_database("report")
        target = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        days = data.days[-n:]
        year, held = hold_back(data, days, read_key(key_file))
        cipher = data_cipher(folder)  # make_desk's desk (folder/outlet.toml) opens with this key
        start = time.perf_counter()
        (load_sqlite if backend == "sqlite" else load_postgres)(target, year, cipher)
        load_s = time.perf_counter() - start
        print(f"{backend}: loaded {data.audit_events:,} audit events ({len(data.days)} days; those of the last {n} "
              f"days to be appended day by day) in {load_s:.1f} s", flush=True)
        desk = make_desk(url, folder, key_file)
        raw = Raw(backend, target)
        if backend != "sqlite":
            raw.db.execute("VACUUM ANALYZE")  # what autovacuum does to a table that has settled
        report_ms: list[float] = []
        raw_ms: list[float] = []
        figures_ms: list[float] = []
        verified: list[int] = []
        head = year.head
        daily_report(desk, days[0] - timedelta(days=1), verify=False)  # warm-up: connection pool, statement caches
        raw.run(days[0])
        for day in days:
            # The previous day's close: its full verification recorded a checkpoint at the head.
            closed_at = datetime.combine(day, datetime.min.time(), tzinfo=TZ) - timedelta(hours=4)
            record_checkpoint(desk.engine, desk.audit_key, ChainReport(OUTLET, head[0], True, last_seq=head[0],
                                                                       last_mac=head[1]), at=closed_at)
            raw.append_events(held[day], desk.audit_key)
            cols = COLUMNS["audit_event"]
            head = (int(held[day][-1][cols.index("seq")]), str(held[day][-1][cols.index("mac")]))  # type: ignore[call-overload]
            ms, report = time_one(lambda d=day: daily_report(desk, d))
            report_ms.append(ms)
            ms, (figures, n_raw) = time_one(lambda d=day: (raw.run(d), raw.verify_chain(desk.audit_key)))
            raw_ms.append(ms)
            ms, _figures_only = time_one(lambda d=day: daily_report(desk, d, verify=False))
            figures_ms.append(ms)
            check_same_figures(report, figures)
            assert report.chain is not None and report.chain.intact and not report.chain.full, report.chain
            assert report.chain.events_checked == n_raw == len(held[day]), (report.chain, n_raw)
            verified.append(n_raw)
        chain_ms, chain = time_one(lambda: check_chain(desk.engine, desk.audit_key, OUTLET, full=True))
        assert chain.intact and chain.events_checked == data.audit_events, chain.message()
        desk.engine.dispose()
        return Row(backend, len(data.days), data.audit_events, load_s, report_ms, raw_ms, figures_ms, verified,
                   chain_ms / 1000)
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--persons", type=int, default=60_000)
    ap.add_argument("-n", type=int, default=20, help="report days timed (the last n)")
    ap.add_argument("--smoke", action="store_true", help="40 days at a fifth of the traffic, 5 timed (CI)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--write", type=Path, help="update the '## Daily report' section of this Markdown file")
    args = ap.parse_args()
    scale = 1.0
    if args.smoke:
        args.days, args.persons, args.n, scale = 40, 5_000, 5, 0.2
    with tempfile.TemporaryDirectory(prefix="outlet-report-") as tmp_name:
        tmp = Path(tmp_name)
        key_file = tmp / "audit.key"
        key = load_or_create_key(key_file, outlet_code=OUTLET, sealed_events=0)  # a new temporary folder
        start = time.perf_counter()
        data = bulk_year(key, OUTLET, TZ, LAST_DAY, days=args.days, persons=args.persons, scale=scale)
        print(f"generated {args.days} days: {data.audit_events:,} audit events, "
              f"{len(data.rows['reissue_request']):,} reissues, {len(data.rows['loss_report']):,} loss reports "
              f"in {time.perf_counter() - start:.1f} s", flush=True)
        rows = [run_backend(b.strip(), data, key_file, args.n, tmp) for b in args.backends.split(",")]
    table = "\n".join([HEADER, *(r.line() for r in rows)])
    print(table)
    if args.write:
        body = (f"## Daily report\n\n`benchmarks/report.py --days {args.days}` ({args.n} report days timed, the "
                f"last of the year), {time.strftime('%Y-%m-%d')}, on {machine()}.\n"
                "Whole report = `services.report.daily_report(verify=True)`: audit side, table side, "
                "reconciliation, uncollected ages, pending losses, 30-day trend, and the audit chain verified "
                "since the newest checkpoint, which the previous day's close recorded after its full "
                "verification; so each report verifies that day's events (the audit events of the timed days are "
                "held back at load time and appended day by day). Hand-written = one hand-written statement per "
                "figure (JSON read in SQL) and the same chain check written as a plain loop (checkpoint seal, its "
                "event's MAC, the count up to it, then every later event's seal and link, and the head), through "
                "sqlite3 / psycopg; the same figures and the same number of events verified are asserted. "
                "Figures only = the report without the chain. Full chain verify = `audit.check_chain(full=True)` "
                "over every event of the year, what the day close and `outlet-desk audit verify` do (it was "
                "17.7 s / 20.2 s before the verification read the events through the driver's own cursor). "
                "PostgreSQL: a local cluster with server defaults, VACUUM ANALYZE after the load.\n\n"
                f"{table}\n")
        write_section(args.write, "## Daily report", body)
    failed = [r for r in rows if not r.line().endswith("yes |")]
    return 1 if failed and not args.smoke else 0


if __name__ == "__main__":
    raise SystemExit(main())
