"""One counter against many, in one run: collections per second with the real use cases (issue 17 item 5).

A collection is what a counter does for a holder whose new card is ready: find the holder by citizen number,
open the pending collection, check the chip (writes nothing when it passes), check the holder's identity
(audited) and hand the card over (audited, with its receipt). Each counter is a process of its own that
repeats it on its own ready requests for ``--seconds``; every counter of a run starts together.

* SQLite (WAL, ``synchronous=FULL``), one outlet: 1 counter, then 8.
* PostgreSQL (a local cluster with the server's defaults, fsync on), 1 outlet x 1 counter, then 8 outlets x 4
  counters, sampling ``pg_stat_activity`` every 10 ms meanwhile: the share of the busy backends' samples that
  wait for a lock on ``audit_head``, and the share "idle in transaction".

Per run: collections/s, latency p50/p99 of a whole collection, the least and most one counter did, the client
CPU per collection (each counter's process time over its collections), and at the end 0 lost (the store holds
exactly the collections the counters were told succeeded) and every outlet's chain intact (full verification).
Targets: SQLite 8 counters >= 150/s with p99 <= 100 ms; PostgreSQL 8x4 >= 3x its one-counter rate with
audit-head lock waits < 10% of the samples; client CPU <= 5 ms per collection.

    .venv/bin/python benchmarks/concurrency.py [--seconds 8] [--backends sqlite,postgresql] [--write BENCHMARKS.md]
    .venv/bin/python benchmarks/concurrency.py --quick      # the same shapes, 2 s each: a look, not the figures
    .venv/bin/python benchmarks/concurrency.py --profile 200 [--top 40] [--backends sqlite]
                                        # 200 collections of one counter in one process under cProfile

Each target is printed met / not met; exit 0 when all are met, 1 when one is not, 2 for bad options.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from benchmarks.activity import citizen_number
from benchmarks.common import machine, write_section
from outlet_desk.config import parse_settings
from outlet_desk.db.tables import Card, Collection, IdentityCheck, Operator, Person, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import parse_citizen_id
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.identity_documents import DocumentType
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.services import demo, operators
from outlet_desk.services.audit import check_chain
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.collection import check_chip, complete_collection, pending_collection
from outlet_desk.services.context import Desk
from outlet_desk.services.identity import Document, record_identity_check
from outlet_desk.services.persons import find_persons
from outlet_desk.services.uow import UnitOfWork
from tests.services.builders import chip_of

TOML = """[outlet]
code = "{code}"
name = "Bench outlet {code}"
division_code = "110105"
language = "en"

