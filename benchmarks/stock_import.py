"""Stock benchmark: importing a card centre's manifest and scanning its cards in, beside a plain
``executemany`` of the same rows, in one run.

    .venv/bin/python benchmarks/stock_import.py                   # 10,000 cards, all scanned in
    .venv/bin/python benchmarks/stock_import.py --smoke           # 1,000 cards, 100 scanned in (CI's smoke run)
    .venv/bin/python benchmarks/stock_import.py --write BENCHMARKS.md

On a SQLite file (the desk's settings: WAL, ``synchronous=FULL``) holding 10,000 persons with their cards
(``benchmarks/dataset.py``), a manifest of one new card per person is written as CSV; then, timed:

- **import**: ``parse_manifest`` (every line checked by its rules) and ``services.stock_import.import_manifest``
  (every line checked against the store, then written in one audited transaction);
- **baseline**: the same rows (the citizen numbers sealed as the desk stores them) inserted into
  ``stock_item`` with one ``executemany`` through the raw ``sqlite3`` driver, in one transaction;
- **scan-in**: ``services.stock_scan.scan_in`` for each card, its chip as the reader returns it (each one
  use case: one transaction, one audit event, the card put on record).

Target (issue 16): the import within 3x of the plain ``executemany``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dataset  # noqa: E402
from common import data_cipher, machine, write_section  # noqa: E402

from outlet_desk.config import parse_settings  # noqa: E402
from outlet_desk.db.engine import make_engine  # noqa: E402
from outlet_desk.db.migrate import upgrade  # noqa: E402
from outlet_desk.domain.manifest import FIELDS, parse_manifest  # noqa: E402
from outlet_desk.domain.roles import Role  # noqa: E402
from outlet_desk.reader.card_data import CardData, Gender  # noqa: E402
from outlet_desk.services import operators  # noqa: E402
from outlet_desk.services.bootstrap import open_desk  # noqa: E402
from outlet_desk.services.context import Actor, Desk  # noqa: E402
from outlet_desk.services.stock_import import import_manifest  # noqa: E402
from outlet_desk.services.stock_scan import scan_in  # noqa: E402

TARGET_RATIO = 3.0
TITLE = "## Stock: manifest import and scan-in"


def new_card(i: int) -> tuple[str, str]:
    return f"N{i:08d}", f"{dataset.REGIONS[i % len(dataset.REGIONS)]}D156000005{0xC000000000000000 + i:016X}"


def manifest_text(cards: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for i in range(cards):
        number, code = new_card(i)
        writer.writerow(["BENCH-1", number, code, dataset.citizen_number(i), dataset.person_name(i), ""])
    return out.getvalue()


def chip(i: int) -> CardData:
    number, code = new_card(i)
    citizen = dataset.citizen_number(i)
    born = date(int(citizen[6:10]), int(citizen[10:12]), int(citizen[12:14]))
    return CardData(card_number=number, identification_code=code, card_type=1, spec_version="3.00",
                    issue_date=date(2026, 11, 20), expiry_date=date(2036, 11, 20), citizen_number=citizen,
                    name=dataset.person_name(i), gender=Gender.MALE if int(citizen[16]) % 2 else Gender.FEMALE,
                    ethnicity="01", birthplace=citizen[:6], birth_date=born)


def make_desk(url: str, tmp: Path) -> tuple[Desk, Actor]:
    text = (f'[outlet]\ncode = "{dataset.OUTLET}"\nname = "Bench"\ndivision_code = "110105"\nlanguage = "en"\n'
            f'[database]\nurl = "{url}"\n')
    path = tmp / "outlet.toml"
    path.write_text(text)
    desk = open_desk(parse_settings(text, path))
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, "bench admin password")
    admin = operators.authenticate(desk, "admin", "bench admin password")
    operators.add_operator(desk, admin, "super", "Supervisor", Role.SUPERVISOR, "bench super password")
    return desk, operators.authenticate(desk, "super", "bench super password")


def load_persons(path: str, n: int, cipher: object) -> None:
    """The holders of the manifest's cards, bulk-loaded as the desk stores them (numbers sealed, indexed)."""
    db = sqlite3.connect(path)
    columns, persons = dataset._sealed_persons(n, cipher, text_dates=True)
    db.executemany(f"INSERT INTO person ({columns}) VALUES ({', '.join('?' * len(columns.split(', ')))})", persons)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def baseline(path: str, cards: int, cipher: object) -> float:
    """The same rows through the raw driver: one batch row, then one executemany, one commit."""
    db = sqlite3.connect(path)
    started = time.perf_counter()
    db.execute("INSERT INTO stock_batch (outlet_code, manifest_ref, kind, status, lines, operator_id, received_at) "
               "VALUES (?, 'BASELINE', 'manifest', 'announced', ?, 1, '2026-11-25 02:00:00')", (dataset.OUTLET, cards))
    batch = db.execute("SELECT id FROM stock_batch WHERE manifest_ref = 'BASELINE'").fetchone()[0]
    rows = []
    for i in range(cards):
        number, code = new_card(i)
        rows.append((batch, dataset.OUTLET, i + 2, "announced", number, code,
                     cipher.seal(dataset.citizen_number(i), "stock_item.citizen_number"),  # type: ignore[attr-defined]
                     dataset.person_name(i), i + 1, 0, "", ))
    db.executemany("INSERT INTO stock_item (batch_id, outlet_code, line_no, status, card_number, identification_code, "
                   "citizen_number, name, person_id, blank, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    seconds = time.perf_counter() - started
    db.execute("DELETE FROM stock_item WHERE batch_id = ?", (batch,))
    db.execute("DELETE FROM stock_batch WHERE id = ?", (batch,))
    db.commit()
    db.close()
    return seconds


def run(cards: int, scans: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = str(tmp / "bench.db")
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        cipher = data_cipher(tmp)
        desk, supervisor = make_desk(url, tmp)
        load_persons(path, cards, cipher)
        text = manifest_text(cards)
        base = baseline(path, cards, cipher)
        parse_manifest(manifest_text(1), ".csv", date(2026, 11, 25))  # stdnum's region table loads once a process
        started = time.perf_counter()
        parsed = parse_manifest(text, ".csv", date(2026, 11, 25))
        parse_s = time.perf_counter() - started
        batch = import_manifest(desk, supervisor, parsed)
        imported = time.perf_counter() - started
        base = min(base, baseline(path, cards, cipher))  # before and after, so drift on the machine hits both alike
        started = time.perf_counter()
        for i in range(scans):
            scan_in(desk, supervisor, batch.batch_id, chip(i))
        scanned = time.perf_counter() - started
        desk.engine.dispose()
    ratio = imported / base

    def row(step: str, n: int, seconds: float) -> str:
        return f"| {step} | {n:,} | {seconds:.2f} | {seconds / max(n, 1) * 1000:.3f} |"

    return [
        "| step | cards | seconds | per card ms |",
        "|---|---|---|---|",
        row("baseline: one `executemany` of the same rows (raw sqlite3, citizen numbers sealed)", cards, base),
        row("import, of which: parse the CSV and check each field's rules", cards, parse_s),
        row("import, of which: check every line against the store, write, audit, commit", cards, imported - parse_s),
        row("**import** (`stock import`'s work: both of the above)", cards, imported),
        row("scan-in: one audited use case per card (chip compared, card put on record, commit)", scans, scanned),
        "",
        f"Import / executemany: **{ratio:.2f}x** (target <= {TARGET_RATIO:g}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}).",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cards", type=int, default=10_000)
    ap.add_argument("--scans", type=int, default=None, help="How many cards to scan in (default: all).")
    ap.add_argument("--smoke", action="store_true", help="1,000 cards, 100 scanned in.")
    ap.add_argument("--write", type=Path, help="Write the figures as a section of this Markdown file.")
    args = ap.parse_args()
    cards = 1_000 if args.smoke else args.cards
    scans = 100 if args.smoke else (args.scans if args.scans is not None else cards)
    lines = run(cards, scans)
    print("\n".join(lines))
    if args.write:
        body = (f"{TITLE}\n\n`.venv/bin/python benchmarks/stock_import.py`, {date.today().isoformat()}, "
                f"on {machine()}. "
                "The machine is shared with other helpers' sessions working at the same time: the figures are one run "
                "under that load.\n\n" + "\n".join(lines) + "\n")
        write_section(args.write, TITLE, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
