"""Desk benchmarks: start-up to a ready login screen, and search keystroke to results.

1. Start-up: a fresh ``python`` process per run, from spawn to the login screen mounted with the cursor
   in the user name (the child prints a marker the parent waits for), beside a bare Textual app with
   one input, interleaved in the same run. Target: desk <= 2x bare (median).
2. Search: the real app (``run_test`` at 80x24) on a big SQLite outlet (``benchmarks/dataset.py``
   bulk insert); time from the keystroke that completes the query (the 18th character of a citizen
   number, the 9th of a card number, the 2nd of a name) to the results shown in the table. Target:
   p95 <= 50 ms.

    .venv/bin/python benchmarks/startup.py                      # 1,000,000 persons, 20 start-ups
    .venv/bin/python benchmarks/startup.py --smoke              # 10,000 persons, CI
    .venv/bin/python benchmarks/startup.py --write BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dataset  # noqa: E402
from common import data_cipher, machine, write_section  # noqa: E402

SECTION = "## Desk (startup, search)"
READING = (
    "Reading: `outlet-desk [--config X] [run]` (outlet_desk/launch.py) imports Textual and the sign-in screen "
    "only, peeks the settings file for its language with tomllib, and puts the sign-in screen up; the settings "
    "check (pydantic), the store (SQLAlchemy, SQLModel, the migration check), the training data, the lapsed-loss "
    "sweep and the card reader open in a worker behind it, while the clerk types the user name (a sign-in "
    "typed before the store is open goes ahead once it is). The Typer CLI (about 0.4 s of imports) loads "
    "only for the other commands."
)
MARKER = "LOGIN-READY"
OPENED = "STORE-OPEN"

OUTLET_TOML = """[outlet]
code = "{code}"
name = "Bench outlet"
division_code = "110105"
language = "zh_CN"

[database]
url = "sqlite:///{db}"
"""

DESK_CHILD = """
import sys
from pathlib import Path
from outlet_desk.launch import desk_app
from outlet_desk.screens.login import LoginScreen

app = desk_app(Path(sys.argv[1]))  # what `outlet-desk --config X` runs

async def ready(pilot):
    while not (isinstance(app.screen, LoginScreen) and app.focused is not None and app.focused.id == "username"):
        await pilot.pause(0.001)
    print("MARKER", flush=True)
    while not app.desk_is_open:
        await pilot.pause(0.001)
    print("OPENED", flush=True)
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=ready)
""".replace("MARKER", MARKER).replace("OPENED", OPENED)

BARE_CHILD = """
from textual.app import App
from textual.widgets import Footer, Header, Input

class Bare(App):
    def compose(self):
        yield Header()
        yield Input(id="username")
        yield Footer()

app = Bare()

async def ready(pilot):
    while not (app.focused is not None and app.focused.id == "username"):
        await pilot.pause(0.001)
    print("MARKER", flush=True)
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=ready)
""".replace("MARKER", MARKER)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def spawn_until_marker(code: str, *args: str) -> float:
    """Seconds from spawning ``python -c code`` to the marker on its stdout."""
    return spawn_until_markers(code, *args)[0]


def spawn_until_markers(code: str, *args: str) -> list[float]:
    """Seconds from spawning ``python -c code`` to each marker line on its stdout, in order."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    assert proc.stdout is not None
    seen = [time.perf_counter() - start for line in proc.stdout if line.strip() in (MARKER, OPENED)]
    if not seen:
        raise RuntimeError(f"no marker; stderr: {proc.stderr.read() if proc.stderr else ''}")
    proc.wait(timeout=30)
    return seen


def prepare_outlet(folder: Path, code: str = "BEN001") -> Path:
    """A migrated SQLite outlet with one operator, so the desk opens on the login screen."""
    from outlet_desk.config import parse_settings
    from outlet_desk.domain.roles import Role
    from outlet_desk.services import operators
    from outlet_desk.services.bootstrap import open_desk

    path = folder / "outlet.toml"
    path.write_text(OUTLET_TOML.format(code=code, db=folder / "outlet.db"))
    desk = open_desk(parse_settings(path.read_text(), path))
    if operators.count_operators(desk) == 0:
        operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, "benchmark password 1")
    desk.engine.dispose()
    return path