[database]
url = "{url}"
"""
NAMES = ["王芳", "李强", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]
COUNTER_USERS = ("clerk1", "clerk2", "super1", "super2")


@dataclass(frozen=True)
class Ready:
    """A request whose new card waits at the outlet, as a counter meets it."""

    request_id: int
    card_id: int
    citizen_number: str
    name: str
    chip: Any


def outlet_folder(tmp: Path, code: str, url: str) -> Path:
    folder = tmp / code
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outlet.toml").write_text(TOML.format(code=code, url=url))
    return folder


def desk_of(folder: Path) -> Desk:
    path = folder / "outlet.toml"
    return open_desk(parse_settings(path.read_text(), path))


def make_ready(desk: Desk, outlet_index: int, n: int) -> list[Ready]:
    """``n`` holders at ``desk``'s outlet whose lost card's replacement is ready (one transaction, as the
    training data's ready requests are written)."""
    today = desk.local_now().date()
    now = desk.now()
    out: list[tuple[int, int, Person, Card]] = []
    with UnitOfWork(desk, None) as uow:
        s = uow.session
        clerk_id = s.exec(select(Operator).where(col(Operator.username) == "clerk1")).one().id
        assert clerk_id is not None
        for j in range(n):
            number = citizen_number(200_000 + outlet_index * 20_000 + j)
            name = NAMES[j % len(NAMES)]
            cid = parse_citizen_id(number)
            person = Person(citizen_number=number, name=name, gender=str(getattr(cid.gender, "value", cid.gender)),
                            birth_date=cid.birth_date, ethnicity="01", phone=f"139{j:08d}", address="北京市朝阳区",
                            created_at=now)
            s.add(person)
            s.flush()
            assert person.id is not None
            base = 60_000_000 + outlet_index * 100_000 + 2 * j
            cards = []
            for k, status in enumerate((CardStatus.LOST, CardStatus.READY)):
                card = Card(card_number=f"A{base + k:08d}",
                            identification_code=f"110105D156000005{outlet_index:04X}{base + k:012X}",
                            person_id=person.id, outlet_code=desk.outlet_code, issue_date=today - timedelta(days=900),
                            expiry_date=today + timedelta(days=2700), status=status.value, status_changed_at=now)
                s.add(card)
                cards.append(card)
            check = IdentityCheck(
                outlet_code=desk.outlet_code, person_id=person.id, flow=Action.REPORT_LOSS_COUNTER.value,
                presenter="holder", document_type=DocumentType.RESIDENT_ID_CARD.value, document_number=number,
                document_name=name, document_expiry=today + timedelta(days=2000), check_digit_ok=True,
                name_match_ok=True, document_valid_ok=True, face_confirmed=True, passed=True,
                operator_id=clerk_id, checked_at=now - timedelta(days=20))
            s.add(check)
            s.flush()
            request = ReissueRequest(
                outlet_code=desk.outlet_code, person_id=person.id, old_card_id=cards[0].id, new_card_id=cards[1].id,
                reason=ReissueReason.LOST.value, fee_fen=desk.settings.fees.reissue_fen.lost,
                production_mode="factory", status=RequestStatus.READY, due_date=today - timedelta(days=1),
                identity_check_id=check.id, operator_id=clerk_id, created_at=now - timedelta(days=20))
            s.add(request)
            s.flush()
            assert request.id is not None and cards[1].id is not None
            out.append((request.id, cards[1].id, person, cards[1]))
        uow.audit(AuditAction.DEMO_SEEDED, "outlet", desk.outlet_code, after={"benchmark": "ready requests", "n": n})
        uow.commit()
    return [Ready(rid, cid, p.citizen_number, p.name, chip_of(card, p)) for rid, cid, p, card in out]


@dataclass
class CounterResult:
    warm: int = 0
    """Collections done before the start (the warm-up), not counted in the rate but in the store's check."""
    done: int = 0
    busy: int = 0
    ran_out: bool = False
    """The counter did all its requests before the time was up: the rate is then a floor."""
    latencies_ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0


def collect(desk: Desk, actor: Any, ready: Ready) -> None:
    """One collection at the counter, through the services the screens call."""
    [found] = find_persons(desk, ready.citizen_number)
    pending = pending_collection(desk, ready.card_id)
    check_chip(desk, actor, ready.request_id, ready.chip)
    check = record_identity_check(
        desk, actor, found.id, Action.COLLECT_CARD.value, presenter="holder", face_confirmed=True,
        document=Document("resident_id_card", ready.citizen_number, ready.name,
                          desk.local_now().date() + timedelta(days=2000))).check_id
    complete_collection(desk, actor, ready.request_id, pending.version, check, ready.chip, pin_changed=True)


def counter(folder: Path, username: str, work: list[Ready], seconds: float, start: Any, results: Any) -> None:
    """One counter's process: sign in, do one collection to warm up (not counted: the first one pays for the
    imports and the connection), wait for the others, then collect until the time is up."""
    from outlet_desk.services.errors import StoreBusy

    desk = desk_of(folder)
    actor = operators.authenticate(desk, username, demo.training_password(username))
    collect(desk, actor, work[0])
    result = CounterResult(warm=1)
    start.wait()
    cpu0 = time.process_time()
    deadline = time.perf_counter() + seconds
    result.ran_out = True
    for ready in work[1:]:
        if time.perf_counter() >= deadline:
            result.ran_out = False
            break
        t0 = time.perf_counter()
        try:
            collect(desk, actor, ready)
        except StoreBusy:
            result.busy += 1
            continue
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        result.done += 1
    result.cpu_s = time.process_time() - cpu0
    desk.engine.dispose()
    tried = work[:result.warm + result.done + result.busy]
    results.put((username, folder.name, result, [r.request_id for r in tried]))


class LockSampler(threading.Thread):
    """``pg_stat_activity`` every 10 ms: busy backends' samples, those waiting for a lock on audit_head, those
    idle in a transaction."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        from outlet_desk.db.engine import make_engine

        self.engine = make_engine(url)
        self.stop = threading.Event()
        self.busy = self.head_waits = self.idle_in_tx = self.lock_waits = 0

    def run(self) -> None:
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self.stop.is_set():
                rows = conn.execute(text(
                    "SELECT state, wait_event_type, query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'")).all()
                for state, wait_type, query in rows:
                    self.busy += 1
                    self.idle_in_tx += state.startswith("idle in transaction")
                    if wait_type == "Lock":
                        self.lock_waits += 1
                        self.head_waits += "audit_head" in (query or "")
                time.sleep(0.01)
        self.engine.dispose()


@dataclass
class Run:
    backend: str
    shape: str
    seconds: float
    results: list[CounterResult]
    lost: int
    intact: bool
    sampler: LockSampler | None = None

    @property
    def done(self) -> int:
        return sum(r.done for r in self.results)

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def latency(self, q: float) -> float:
        values = sorted(v for r in self.results for v in r.latencies_ms)
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    @property
    def cpu_ms(self) -> float:
        return sum(r.cpu_s for r in self.results) * 1000 / max(1, self.done)

    def shares(self) -> tuple[str, str]:
        s = self.sampler
        if s is None or s.busy == 0:
            return "-", "-"
        return f"{100 * s.head_waits / s.busy:.1f}%", f"{100 * s.idle_in_tx / s.busy:.1f}%"

    def line(self) -> str:
        per = [r.done for r in self.results]
        head, idle = self.shares()
        busy = sum(r.busy for r in self.results)
        if any(r.ran_out for r in self.results):
            busy_note = " (a counter ran out of requests: the rate is a floor)"
            print(f"{self.backend} {self.shape}{busy_note}", file=sys.stderr)
        return (f"| {self.backend} | {self.shape} | {self.rate:.0f} | {self.latency(0.5):.1f} "
                f"| {self.latency(0.99):.1f} | {min(per)}-{max(per)} | {busy} | {self.cpu_ms:.1f} | {head} | {idle} "
                f"| {self.lost} | "
                f"{'yes' if self.intact else 'NO'} |")


HEADER = ("| backend | outlets x counters | collections/s | p50 ms | p99 ms | per counter (min-max) | store busy "
          "| client CPU ms/collection | audit-head lock waits | idle in transaction | lost | chains intact |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


def run_shape(backend: str, folders: list[Path], ready: dict[str, list[Ready]], counters_per_outlet: int,
              seconds: float, sample_url: str | None, budget: int) -> Run:
    """Run ``counters_per_outlet`` counters at each outlet of ``folders`` for ``seconds``, each with ``budget``
    ready requests of its own (taken off ``ready``)."""
    ctx = mp.get_context("fork")
    counters = len(folders) * counters_per_outlet
    start = ctx.Barrier(counters + 1)
    results = ctx.Queue()
    procs = []
    for folder in folders:
        queue = ready[folder.name]
        for k in range(counters_per_outlet):
            work, queue = queue[:budget + 1], queue[budget + 1:]
            procs.append(ctx.Process(target=counter, args=(folder, COUNTER_USERS[k % len(COUNTER_USERS)], work,
                                                           seconds, start, results)))
        ready[folder.name] = queue
    for p in procs:
        p.start()
    sampler = LockSampler(sample_url) if sample_url else None
    start.wait()
    if sampler is not None:
        sampler.start()
    t0 = time.perf_counter()
    got = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = max(seconds, min(time.perf_counter() - t0, seconds * 1.05))
    if sampler is not None:
        sampler.stop.set()
        sampler.join()
    for p in procs:
        p.join()
    used = {(folder_name, rid) for _u, folder_name, _r, rids in got for rid in rids}
    lost, intact = check_store(folders, used, sum(r.warm + r.done for _u, _f, r, _ids in got))
    return Run(backend, f"{len(folders)} x {counters_per_outlet}", elapsed, [r for _u, _f, r, _ids in got], lost,
               intact, sampler)


def check_store(folders: list[Path], used: set[tuple[str, int]], done: int) -> tuple[int, bool]:
    """How many collections the counters were told succeeded that the store does not hold (or the other way
    round), and whether every outlet's chain verifies in full."""
    held = 0
    intact = True
    for folder in folders:
        desk = desk_of(folder)
        ids = [rid for name, rid in used if name == folder.name]
        with Session(desk.engine) as s:
            held += s.exec(select(func.count()).select_from(Collection).where(
                col(Collection.request_id).in_(ids))).one() if ids else 0
        intact &= check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=True).intact
        desk.engine.dispose()
    return abs(done - held), intact


