"""A seeded month (or year) of realistic outlet activity, for the report's tests and its benchmark.

Two paths:

* :func:`drive_days` drives the REAL services (identity checks, hotline and counter loss reports, lapse
  sweeps, withdrawals, reissues with fees, waivers and proxies, card arrivals, chip checks, collections,
  blocked cards presented) with a clock stepping through the outlet's working hours, day by day. It keeps
  its own tally of what it did per local day (:class:`DayTally`), which tests compare with the report.
* :func:`bulk_year` (``benchmarks/report.py``'s data) simulates the same flows and writes the rows they
  would write directly, the audit events sealed with their correct MACs (``services.audit.compute_mac``),
  fast enough for a year of a busy outlet (>= 500,000 audit events). Driving the services in a loop was
  measured at about 160 use cases a second on SQLite: a year would take close to an hour.

Deterministic: a fixed seed gives the same month.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select
from stdnum.cn import ric

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.personal_change import PersonalData
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.services import demo, operators
from outlet_desk.services.collection import CollectionRefused, card_presented, check_chip, complete_collection
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from outlet_desk.services.loss import report_loss_counter, report_loss_hotline, sweep_lapsed, withdraw_loss
from outlet_desk.services.reissue import apply_reissue, fee_for, receive_card

REGION = "110105"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国文辉玉志海燕红梅晓东春雷鹏飞宇轩浩然"


class Clock:
    """The desk's clock, moved by the generator."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def citizen_number(i: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=i // 500)
    body = f"{REGION}{born:%Y%m%d}{i % 500 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def person_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 331) % len(GIVEN)]


def chip_code(serial: int) -> str:
    return f"{REGION}D156000005{serial:016X}"


