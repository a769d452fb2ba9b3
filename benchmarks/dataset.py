"""A big outlet's persons and cards, made fast with the raw drivers (shared by the benchmarks).

Deterministic: person ``i`` always gets the same valid citizen number, name and cards, so a benchmark
can pick lookup keys without reading them back. ``cards_per_person`` of 1.2 gives every person a current
card and every fifth person an older, replaced one.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

REGIONS = ("110105", "310104", "440305", "510107", "330106", "420106", "320102", "610113")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国文辉玉志海燕红梅晓东春雷鹏飞宇轩浩然"
OUTLET = "BEN001"
BASE_DAY = date(1950, 1, 1)
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def citizen_number(i: int) -> str:
    region = REGIONS[i % len(REGIONS)]
    k = i // len(REGIONS)
    born = BASE_DAY + timedelta(days=k // 1000)
    body = f"{region}{born:%Y%m%d}{k % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def person_name(i: int) -> str:
    g = len(GIVEN)
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % g] + GIVEN[(i // 331) % g]


def card_number(j: int) -> str:
    return f"B{j:08d}"


def identification_code(i: int, j: int) -> str:
    return f"{REGIONS[i % len(REGIONS)]}D156000005{j:016X}"


@dataclass(frozen=True)
class Sizes:
    persons: int
    cards: int


def person_rows(n: int, start: int = 0) -> Iterator[tuple[object, ...]]:
    """Persons ``start`` to ``n - 1`` (ids ``start + 1`` to ``n``)."""
    ts = NOW.replace(tzinfo=None)
    for i in range(start, n):
        number = citizen_number(i)
        gender = "male" if int(number[16]) % 2 else "female"
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        yield (i + 1, number, person_name(i), gender, born, "01", f"139{i:08d}", "北京市朝阳区朝阳路1号", ts)


def card_rows(n_persons: int) -> Iterator[tuple[object, ...]]:
    """Every person's current card (active), and for every fifth person an older replaced card."""
    ts = NOW.replace(tzinfo=None)
    j = 0
    for i in range(n_persons):
        if i % 5 == 0:
            j += 1
            yield (j, card_number(j), identification_code(i, j), i + 1, OUTLET, date(2012, 5, 1), date(2022, 5, 1),
                   "replaced", ts, 3)
        j += 1
        yield (j, card_number(j), identification_code(i, j), i + 1, OUTLET, date(2022, 5, 1), date(2032, 5, 1),
               "active", ts, 2)


PERSON_COLS = "id, citizen_number, name, gender, birth_date, ethnicity, phone, address, created_at"
CARD_COLS = ("id, card_number, identification_code, person_id, outlet_code, issue_date, expiry_date, status, "
             "status_changed_at, version")


def _sealed_persons(n_persons: int, cipher: Any, *, text_dates: bool) -> tuple[str, Iterator[tuple[object, ...]]]:
    """The person rows as the desk stores them (citizen number, phone and address sealed, the blind index
    added), and their column list."""
    from common import sealed_rows

    rows = person_rows(n_persons)
    if text_dates:
        rows = ((r[0], r[1], r[2], r[3], r[4].isoformat(), *r[5:8], r[8].isoformat(" "))  # type: ignore[attr-defined]
                for r in rows)
    columns, sealed = sealed_rows("person", tuple(PERSON_COLS.split(", ")), rows, cipher)
    return ", ".join(columns), sealed


def load_sqlite(path: str, n_persons: int, cipher: Any) -> Sizes:
    """Bulk-insert into an already migrated SQLite file, personal values sealed with ``cipher``."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    # the outlet may be registered already by a desk opened first (its audit chain started)
    db.execute("INSERT OR IGNORE INTO outlet (code, name, division_code) VALUES (?, ?, ?)", (OUTLET, "Bench", "110105"))
    columns, persons = _sealed_persons(n_persons, cipher, text_dates=True)
    db.executemany(f"INSERT INTO person ({columns}) VALUES ({', '.join('?' * len(columns.split(', ')))})", persons)
    db.executemany(f"INSERT INTO card ({CARD_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   ((*r[:5], r[5].isoformat(), r[6].isoformat(), r[7], r[8].isoformat(" "), r[9])  # type: ignore[attr-defined]
                    for r in card_rows(n_persons)))
    db.commit()
    db.execute("ANALYZE")
    cards = db.execute("SELECT count(*) FROM card").fetchone()[0]
    db.close()
    return Sizes(n_persons, cards)


def load_postgres(conninfo: str, n_persons: int, cipher: Any) -> Sizes:
    """Bulk-load with COPY into an already migrated PostgreSQL database, personal values sealed with ``cipher``."""
    import psycopg

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO outlet (code, name, division_code) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (OUTLET, "Bench", "110105"))
        columns, persons = _sealed_persons(n_persons, cipher, text_dates=False)
        with cur.copy(f"COPY person ({columns}) FROM STDIN") as copy:
            for row in persons:
                copy.write_row(row)
        with cur.copy(f"COPY card ({CARD_COLS}) FROM STDIN") as copy:
            for row in card_rows(n_persons):
                copy.write_row(row)
        for table in ("person", "card"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM card")
        row = cur.fetchone()
        assert row is not None
        return Sizes(n_persons, int(row[0]))


def sample_keys(n_persons: int, k: int, seed: int = 7) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(n_persons) for _ in range(k)]


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def current_card_number(i: int) -> str:
    """The card number of person ``i``'s current (active) card, as ``card_rows`` numbers them."""
    j = i + (i + 4) // 5 + (1 if i % 5 == 0 else 0) + 1
    return card_number(j)