def prepare(backend: str, tmp: Path, url: str, outlets: int,
            per_outlet: int) -> tuple[list[Path], dict[str, list[Ready]]]:
    folders = [outlet_folder(tmp / backend, f"BN{i:04d}", url) for i in range(outlets)]
    ready: dict[str, list[Ready]] = {}
    for i, folder in enumerate(folders):
        if i > 0:  # one database, one data key: every outlet's desk has the first one's
            (folder / "data").mkdir(mode=0o700, exist_ok=True)
            key = folder / "data" / "data.key"
            key.write_bytes((folders[0] / "data" / "data.key").read_bytes())
            key.chmod(0o600)
        desk = desk_of(folder)
        demo.seed_training(desk, persons=40)
        ready[folder.name] = make_ready(desk, i, per_outlet)
        desk.engine.dispose()
    return folders, ready


@dataclass(frozen=True)
class Shape:
    """What one run of the benchmark measures: its length and how many counters where."""

    seconds: float = 8.0
    sqlite_counters: int = 8
    pg_outlets: int = 8
    pg_counters: int = 4


QUICK = Shape(seconds=2.0)
"""``--quick``: the shapes of the targets, 2 s each (a look on a busy machine, not the figures)."""

# Ready requests per counter and second, above what a counter can do on a quiet 2-core machine (so that none
# runs out; if one does, the run says its rate is a floor).
SQLITE_ONE, SQLITE_MANY, PG_ONE, PG_MANY = 300, 70, 150, 40


