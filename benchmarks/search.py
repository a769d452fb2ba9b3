"""Search benchmark: the service layer's person lookups beside the same SQL through the raw driver.

    .venv/bin/python benchmarks/search.py                  # 1,000,000 persons, 1,200,000 cards
    .venv/bin/python benchmarks/search.py --smoke          # 10,000 persons (CI's smoke run)
    .venv/bin/python benchmarks/search.py --write BENCHMARKS.md

For each backend (SQLite file; PostgreSQL on a cluster this script starts, server defaults, fsync on)
it bulk-loads the data (timed), then times n lookups of each kind, the service call
(``outlet_desk.services.persons.find_persons``: validation, ORM, current card) and the raw baseline
(the very SQL text the service sends, compiled once, through sqlite3 / psycopg, rows as tuples),
in the same run, and prints
p50/p99 and the ratio. Targets (issue 3): exact lookups p99 <= 1 ms on SQLite and <= 3 ms on
PostgreSQL; name prefix (first 50 hits) p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dataset  # noqa: E402
from common import data_cipher, machine, write_section  # noqa: E402

from outlet_desk.config import parse_settings  # noqa: E402
from outlet_desk.db.engine import make_engine  # noqa: E402
from outlet_desk.db.migrate import upgrade  # noqa: E402
from outlet_desk.db.sealing import cipher_of  # noqa: E402
from outlet_desk.services.bootstrap import open_desk  # noqa: E402
from outlet_desk.services.context import Desk  # noqa: E402
from outlet_desk.services.persons import QueryKind, _search_statements, find_persons  # noqa: E402

TARGET_P99_MS = {("sqlite", "exact"): 1.0, ("postgresql", "exact"): 3.0, ("sqlite", "prefix"): 5.0,
                 ("postgresql", "prefix"): 5.0}


@dataclass
class Row:
    backend: str
    lookup: str
    kind: str
    service: list[float]
    raw: list[float]

    def p(self, xs: list[float], q: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000

    @property
    def target(self) -> float:
        return TARGET_P99_MS[(self.backend, self.kind)]

    def line(self) -> str:
        s50, s99 = self.p(self.service, 0.50), self.p(self.service, 0.99)
        r50, r99 = self.p(self.raw, 0.50), self.p(self.raw, 0.99)
        ok = "yes" if s99 <= self.target else "NO"
        return (f"| {self.backend} | {self.lookup} | {s50:.3f} | {s99:.3f} | {r50:.3f} | {r99:.3f} | "
                f"{s50 / r50:.2f}x | {s99 / r99:.2f}x | <= {self.target:g} | {ok} |")


LOAD_LINES: list[str] = []
HEADER = ("| backend | lookup | service p50 ms | service p99 ms | raw p50 ms | raw p99 ms | ratio p50 | ratio p99 "
          "| target p99 ms | met |\n|---|---|---|---|---|---|---|---|---|---|")


def time_calls(fn: Callable[[int], Any], keys: list[int], warmup: int) -> list[float]:
    for k in keys[:warmup]:
        fn(k)
    out = []
    for k in keys:
        t = time.perf_counter()
        fn(k)
        out.append(time.perf_counter() - t)
    return out


def make_desk(url: str, tmp: Path) -> Desk:
    text = (f'[outlet]\ncode = "{dataset.OUTLET}"\nname = "Bench"\ndivision_code = "110105"\nlanguage = "en"\n'
            f'[database]\nurl = "{url}"\n')
    path = tmp / "outlet.toml"
    path.write_text(text)
    return open_desk(parse_settings(text, path))


class RawSqlite:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")


class RawPostgres:
    def __init__(self, conninfo: str) -> None:
        import psycopg

        self.db = psycopg.connect(conninfo, autocommit=True)

    def q_named(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self.db.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()


def raw_lookups(raw: RawSqlite | RawPostgres, dialect: Any) -> dict[str, Callable[[int], Any]]:
    """Exactly the SQL text the service sends (compiled once from its statements), through the raw driver. The
    citizen number is looked up by its blind index, computed here as the column's type computes it (one
    HMAC-SHA256); the raw side does not open the sealed numbers it gets back, the service does."""
    cipher = cipher_of(dialect)
    statements = _search_statements(dialect.name)

    def prepared(kind: QueryKind) -> Callable[[dict[str, Any]], list[tuple[Any, ...]]]:
        compiled = statements[kind].compile(dialect=dialect)
        sql, fixed = str(compiled), dict(compiled.params)
        if isinstance(raw, RawSqlite):
            order = list(compiled.positiontup or [])
            return lambda p: raw.db.execute(sql, [{**fixed, **p}[k] for k in order]).fetchall()
        return lambda p: raw.q_named(sql, {**fixed, **p})

    by_number, by_card, by_name = (prepared(k) for k in (QueryKind.CITIZEN_NUMBER, QueryKind.CARD_NUMBER,
                                                           QueryKind.NAME))
    return {
        "citizen number": lambda i: by_number({"key": cipher.blind(dataset.citizen_number(i),
                                                                   "person.citizen_number")}),
        "card number": lambda i: by_card({"key": dataset.current_card_number(i)}),
        "name prefix (50)": lambda i: by_name({"key": dataset.person_name(i)[:1],
                                               "upper": dataset.person_name(i)[:1] + "\U0010ffff", "limit": 50}),
    }


def service_lookups(desk: Desk) -> dict[str, Callable[[int], Any]]:
    def check(found: list[Any], expect_one: bool) -> list[Any]:
        assert found and (len(found) == 1 or not expect_one), "lookup found nothing: the benchmark is broken"
        return found

    return {
        "citizen number": lambda i: check(find_persons(desk, dataset.citizen_number(i)), True),
        "card number": lambda i: check(find_persons(desk, dataset.current_card_number(i)), True),
        "name prefix (50)": lambda i: check(find_persons(desk, dataset.person_name(i)[:1]), False),
    }


def run_backend(backend: str, persons: int, n: int, tmp: Path) -> list[Row]:
    cluster = None
    if backend == "sqlite":
        path = str(tmp / "search.db")
        url = f"sqlite:///{path}"
    else:
        sys.path.insert(0, str(ROOT))
        from tests.pgcluster import start_cluster

        cluster = start_cluster(for_tests=False)
        url = cluster.create_database("search")
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        cipher = data_cipher(tmp)  # the key make_desk's desk opens with: the rows are sealed as the desk seals them
        start = time.perf_counter()
        if backend == "sqlite":
            sizes = dataset.load_sqlite(path, persons, cipher)
        else:
            sizes = dataset.load_postgres(url.replace("postgresql+psycopg://", "postgresql://"), persons, cipher)
        line = (f"{backend}: bulk insert of {sizes.persons:,} persons and {sizes.cards:,} cards "
                f"took {time.perf_counter() - start:.1f} s")
        LOAD_LINES.append(line)
        print(line, flush=True)
        desk = make_desk(url, tmp)
        raw: RawSqlite | RawPostgres = (
            RawSqlite(path) if backend == "sqlite" else RawPostgres(url.replace("postgresql+psycopg://", "postgresql://"))
        )
        keys = dataset.sample_keys(persons, n)
        rows = []
        services, raws = service_lookups(desk), raw_lookups(raw, desk.engine.dialect)
        for lookup in services:
            kind = "prefix" if "prefix" in lookup else "exact"
            # Interleave service and raw runs so drift on the machine hits both alike.
            s1 = time_calls(services[lookup], keys[: n // 2], warmup=50)
            r1 = time_calls(raws[lookup], keys[: n // 2], warmup=50)
            s2 = time_calls(services[lookup], keys[n // 2:], warmup=0)
            r2 = time_calls(raws[lookup], keys[n // 2:], warmup=0)
            rows.append(Row(backend, lookup, kind, s1 + s2, r1 + r2))
        desk.engine.dispose()
        return rows
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("-n", type=int, default=2000, help="lookups of each kind")
    ap.add_argument("--smoke", action="store_true", help="10,000 persons, 300 lookups (CI)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--write", type=Path, help="update the '## Search' section of this Markdown file")
    args = ap.parse_args()
    if args.smoke:
        args.persons, args.n = 10_000, 300
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="outlet-search-") as tmp:
        for backend in args.backends.split(","):
            rows += run_backend(backend.strip(), args.persons, args.n, Path(tmp))
    table = "\n".join([HEADER, *(r.line() for r in rows)])
    print(table)
    if args.write:
        body = (f"## Search\n\n`benchmarks/search.py --persons {args.persons}` (n = {args.n} lookups of each kind), "
                f"{time.strftime('%Y-%m-%d')}, on {machine()}.\n"
                "Service = `find_persons` (input validation, the prebuilt SQLAlchemy statement: person + current "
                "card in one round trip, rows mapped to masked views); raw = the very same SQL text through "
                "sqlite3 / psycopg, rows as tuples. PostgreSQL: a local cluster with server defaults (fsync on).\n\n"
                + "".join(f"- {line}\n" for line in LOAD_LINES) + "\n"
                f"{table}\n")
        write_section(args.write, "## Search", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