@dataclass
class DayTally:
    """What the generator did on one local day, counted by the generator itself."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n


@dataclass
class Activity:
    desk: Desk
    clock: Clock
    days: list[date] = field(default_factory=list)
    tally: dict[date, DayTally] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)


def seed_people(desk: Desk, persons: int) -> None:
    """Operators (the training ones) and ``persons`` holders, each with an active card (set-up data,
    written in one transaction as the demo seeding does; nothing of it falls on a reported day)."""
    demo.seed_training(desk, persons=0)
    now = desk.now()
    with Session(desk.engine) as s:
        for i in range(persons):
            number = citizen_number(i)
            gender = "male" if int(number[16]) % 2 else "female"
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            person = Person(citizen_number=number, name=person_name(i), gender=gender, birth_date=born,
                            phone=f"139{i:08d}", address="北京市朝阳区朝阳路1号", created_at=now)
            s.add(person)
            s.flush()
            assert person.id is not None
            s.add(Card(card_number=f"G{i:08d}", identification_code=chip_code(i), person_id=person.id,
                       outlet_code=desk.outlet_code, issue_date=date(2022, 1, 1), expiry_date=date(2032, 1, 1),
                       status="active", status_changed_at=now))
        s.commit()


def chip_for(card: Card, person: Person) -> CardData:
    return CardData(
        card_number=card.card_number, identification_code=card.identification_code or "", card_type=1,
        spec_version="3.00", issue_date=card.issue_date or date(2022, 1, 1),
        expiry_date=card.expiry_date or date(2032, 1, 1), citizen_number=person.citizen_number, name=person.name,
        gender=Gender.MALE if int(person.citizen_number[16]) % 2 else Gender.FEMALE, ethnicity="01",
        birthplace=person.citizen_number[:6], birth_date=person.birth_date,
    )


@dataclass(frozen=True)
class Clerk:
    name: str
    actor: Actor


class Driver:
    """Drives one day's visits through the services; every call is a real use case."""

    def __init__(self, act: Activity, rng: random.Random) -> None:
        self.act, self.desk, self.rng = act, act.desk, rng
        self.serial = 1_000_000

    def tick(self, minutes: int = 4) -> None:
        self.act.clock.now += timedelta(minutes=minutes, seconds=self.rng.randrange(0, 60))

    def today(self) -> DayTally:
        return self.act.tally[self.desk.local_now().date()]

    def _check(self, actor: Actor, person: Person, flow: str, proxy: bool = False) -> int:
        assert person.id is not None
        expiry = self.desk.local_now().date() + timedelta(days=3000)
        details = None
        if proxy:
            other = citizen_number(900_000 + self.rng.randrange(0, 1000))
            details = ProxyDetails(Document("resident_id_card", other, "代理人", expiry), "spouse", "AUTH-1")
        result = record_identity_check(
            self.desk, actor, person.id, flow, presenter="proxy" if proxy else "holder",
            document=Document("resident_id_card", person.citizen_number, person.name, expiry),
            face_confirmed=True, proxy=details,
        )
        self.tick(self.rng.randrange(2, 9))
        return result.check_id

    def cards(self, status: str, limit: int, *, not_replaced: bool = True) -> list[tuple[Card, Person]]:
        with Session(self.desk.engine) as s:
            q = select(Card, Person).join(Person, col(Person.id) == col(Card.person_id)).where(
                col(Card.status) == status)
            if not_replaced:
                q = q.where(col(Card.id).not_in(select(col(ReissueRequest.old_card_id)).where(
                    col(ReissueRequest.old_card_id).is_not(None))))
            rows = list(s.exec(q.order_by(col(Card.id))).all())
        self.rng.shuffle(rows)
        return rows[:limit]

    def hotline(self, n: int) -> None:
        agent = self.act.actors["hotline1"]
        for _card, person in self.cards("active", n):
            report_loss_hotline(self.desk, agent, person.citizen_number, person.name, person.phone)
            self.today().add("loss_reports.hotline")
            self.today().add("clerks.hotline1.transactions")
            self.tick()

    def counter_loss(self, status: str, n: int) -> None:
        """Formal loss at the counter: of an active card (a new report) or a suspended one (made formal)."""
        for card, person in self.cards(status, n):
            clerk = self.clerk()
            check = self._check(clerk.actor, person, "report_loss_counter")
            report_loss_counter(self.desk, clerk.actor, card.id or 0, card.version, check)
            self.today().add("loss_reports.made_formal" if status == "suspended" else "loss_reports.counter")
            self.today().add(f"clerks.{clerk.name}.transactions")
            self.tick()

    def withdraw(self, n: int) -> None:
        for card, person in self.cards("suspended", n):
            clerk = self.clerk()
            check = self._check(clerk.actor, person, "withdraw_loss")
            withdraw_loss(self.desk, clerk.actor, card.id or 0, card.version, check, chip_for(card, person))
            self.today().add("loss_reports.withdrawn")
            self.today().add(f"clerks.{clerk.name}.transactions")
            self.tick()

    def reissue(self, status: str, reason: ReissueReason, n: int) -> None:
        for card, person in self.cards(status, n):
            clerk = self.clerk()
            proxy = self.rng.random() < 0.2
            check = self._check(clerk.actor, person, "apply_reissue", proxy=proxy)
            fee = fee_for(self.desk, reason)
            waive = not fee.free and self.rng.random() < 0.15
            method = self.rng.choice(self.desk.settings.fees.payment_methods)
            apply_reissue(
                self.desk, clerk.actor, card.id or 0, card.version, reason, check,
                payment_method=None if waive or fee.free else method,
                amount_paid_fen=None if waive or fee.free else fee.amount_fen,
                payment_reference="" if method == "cash" else f"{method[:2].upper()}{self.rng.randrange(10**12):012d}",
                waiver_by=self.act.actors["super1"] if waive else None,
                waiver_reason="low-income certificate" if waive else "",
                new_data=PersonalData(person.name[:1] + "新" + person.name[1:], person.ethnicity, person.citizen_number)
                if reason is ReissueReason.INFO_CHANGE else None,  # the holder changed their given name
            )
            self.today().add(f"reissues.{reason.value}")
            self.today().add("fees.waived_fen", fee.amount_fen if waive else 0)
            self.today().add("fees.taken_fen", 0 if waive or fee.free else fee.amount_fen)
            if not (waive or fee.free):
                self.today().add(f"fees.{method}_fen", fee.amount_fen)
            self.today().add(f"clerks.{clerk.name}.transactions")
            self.tick()

    def receive(self, older_than: timedelta) -> None:
        cutoff = self.desk.now() - older_than
        with Session(self.desk.engine) as s:
            ids = list(s.exec(select(col(ReissueRequest.id)).where(
                col(ReissueRequest.status) == "in_production", col(ReissueRequest.created_at) <= cutoff)).all())
        for request_id in ids:
            self.serial += 1
            assert request_id is not None
            receive_card(self.desk, self.act.actors["super1"], request_id, f"N{self.serial:08d}",
                         chip_code(self.serial))
            self.tick(1)

    def collect(self, n: int, fail_one: bool) -> None:
        with Session(self.desk.engine) as s:
            rows = list(s.exec(
                select(ReissueRequest, Card, Person)
                .join(Card, col(Card.id) == col(ReissueRequest.new_card_id))
                .join(Person, col(Person.id) == col(ReissueRequest.person_id))
                .where(col(ReissueRequest.status) == "ready").order_by(col(ReissueRequest.id))
            ).all())[:n]
        for i, (request, card, person) in enumerate(rows):
            clerk = self.clerk()
            assert request.id is not None
            if fail_one and i == 0:
                wrong = chip_for(card, person)
                try:
                    check_chip(self.desk, clerk.actor, request.id, replace(wrong, name="李鬼"))
                except CollectionRefused:
                    self.today().add("chip_check_failures")
                self.tick(1)
            proxy = self.rng.random() < 0.25
            check = self._check(clerk.actor, person, "collect_card", proxy=proxy)
            complete_collection(self.desk, clerk.actor, request.id, request.version, check,
                                chip_for(card, person), pin_changed=True)
            self.today().add("collections.proxy" if proxy else "collections.holder")
            self.today().add(f"clerks.{clerk.name}.transactions")
            self.tick()

    def blocked(self, n: int) -> None:
        for card, person in self.cards("lost", n, not_replaced=False):
            card_presented(self.desk, self.clerk().actor, chip_for(card, person))
            self.today().add("blocked_cards_presented")
            self.tick(1)

    def sweep(self) -> None:
        self.today().add("loss_reports.lapsed", len(sweep_lapsed(self.desk)))

    def clerk(self) -> Clerk:
        name = self.rng.choice(("clerk1", "clerk2"))
        return Clerk(name, self.act.actors[name])