@dataclass
class Startup:
    desk: list[float]
    opened: list[float]
    bare: list[float]

    def ratio(self) -> float:
        return statistics.median(self.desk) / statistics.median(self.bare)

    def lines(self) -> list[str]:
        def row(name: str, values: list[float]) -> str:
            return (f"| {name} | {len(values)} | {statistics.median(values):.3f} | {percentile(values, 95):.3f} | "
                    f"{min(values):.3f} |")

        d, b, o = statistics.median(self.desk), statistics.median(self.bare), statistics.median(self.opened)
        return [
            "| app | n | median s | p95 s | min s |",
            "|---|---|---|---|---|",
            row("desk: sign-in screen ready, cursor in the user name", self.desk),
            row("desk: store open behind it (sign-in possible)", self.opened),
            row("bare Textual app (one input)", self.bare),
            "",
            f"Ratio desk / bare (median): {d / b:.2f}x (target <= 2x: {'met' if d / b <= 2 else 'NOT met'}); "
            f"the store is open {o:.3f} s after start ({o / b:.2f}x bare), while the clerk types.",
        ]


BREAKDOWN = ("textual.app", "outlet_desk.launch", "outlet_desk.app", "outlet_desk.screens.login", "pydantic",
             "sqlalchemy", "sqlmodel", "alembic", "argon2", "stdnum", "outlet_desk.config", "outlet_desk.db.tables",
             "outlet_desk.db.migrate", "outlet_desk.services.bootstrap")