def print_run(run: Run, first: bool) -> None:
    print((HEADER + "\n" if first else "") + run.line(), flush=True)


def sqlite_runs(tmp: Path, shape: Shape) -> list[Run]:
    url = f"sqlite:///{tmp / 'sqlite' / 'store.db'}"
    (tmp / "sqlite").mkdir(parents=True)
    budgets = ((1, int(shape.seconds * SQLITE_ONE)),
               (shape.sqlite_counters, int(shape.seconds * SQLITE_MANY)))
    folders, ready = prepare("sqlite", tmp, url, 1, sum(n * (b + 1) for n, b in budgets))
    runs = []
    for n, budget in budgets:
        runs.append(run_shape("sqlite", folders, ready, n, shape.seconds, None, budget))
        print_run(runs[-1], len(runs) == 1)
    return runs


def postgres_runs(tmp: Path, shape: Shape) -> list[Run]:
    from tests.pgcluster import start_cluster

    cluster = start_cluster(for_tests=False)
    try:
        url = cluster.create_database("concurrency")
        one, many = int(shape.seconds * PG_ONE), int(shape.seconds * PG_MANY)
        folders, ready = prepare("postgresql", tmp, url, shape.pg_outlets,
                                 one + 1 + shape.pg_counters * (many + 1))
        runs = [run_shape("postgresql", folders[:1], ready, 1, shape.seconds, url, one)]
        print_run(runs[-1], True)
        runs.append(run_shape("postgresql", folders, ready, shape.pg_counters, shape.seconds, url, many))
        print_run(runs[-1], False)
        return runs
    finally:
        cluster.stop()