def drive_days(desk: Desk, first_day: date, days: int, *, persons: int = 400, busy: int = 2,
               seed: int = 20261125) -> Activity:
    """Seed the people, then drive ``days`` days from ``first_day`` through the real services.

    ``busy`` scales each day's visits (2: about 25 use cases a day). The desk's clock is replaced by the
    generator's; it ends at the evening of the last day.
    """
    clock = Clock(datetime.combine(first_day - timedelta(days=2), time(9), tzinfo=desk.tz).astimezone(UTC))
    desk.clock = clock
    seed_people(desk, persons)
    act = Activity(desk, clock)
    for username in ("clerk1", "clerk2", "super1", "hotline1"):
        act.actors[username] = operators.authenticate(desk, username, demo.training_password(username))
    rng = random.Random(seed)
    driver = Driver(act, rng)
    for k in range(days):
        day = first_day + timedelta(days=k)
        act.days.append(day)
        act.tally[day] = DayTally()
        clock.now = datetime.combine(day, time(8, 30), tzinfo=desk.tz).astimezone(UTC)
        driver.sweep()
        driver.tick(30)
        driver.hotline(busy + rng.randrange(0, 2))
        driver.counter_loss("suspended", max(1, busy // 2))
        driver.counter_loss("active", rng.randrange(0, 2))
        driver.withdraw(rng.randrange(0, 2))
        driver.reissue("lost", ReissueReason.LOST, busy)
        driver.reissue("active", ReissueReason.DAMAGED, rng.randrange(0, 2))
        driver.reissue("active", ReissueReason.INFO_CHANGE, rng.randrange(0, 2))
        driver.receive(timedelta(days=2))
        driver.collect(busy, fail_one=k % 3 == 0)
        driver.blocked(1 if k % 4 == 1 else 0)
    return act


def desk_for(url: str, folder: Path, code: str = "TST001", extra: str = "", name: str = "Test outlet") -> Desk:
    """A desk on ``url`` with its outlet.toml (and so its audit key and reports folder) in ``folder``."""
    from outlet_desk.config import parse_settings
    from outlet_desk.services.bootstrap import open_desk

    text = (f'[outlet]\ncode = "{code}"\nname = "{name}"\ndivision_code = "110105"\nlanguage = "en"\n'
            f'[database]\nurl = "{url}"\n{extra}')
    path = folder / "outlet.toml"
    path.write_text(text)
    return open_desk(parse_settings(text, path))


# ---------------------------------------------------------------------------------------------------------
# The bulk path: a year of a busy outlet written as rows (the benchmark's data set).

BULK_OPERATORS: tuple[tuple[str, str], ...] = (
    *((f"clerk{i}", "clerk") for i in range(1, 9)), ("super1", "supervisor"), ("super2", "supervisor"),
    ("hotline1", "hotline"), ("hotline2", "hotline"),
)
REASON_WEIGHTS = (("lost", 55), ("damaged", 25), ("expired", 12), ("info_change", 8))
METHODS = ("cash", "wechat", "alipay", "bank_card")


def _ts(at: datetime) -> str:
    """A UTC time as the store keeps it (naive, microseconds always written, as SQLAlchemy binds it)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class BulkData:
    """Rows per table, in the column order of ``COLUMNS``; times already in the store's text form."""

    rows: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)
    head: tuple[int, str] = (0, "")
    days: list[date] = field(default_factory=list)

    def add(self, table: str, row: tuple[object, ...]) -> None:
        self.rows.setdefault(table, []).append(row)

    @property
    def audit_events(self) -> int:
        return len(self.rows.get("audit_event", []))


def sealed_head(key: bytes, outlet: str, seq: int, mac: str) -> tuple[str, int, str, str, str]:
    """An ``audit_head`` row at event ``seq``: with its key id and seal, as the desk's own heads (a head with
    events and no seal is an edit)."""
    from outlet_desk.services.audit.seal import key_id, seal_head

    kid = key_id(key)
    return outlet, seq, mac, kid, seal_head(key, outlet, seq, mac, kid)


COLUMNS: dict[str, tuple[str, ...]] = {
    "outlet": ("code", "name", "division_code"),
    "operator": ("id", "outlet_code", "username", "display_name", "role", "password_hash", "failed_logins",
                 "active", "created_at"),
    "person": ("id", "citizen_number", "name", "gender", "birth_date", "ethnicity", "phone", "address",
               "created_at"),
    "card": ("id", "card_number", "identification_code", "person_id", "outlet_code", "issue_date", "expiry_date",
             "status", "status_changed_at", "version"),
    "identity_check": ("id", "outlet_code", "person_id", "flow", "presenter", "document_type", "document_number",
                       "document_name", "proxy_relationship", "proxy_authorisation_ref", "check_digit_ok",
                       "name_match_ok", "document_valid_ok", "face_confirmed", "passed", "operator_id",
                       "checked_at", "proxy_document_number"),
    "loss_report": ("id", "outlet_code", "card_id", "channel", "kind", "reporter", "identity_check_id",
                    "operator_id", "reported_at", "lapses_at", "formal_at", "lapsed_at", "withdrawn_at",
                    "withdrawn_by"),
    "reissue_request": ("id", "outlet_code", "person_id", "old_card_id", "new_card_id", "reason", "fee_fen",
                        "waived", "production_mode", "status", "due_date", "identity_check_id", "operator_id",
                        "created_at", "version"),
    "payment": ("id", "outlet_code", "request_id", "amount_fen", "method", "receipt_number", "operator_id",
                "paid_at"),
    "collection": ("id", "outlet_code", "card_id", "request_id", "identity_check_id", "chip_card_number",
                   "chip_identification_code", "chip_citizen_number", "chip_name", "chip_check_passed",
                   "pin_changed", "receipt_number", "operator_id", "collected_at"),
    "audit_event": ("id", "outlet_code", "seq", "at", "operator_id", "action", "entity", "entity_id", "person_id",
                    "before", "after", "prev_mac", "mac"),
    "audit_head": ("outlet_code", "seq", "mac", "key_id", "seal"),
}
LOAD_ORDER = tuple(COLUMNS)


class YearSimulation:
    """A busy outlet day after day: the same flows as the services, written as the rows they write.

    Each day: the lapse sweep at opening; hotline reports; counter reports (new, or a hotline report made
    formal); withdrawals; reissue applications (fee, waiver, payment, proxy); card arrivals two weeks
    after the application; collections (a few chip checks failing first); blocked cards presented; and
    the records clerks open (``person_opened``) that make up most of an outlet's audit trail.
    """

    def __init__(self, key: bytes, outlet: str, tz: Any, persons: int, scale: float, seed: int, *,
                 ids: Counter[str] | None = None, division: str = REGION) -> None:
        """``ids``: the next ids, shared by the outlets of one store (``benchmarks/city.py``): this outlet's
        persons, cards, operators and rows take the ones after it, its operators' usernames carry the outlet's
        code. Without it, ids start at 1 (one outlet in the store)."""
        from outlet_desk.db.tables import AuditEvent
        from outlet_desk.services.audit import compute_mac

        self._event_cls, self._mac = AuditEvent, compute_mac
        self.key, self.outlet, self.tz, self.scale = key, outlet, tz, scale
        self.rng = random.Random(seed)
        self.data = BulkData()
        self.shared = ids is not None
        self.ids: Counter[str] = ids if ids is not None else Counter()
        self.division = division
        self.first_person = self.ids["person"] + 1
        self.first_operator = self.ids["operator"] + 1
        self.usernames = [f"{u}.{outlet.lower()}" if self.shared else u for u, _r in BULK_OPERATORS]
        self.seq, self.prev_mac = 0, ""
        self.persons = persons
        self.cards: dict[int, list[object]] = {}  # card id -> row (mutable until written)
        self.loss: dict[int, list[object]] = {}
        self.requests: dict[int, list[object]] = {}
        self.active: list[int] = []  # person ids whose current card is active and free
        self.current: dict[int, int] = {}  # person id -> current card id
        self.suspended: dict[int, int] = {}  # loss report id -> person id (temporary, open)
        self.lost: list[tuple[int, int]] = []  # (person id, lost card id) awaiting a reissue
        self.in_production: list[tuple[int, datetime]] = []  # (request id, created)
        self.ready: list[int] = []  # request ids whose new card waits
        self.blocked_cards: list[int] = []  # cards reported lost (later replaced): blocked when presented
        self.pending: list[tuple[Any, ...]] = []  # the day's audit events before sealing
        self.free: dict[int, datetime] = {}  # when each clerk is free for the next visit
        first = self.first_operator
        self.clerks = [first + i for i, (_u, r) in enumerate(BULK_OPERATORS) if r == "clerk"]
        self.supervisors = [first + i for i, (_u, r) in enumerate(BULK_OPERATORS) if r == "supervisor"]
        self.hotline = [first + i for i, (_u, r) in enumerate(BULK_OPERATORS) if r == "hotline"]

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # -- set-up --------------------------------------------------------------------------------------------
    def seed(self, at: datetime) -> None:
        d = self.data
        d.add("outlet", (self.outlet, "Bench outlet" if not self.shared else f"Outlet {self.outlet}", self.division))
        for username, (_u, role) in zip(self.usernames, BULK_OPERATORS, strict=True):
            d.add("operator", (self.next_id("operator"), self.outlet, username, username.title(), role, "-", 0, True,
                               _ts(at)))
        for _i in range(self.persons):
            pid = self.next_id("person")
            number = citizen_number(pid - 1)
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            d.add("person", (pid, number, person_name(pid - 1), "male" if int(number[16]) % 2 else "female",
                             born.isoformat(), "01", f"139{pid - 1:08d}", "北京市朝阳区朝阳路1号", _ts(at)))
            self.current[pid] = self.new_card(pid, "active", at, date(2022, 1, 1))
            self.active.append(pid)
        self.rng.shuffle(self.active)

    def new_card(self, pid: int, status: str, at: datetime, issued: date) -> int:
        cid = self.next_id("card")
        self.cards[cid] = [cid, f"Y{cid:08d}", chip_code(cid), pid, self.outlet, issued.isoformat(),
                           issued.replace(year=issued.year + 10).isoformat(), status, _ts(at), 1]
        return cid

    def move(self, cid: int, status: str, at: datetime) -> None:
        if status == "lost":
            self.blocked_cards.append(cid)
        row = self.cards[cid]
        row[7], row[8] = status, _ts(at)
        row[9] = int(row[9]) + 1  # type: ignore[call-overload]

    # -- the audit chain -----------------------------------------------------------------------------------
    def audit(self, at: datetime, operator: int | None, action: str, entity: str, entity_id: object,
              person: int | None, after: dict[str, object] | None = None) -> None:
        """Queue one event; :meth:`seal` appends the day's events to the chain in time order."""
        self.pending.append((at, len(self.pending), operator, action, entity, str(entity_id), person, after))

    def seal(self) -> None:
        import json

        for at, _n, operator, action, entity, entity_id, person, after in sorted(self.pending):
            self.seq += 1
            event = self._event_cls(
                outlet_code=self.outlet, seq=self.seq, at=at.astimezone(UTC), operator_id=operator, action=action,
                entity=entity, entity_id=entity_id, person_id=person, before="",
                after=json.dumps(after, ensure_ascii=False, sort_keys=True, default=str) if after else "",
                prev_mac=self.prev_mac, mac="",
            )
            mac = self._mac(self.key, event)
            self.data.add("audit_event", (self.next_id("audit_event"), self.outlet, self.seq, _ts(at), operator,
                                          action, entity, entity_id, person, "", event.after, self.prev_mac, mac))
            self.prev_mac = mac
        self.pending.clear()

    def identity(self, at: datetime, clerk: int, pid: int, flow: str, proxy: bool = False) -> int:
        iid = self.next_id("identity_check")
        number = citizen_number(pid - 1)
        self.data.add("identity_check", (
            iid, self.outlet, pid, flow, "proxy" if proxy else "holder", "resident_id_card", number,
            person_name(pid - 1), "spouse" if proxy else "", "AUTH" if proxy else "", True, True, True, True, True,
            clerk, _ts(at), ""))
        self.audit(at, clerk, "identity_checked", "identity_check", iid, pid, {
            "flow": flow, "presenter": "proxy" if proxy else "holder", "document_type": "resident_id_card",
            "document_number": number[:6] + "********" + number[-4:], "passed": True})
        return iid

    # -- one day -------------------------------------------------------------------------------------------
    def n(self, mean: float) -> int:
        return max(0, round(self.rng.gauss(mean * self.scale, mean * self.scale * 0.15)))

    def visit_time(self, day: date) -> datetime:
        minutes = self.rng.randrange(0, 8 * 60 + 30)
        return datetime.combine(day, time(8, 30), tzinfo=self.tz) + timedelta(minutes=minutes,
                                                                               seconds=self.rng.random() * 60)

    def begin(self, clerk: int, at: datetime) -> datetime:
        """A clerk serves one visit at a time: the visit starts when the clerk is free."""
        return max(at, self.free.get(clerk, at))

    def handled(self, clerk: int, at: datetime) -> datetime:
        done = at + timedelta(seconds=self.rng.randrange(90, 600))
        self.free[clerk] = done + timedelta(seconds=self.rng.randrange(20, 120))
        return done

    def day(self, day: date) -> None:
        self.data.days.append(day)
        opening = datetime.combine(day, time(8, 30), tzinfo=self.tz)
        self.sweep(opening)
        visits: list[tuple[datetime, str]] = []
        for kind, mean in (("hotline", 25), ("formal", 15), ("counter", 8), ("withdraw", 5), ("reissue", 60),
                           ("receive", 0), ("collect", 55), ("blocked", 3), ("opened", 1120), ("login", 20)):
            visits += [(self.visit_time(day), kind) for _ in range(self.n(mean))]
        visits.sort()
        for at, kind in visits:
            getattr(self, f"do_{kind}")(at)
        self.receive(datetime.combine(day, time(17, 30), tzinfo=self.tz))
        self.seal()

    def sweep(self, at: datetime) -> None:
        for rid in list(self.suspended):
            row = self.loss[rid]
            if str(row[9]) <= _ts(at):
                pid = self.suspended.pop(rid)
                at = at + timedelta(milliseconds=50)
                row[11] = _ts(at)
                cid = int(row[2])  # type: ignore[call-overload]
                self.move(cid, "active", at)
                self.active.append(pid)
                self.audit(at, None, "loss_lapsed", "card", cid, pid, {"report_id": rid, "status": "active"})

    def do_hotline(self, at: datetime) -> None:
        if not self.active:
            return
        pid = self.active.pop()
        cid, agent = self.current[pid], self.rng.choice(self.hotline)
        rid = self.next_id("loss_report")
        lapses = at + timedelta(days=7)
        self.loss[rid] = [rid, self.outlet, cid, "hotline", "temporary", "holder", None, agent, _ts(at), _ts(lapses),
                          None, None, None, None]
        self.move(cid, "suspended", at)
        self.suspended[rid] = pid
        self.audit(at, agent, "loss_reported_hotline", "card", cid, pid,
                   {"report_id": rid, "lapses_at": lapses, "status": "suspended"})

    def do_formal(self, at: datetime) -> None:
        if not self.suspended:
            return
        rid = self.rng.choice(list(self.suspended))
        pid = self.suspended.pop(rid)
        clerk = self.rng.choice(self.clerks)
        at = self.begin(clerk, at)
        iid = self.identity(at, clerk, pid, "report_loss_counter")
        done = self.handled(clerk, at)
        row = self.loss[rid]
        row[4], row[6], row[9], row[10] = "formal", iid, None, _ts(done)
        cid = int(row[2])  # type: ignore[call-overload]
        self.move(cid, "lost", done)
        self.lost.append((pid, cid))
        self.audit(done, clerk, "loss_made_formal", "card", cid, pid, {"report_id": rid, "presenter": "holder"})

    def do_counter(self, at: datetime) -> None:
        if not self.active:
            return
        pid = self.active.pop()
        cid, clerk = self.current[pid], self.rng.choice(self.clerks)
        at = self.begin(clerk, at)
        iid = self.identity(at, clerk, pid, "report_loss_counter")
        done = self.handled(clerk, at)
        rid = self.next_id("loss_report")
        self.loss[rid] = [rid, self.outlet, cid, "counter", "formal", "holder", iid, clerk, _ts(done), None,
                          _ts(done), None, None, None]
        self.move(cid, "lost", done)
        self.lost.append((pid, cid))
        self.audit(done, clerk, "loss_reported_counter", "card", cid, pid, {"report_id": rid, "presenter": "holder"})

    def do_withdraw(self, at: datetime) -> None:
        if not self.suspended:
            return
        rid = self.rng.choice(list(self.suspended))
        pid = self.suspended.pop(rid)
        clerk = self.rng.choice(self.clerks)
        at = self.begin(clerk, at)
        self.identity(at, clerk, pid, "withdraw_loss")
        done = self.handled(clerk, at)
        row = self.loss[rid]
        row[12], row[13] = _ts(done), clerk
        cid = int(row[2])  # type: ignore[call-overload]
        self.move(cid, "active", done)
        self.active.append(pid)
        self.audit(done, clerk, "loss_withdrawn", "card", cid, pid, {"report_id": rid, "status": "active"})

    def do_reissue(self, at: datetime) -> None:
        reason = self.rng.choices([r for r, _w in REASON_WEIGHTS], [w for _r, w in REASON_WEIGHTS])[0]
        if reason == "lost":
            if not self.lost:
                return
            pid, cid = self.lost.pop(0)
        else:
            if not self.active:
                return
            pid = self.active.pop()
            cid = self.current[pid]
        clerk = self.rng.choice(self.clerks)
        proxy = self.rng.random() < 0.2
        at = self.begin(clerk, at)
        iid = self.identity(at, clerk, pid, "apply_reissue", proxy)
        done = self.handled(clerk, at)
        fee = 0 if reason == "expired" else 2000
        waived = fee > 0 and self.rng.random() < 0.05
        paid = 0 if waived else fee
        method = self.rng.choice(METHODS) if paid else None
        if reason == "damaged":
            self.move(cid, "damaged", done)
        else:
            self.cards[cid][9] = int(self.cards[cid][9]) + 1  # type: ignore[call-overload]
        req = self.next_id("reissue_request")
        self.requests[req] = [req, self.outlet, pid, cid, None, reason, fee, waived, "factory", "in_production",
                              (done.astimezone(self.tz).date() + timedelta(days=20)).isoformat(), iid, clerk,
                              _ts(done), 1]
        self.in_production.append((req, done))
        self.audit(done, clerk, "reissue_applied", "reissue_request", req, pid, {
            "reason": reason, "fee_fen": fee, "waived": waived, "waiver_by": "super1" if waived else None,
            "paid_fen": paid, "payment_method": method, "presenter": "proxy" if proxy else "holder",
            "old_card": {"card_number": self.cards[cid][1], "status": self.cards[cid][7]}})
        if paid:
            pay = self.next_id("payment")
            self.data.add("payment", (pay, self.outlet, req, paid, method, f"R{pay:09d}", clerk, _ts(done)))

    def receive(self, at: datetime) -> None:
        while self.in_production and at - self.in_production[0][1] >= timedelta(days=14):
            req, _created = self.in_production.pop(0)
            row = self.requests[req]
            pid = int(row[2])  # type: ignore[call-overload]
            at = at + timedelta(seconds=20)
            cid = self.new_card(pid, "ready", at, at.astimezone(self.tz).date())
            row[4], row[9], row[14] = cid, "ready", 2
            self.ready.append(req)
            self.audit(at, self.supervisors[0], "card_received", "reissue_request", req, pid, {
                "card_number": self.cards[cid][1], "identification_code": self.cards[cid][2], "status": "ready"})

    def do_receive(self, at: datetime) -> None:  # arrivals are batched at closing time (see ``receive``)
        return None

    def do_collect(self, at: datetime) -> None:
        if not self.ready or self.rng.random() < 0.05:  # some holders never come: cards age
            return
        req = self.ready.pop(0)
        row = self.requests[req]
        pid, old, new = (int(row[i]) for i in (2, 3, 4))  # type: ignore[call-overload]
        clerk = self.rng.choice(self.clerks)
        at = self.begin(clerk, at)
        if self.rng.random() < 0.04:
            self.audit(at, clerk, "chip_check_failed", "reissue_request", req, pid,
                       {"mismatched": ["name"], "card_status": "ready"})
            at += timedelta(seconds=40)
        proxy = self.rng.random() < 0.25
        iid = self.identity(at, clerk, pid, "collect_card", proxy)
        done = self.handled(clerk, at)
        self.move(new, "active", done)
        self.move(old, "replaced", done)
        row[9], row[14] = "collected", 3
        self.current[pid] = new
        self.active.append(pid)
        col_id = self.next_id("collection")
        number = citizen_number(pid - 1)
        self.data.add("collection", (col_id, self.outlet, new, req, iid, self.cards[new][1], self.cards[new][2],
                                     number, person_name(pid - 1), True, True, f"C{col_id:09d}", clerk, _ts(done)))
        self.audit(done, clerk, "card_collected", "card", new, pid, {
            "card_number": self.cards[new][1], "status": "active", "presenter": "proxy" if proxy else "holder",
            "replaced": self.cards[old][1], "request_id": req})

    def do_blocked(self, at: datetime) -> None:
        if self.blocked_cards:
            cid = self.rng.choice(self.blocked_cards[-200:])
            self.audit(at, self.rng.choice(self.clerks), "blocked_card_presented", "card", cid,
                       int(self.cards[cid][3]), {"status": self.cards[cid][7]})  # type: ignore[call-overload]

    def do_opened(self, at: datetime) -> None:
        pid = self.rng.randrange(self.first_person, self.first_person + self.persons)
        self.audit(at, self.rng.choice(self.clerks), "person_opened", "person", pid, pid, {"by": "search"})

    def do_login(self, at: datetime) -> None:
        op = self.rng.randrange(self.first_operator, self.first_operator + len(BULK_OPERATORS))
        self.audit(at, op, "login", "operator", op, None, {"username": self.usernames[op - self.first_operator]})

    def finish(self) -> BulkData:
        for table, rows in (("card", self.cards), ("loss_report", self.loss), ("reissue_request", self.requests)):
            self.data.rows[table] = [tuple(r) for _k, r in sorted(rows.items())]
        self.data.add("audit_head", sealed_head(self.key, self.outlet, self.seq, self.prev_mac))
        self.data.head = (self.seq, self.prev_mac)
        return self.data


def bulk_year(key: bytes, outlet: str, tz: Any, last_day: date, *, days: int = 365, persons: int = 60_000,
              scale: float = 1.0, seed: int = 7) -> BulkData:
    """``days`` days of a busy outlet ending with ``last_day`` (scale 1.0: about 1,400 audit events a day)."""
    sim = YearSimulation(key, outlet, tz, persons, scale, seed)
    first = last_day - timedelta(days=days - 1)
    sim.seed(datetime.combine(first - timedelta(days=30), time(8), tzinfo=tz))
    for k in range(days):
        sim.day(first + timedelta(days=k))
    return sim.finish()


def load_sqlite(path: str, data: BulkData, cipher: Any) -> None:
    """Bulk-insert into an already migrated SQLite file (one transaction, then ANALYZE); personal values are
    sealed with ``cipher`` as the desk seals them."""
    import sqlite3

    from benchmarks.common import sealed_rows

    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for table in LOAD_ORDER:
        cols, rows = sealed_rows(table, COLUMNS[table], data.rows.get(table, []), cipher)
        db.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def load_postgres(conninfo: str, data: BulkData, cipher: Any) -> None:
    """COPY into an already migrated PostgreSQL database, sequences moved past the ids, then ANALYZE; personal
    values are sealed with ``cipher`` as the desk seals them."""
    import psycopg

    from benchmarks.common import sealed_rows

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        for table in LOAD_ORDER:
            cols, rows = sealed_rows(table, COLUMNS[table], data.rows.get(table, []), cipher)
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if cols[0] == "id" and data.rows.get(table):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")