def import_breakdown(config: Path) -> list[str]:
    """Cumulative import time of the big pieces, from one desk start-up under ``-X importtime``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", DESK_CHILD, str(config)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    first: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        if cumulative.isdigit():
            first.setdefault(name, int(cumulative))
    cells = [f"{name} {first[name] / 1000:.0f} ms" for name in BREAKDOWN if name in first]
    return ["Where the desk's start-up goes (cumulative import time, one run under `-X importtime`, which "
            "inflates it; modules imported inside another are counted there too; from pydantic on, in the worker "
            "after the sign-in screen is up): " + ", ".join(cells) + "."]


def measure_startup(runs: int, folder: Path) -> Startup:
    config = prepare_outlet(folder)
    spawn_until_marker(BARE_CHILD)  # warm the file cache for both
    spawn_until_marker(DESK_CHILD, str(config))
    desk, opened, bare = [], [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        bare.append(spawn_until_marker(BARE_CHILD))
        ready, store = spawn_until_markers(DESK_CHILD, str(config))
        desk.append(ready)
        opened.append(store)
    return Startup(desk, opened, bare)


# -- search ----------------------------------------------------------------------------------------


async def _search_timings(config: Path, persons: int, n: int) -> dict[str, list[float]]:
    from textual.widgets import Static

    from outlet_desk.app import make_app
    from outlet_desk.config import load_settings
    from outlet_desk.screens.search import SearchDone, SearchScreen
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(load_settings(config))
    app = make_app(desk)
    shown: list[float] = []
    original = SearchScreen.on_search_done

    def timed_done(self: SearchScreen, message: SearchDone) -> None:
        original(self, message)
        if message.results:
            shown.append(time.perf_counter())

    SearchScreen.on_search_done = timed_done  # type: ignore[method-assign]
    keys = dataset.sample_keys(persons, n, seed=11)
    queries = {
        "citizen number": [dataset.citizen_number(i) for i in keys],
        "card number": [dataset.current_card_number(i) for i in keys],
        "name prefix (2 characters)": [dataset.person_name(i)[:2] for i in keys],
    }
    timings: dict[str, list[float]] = {kind: [] for kind in queries}
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*"clerk")
            await pilot.press("enter", *[c if c != " " else "space" for c in "benchmark password 1"], "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            for kind, texts in queries.items():
                for text in texts:
                    await pilot.press("f2")  # a new search: the input is cleared
                    await pilot.press(*text[:-1])
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    before = len(shown)
                    start = time.perf_counter()
                    await pilot.press(text[-1])
                    deadline = start + 10
                    while len(shown) == before:
                        if time.perf_counter() > deadline:
                            raise RuntimeError(f"no results shown for {kind} {text!r}: "
                                               f"{app.screen.query_one('#search-count', Static).content!r}")
                        await asyncio.sleep(0.0005)
                    timings[kind].append(shown[-1] - start)
    finally:
        SearchScreen.on_search_done = original  # type: ignore[method-assign]
        desk.engine.dispose()
    return timings


def measure_search(persons: int, n: int, folder: Path) -> tuple[str, dict[str, list[float]]]:
    from outlet_desk.config import parse_settings
    from outlet_desk.db.engine import make_engine
    from outlet_desk.db.migrate import upgrade
    from outlet_desk.domain.roles import Role
    from outlet_desk.services import operators
    from outlet_desk.services.bootstrap import open_desk

    db = folder / "big.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    # The desk opens first and its operators are added (their events start the outlet's audit chain); the
    # persons and cards are bulk-loaded after, outside the services (a store with records and no chain is
    # refused as one whose chain was deleted).
    config = folder / "big.toml"
    config.write_text(OUTLET_TOML.format(code=dataset.OUTLET, db=db).replace('"zh_CN"', '"en"'))
    desk = open_desk(parse_settings(config.read_text(), config))
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, "benchmark password 1")
    admin = operators.authenticate(desk, "admin", "benchmark password 1")
    operators.add_operator(desk, admin, "clerk", "Clerk", Role.CLERK, "benchmark password 1")
    desk.engine.dispose()
    cipher = data_cipher(folder)  # big.toml's desk opens with folder/data/data.key
    start = time.perf_counter()
    sizes = dataset.load_sqlite(str(db), persons, cipher)
    load = (f"bulk insert of {sizes.persons:,} persons and {sizes.cards:,} cards into SQLite took "
            f"{time.perf_counter() - start:.1f} s")
    print(load, flush=True)
    timings = asyncio.run(_search_timings(config, persons, n))
    return load, timings


def search_lines(timings: dict[str, list[float]]) -> list[str]:
    out = ["| query completed by the keystroke | n | p50 ms | p95 ms | max ms | target p95 | met |",
           "|---|---|---|---|---|---|---|"]
    for kind, values in timings.items():
        ms = [v * 1000 for v in values]
        p95 = percentile(ms, 95)
        out.append(f"| {kind} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | {max(ms):.1f} | <= 50 ms | "
                   f"{'yes' if p95 <= 50 else 'NO'} |")
    return out


def textual_version() -> str:
    import textual

    return textual.__version__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="start-ups of each app (at least 10)")
    parser.add_argument("-n", type=int, default=200, help="searches of each kind")
    parser.add_argument("--smoke", action="store_true", help="10,000 persons, 10 start-ups, 30 searches (CI)")
    parser.add_argument("--write", type=Path, help=f"update the '{SECTION}' section of this Markdown file")
    args = parser.parse_args()
    if args.smoke:
        args.persons, args.runs, args.n = 10_000, 10, 30
    args.runs = max(args.runs, 10)
    with tempfile.TemporaryDirectory(prefix="outlet-desk-bench-") as tmp:
        (Path(tmp) / "startup").mkdir()
        startup = measure_startup(args.runs, Path(tmp) / "startup")
        breakdown = import_breakdown(Path(tmp) / "startup" / "outlet.toml")
        print("\n".join(startup.lines() + breakdown), flush=True)
        load, timings = measure_search(args.persons, args.n, Path(tmp))
    search = search_lines(timings)
    print("\n".join(search))
    ok = statistics.median(startup.desk) <= 2 * statistics.median(startup.bare) and all(
        percentile(v, 95) <= 0.050 for v in timings.values())
    if args.write:
        body = "\n".join([
            SECTION, "",
            f"`.venv/bin/python benchmarks/startup.py{' --smoke' if args.smoke else ''} --persons {args.persons}`, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
            f"Machine: {machine()}; Textual {textual_version()}.", "",
            "Start-up: a fresh process per run of the desk as `outlet-desk --config X` builds it "
            "(`launch.desk_app`), spawn to the sign-in screen mounted with the cursor in the user name, and on "
            "to the store open behind it (headless, 80x24, zh_CN, migrated SQLite outlet), interleaved with a "
            f"bare Textual app (header, one input, footer) in the same run; {args.runs} runs each.", "",
            *startup.lines(), "", *breakdown, "", READING, "",
            "Search: the real app under `run_test` at 80x24, signed in, on the search screen; from the keystroke "
            "that completes the query to the results drawn in the table (worker thread, `find_persons`, message "
            f"back). {load}.", "",
            *search, "",
        ])
        write_section(args.write, SECTION, body.rstrip("\n"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