def met(ok: bool) -> str:
    return "met" if ok else "not met"


def verdicts(runs: list[Run]) -> list[str]:
    """Each target of issue 17 item 5 against the runs, ending in ': met' or ': not met'."""
    out = []
    sqlite = [r for r in runs if r.backend == "sqlite"]
    if len(sqlite) == 2:
        s1, sn = sqlite
        p99 = sn.latency(0.99)
        out.append(f"SQLite, one outlet, {sn.shape.split(' x ')[1]} counters: {sn.rate:.0f} collections/s (>= 150; "
                   f"one counter {s1.rate:.0f}/s), p99 {p99:.0f} ms (<= 100): {met(sn.rate >= 150 and p99 <= 100)}")
    pg = [r for r in runs if r.backend == "postgresql"]
    if len(pg) == 2:
        p1, pn = pg
        ratio = pn.rate / p1.rate if p1.rate else float("inf")
        head = pn.sampler.head_waits / pn.sampler.busy if pn.sampler and pn.sampler.busy else 0.0
        outlets, counters = pn.shape.split(" x ")
        out.append(f"PostgreSQL, {outlets} outlets x {counters} counters: {pn.rate:.0f} collections/s = {ratio:.1f}x "
                   f"one counter's {p1.rate:.0f}/s (>= 3x): {met(ratio >= 3)}")
        out.append(f"PostgreSQL, {outlets} outlets x {counters} counters: audit-head lock waits {100 * head:.1f}% of "
                   f"the busy backends' samples (< 10%): {met(head < 0.10)}")
    if runs:
        worst = max(r.cpu_ms for r in runs)
        out.append(f"Client CPU per collection: at most {worst:.1f} ms over the runs (<= 5): {met(worst <= 5)}")
        lost = sum(r.lost for r in runs)
        intact = all(r.intact for r in runs)
        out.append(f"Collections lost: {lost}; every outlet's chain intact: {'yes' if intact else 'NO'}: "
                   f"{met(lost == 0 and intact)}")
    return out


