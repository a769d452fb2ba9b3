"""A seeded month (or year) of realistic outlet activity, for the report's tests and its benchmark.

Two paths:

* :func:`drive_days` drives the REAL services (identity checks, hotline and counter loss reports, lapse
  sweeps, withdrawals, reissues with fees, waivers and proxies, card arrivals, chip checks, collections,
  blocked cards presented) with a clock stepping through the outlet's working hours, day by day. It keeps
  its own tally of what it did per local day (:class:`DayTally`), which tests compare with the report.
* :func:`bulk_year` (in ``benchmarks/report.py``'s use) writes the same kinds of rows directly, the
  audit events sealed with their correct MACs (``services.audit.compute_mac``), fast enough for a year
  of a busy outlet (>= 500,000 audit events); see :mod:`benchmarks.bulk`.

Deterministic: a fixed seed gives the same month.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, col, select
from stdnum.cn import ric

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.fees import ReissueReason
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
                waiver_by=self.act.actors["super1"] if waive else None,
                waiver_reason="low-income certificate" if waive else "",
            )
            self.today().add(f"reissues.{reason.value}")
            self.today().add("fees.waived_fen", fee.amount_fen if waive else 0)
            self.today().add("fees.taken_fen", 0 if waive or fee.free else fee.amount_fen)
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