def profile_backend(backend: str, tmp: Path, n: int, top: int) -> None:
    """``n`` collections by one counter in this process on ``backend``, the first half plain (the client CPU per
    collection, user and system), the second under cProfile; prints the ``top`` entries by cumulative and by own
    time, and the project's own functions by cumulative time (where a collection's CPU goes)."""
    import cProfile
    import pstats

    def run(url: str) -> None:
        folders, ready = prepare(backend, tmp, url, 1, n + 1)
        desk = desk_of(folders[0])
        actor = operators.authenticate(desk, "clerk1", demo.training_password("clerk1"))
        work = ready[folders[0].name]
        collect(desk, actor, work[0])  # the first pays for imports, connections and caches
        plain, profiled = work[1:n // 2 + 1], work[n // 2 + 1:]
        t0 = os.times()
        for item in plain:
            collect(desk, actor, item)
        t1 = os.times()
        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits for the disk or the server
        profiler.enable()
        for item in profiled:
            collect(desk, actor, item)
        profiler.disable()
        t2 = os.times()
        desk.engine.dispose()

        def per(a: Any, b: Any, k: int) -> str:
            user, system = (b.user - a.user) * 1000 / k, (b.system - a.system) * 1000 / k
            wall = (b.elapsed - a.elapsed) * 1000 / k
            return f"{user + system:.1f} ms CPU ({user:.1f} user + {system:.1f} system), {wall:.1f} ms wall"

        print(f"== {backend}: {len(plain)} collections without the profiler: {per(t0, t1, len(plain))} per collection; "
              f"{len(profiled)} under it: {per(t1, t2, len(profiled))}; load average {os.getloadavg()[0]:.2f}")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        calls = stats.total_calls  # type: ignore[attr-defined]
        print(f"== {backend}: {calls / len(profiled):,.0f} Python function calls per collection (the figure the "
              "machine's load does not move)")
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats("outlet_desk", top)  # the project's own functions

    if backend == "sqlite":
        (tmp / "sqlite").mkdir(parents=True)
        run(f"sqlite:///{tmp / 'sqlite' / 'store.db'}")
        return
    from tests.pgcluster import start_cluster

    cluster = start_cluster(for_tests=False)
    try:
        run(cluster.create_database("profile"))
    finally:
        cluster.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the same shapes, 2 s each: a look, not the figures")
    ap.add_argument("--seconds", type=float, help="length of each run (default 8)")
    ap.add_argument("--sqlite-counters", type=int, help="counters of the SQLite outlet's many-counter run (8)")
    ap.add_argument("--outlets", type=int, help="PostgreSQL outlets of the many-counter run (8)")
    ap.add_argument("--counters", type=int, help="counters per PostgreSQL outlet in the many-counter run (4)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--write", type=Path, help="update the '## Concurrency' section of this Markdown file")
    ap.add_argument("--profile", type=int, metavar="N",
                    help="instead of the runs: N collections by one counter in one process under cProfile, per "
                         "backend, and the top entries by cumulative and own time")
    ap.add_argument("--top", type=int, default=40, help="entries printed per ordering with --profile (40)")
    args = ap.parse_args()
    base = QUICK if args.quick else Shape()
    shape = Shape(seconds=args.seconds or base.seconds, sqlite_counters=args.sqlite_counters or base.sqlite_counters,
                  pg_outlets=args.outlets or base.pg_outlets, pg_counters=args.counters or base.pg_counters)
    backends = [b.strip() for b in args.backends.split(",")]
    if shape.seconds <= 0 or min(shape.sqlite_counters, shape.pg_outlets, shape.pg_counters) < 1 or not set(
            backends) <= {"sqlite", "postgresql"}:
        print("--seconds must be above 0, the counts at least 1, --backends sqlite and/or postgresql.",
              file=sys.stderr)
        return 2
    if args.profile is not None:
        if args.profile < 2 or args.top < 1 or args.write:
            print("--profile N needs N at least 2, --top at least 1, and writes nothing (no --write).", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="outlet-profile-") as tmp_name:
            for backend in backends:
                profile_backend(backend, Path(tmp_name), args.profile, args.top)
        return 0
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="outlet-concurrency-") as tmp_name:
        tmp = Path(tmp_name)
        runs: list[Run] = []
        for backend in backends:
            runs += sqlite_runs(tmp, shape) if backend == "sqlite" else postgres_runs(tmp, shape)
    load_after = os.getloadavg()
    table = "\n".join([HEADER, *(r.line() for r in runs)])
    lines = verdicts(runs)
    loads = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    print(table)
    print("\n".join(f"- {line}" for line in lines))
    print(loads)
    if args.write:
        command = " ".join(["benchmarks/concurrency.py", *sys.argv[1:]])
        body = (f"## Concurrency: one counter against many\n\n`{command}`, "
                f"{time.strftime('%Y-%m-%d')}, on {machine()}; {loads}.\n"
                "A collection = find the holder, open the pending collection, check the chip, check the identity, "
                "hand the card over (the real services; two audit events). Each counter is a process (one "
                "collection to warm up before the start, not counted); lock waits and idle-in-transaction are "
                "shares of the busy backends in `pg_stat_activity` samples every 10 ms; client CPU = the counters' "
                "process time per collection.\n\n"
                f"{table}\n\n" + "\n".join(f"- {line}" for line in lines) + "\n")
        write_section(args.write, "## Concurrency: one counter against many", body)
    return 0 if all(line.endswith(": met") for line in lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
