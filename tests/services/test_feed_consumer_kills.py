"""A stand-in for medical settlement applies the card-status feed while three desks take hotline loss
reports and are killed (SIGKILL) at random moments, and while the consumer itself loses what it had not
acknowledged, again and again. At the end it knows exactly the statuses of the store: nothing committed is
missing from the feed, nothing rolled back is in it (issue 17, Done-when: on PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import Card
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.services.context import Desk
from outlet_desk.services.feed.export import acknowledge, export_feed
from tests.services.builders import cards_without_application, login, seed

ROOT = Path(__file__).resolve().parents[2]

DESK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from outlet_desk.config import load_settings
    from outlet_desk.services import demo, operators
    from outlet_desk.services.bootstrap import open_desk
    from outlet_desk.services.loss import report_loss_hotline
    from outlet_desk.db.tables import Person
    from sqlmodel import Session

    desk = open_desk(load_settings(Path(sys.argv[1])))
    agent = operators.authenticate(desk, "hotline1", demo.training_password("hotline1"))
    for person_id in sys.argv[2:]:
        with Session(desk.engine) as s:
            p = s.get(Person, int(person_id))
            number, name, phone = p.citizen_number, p.name, p.phone
        report_loss_hotline(desk, agent, number, name, phone)
        print("done", person_id, flush=True)
        time.sleep(0.1)  # a hotline agent's pace: the kill finds the desk at work
    """
)


class Consumer:
    """Medical settlement's copy of the card statuses, with what it has applied and acknowledged."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.actor = login(desk, "admin")
        self.statuses: dict[str, str] = {}
        self.acked = 0

    def poll(self, rng: random.Random) -> None:
        batch = export_feed(self.desk, self.actor, consumer="medical", limit=rng.randint(1, 40))
        for item in batch.items:
            if item.card_number:
                self.statuses[item.card_number] = item.status  # a whole status: applying it twice is the same
        if rng.random() < 0.3:
            return  # "crashed" before acknowledging: the next poll gets the same records again
        acknowledge(self.desk, self.actor, "medical", batch.last)
        self.acked = batch.last


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_consumer_ends_with_the_stores_statuses_though_desks_are_killed(desk: Desk) -> None:
    seed(desk, persons=120)
    rng = random.Random(20261204)
    holders = [person.id for person, _card in cards_without_application(desk, CardStatus.ACTIVE.value, 60)]
    consumer = Consumer(desk)
    kills = 0
    for round_no in range(4):  # each round: three desks, five holders each, killed after 1 to 3 s
        shares = [holders[round_no * 15 + i * 5:round_no * 15 + i * 5 + 5] for i in range(3)]
        procs = [subprocess.Popen([sys.executable, "-c", DESK, str(desk.settings.config_path),
                                   *map(str, share)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for share in shares]
        deadline = time.monotonic() + rng.uniform(1.0, 3.0)
        while time.monotonic() < deadline:
            consumer.poll(rng)
            time.sleep(0.05)
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(30)
            assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read() if proc.stderr else ""
    while True:  # the desks are gone: the consumer catches up
        head = export_feed(desk, consumer.actor, consumer="medical", limit=1).head
        if consumer.acked >= head:
            break
        consumer.poll(random.Random(kills + consumer.acked))
    with Session(desk.engine) as s:
        store = dict(s.execute(select(col(Card.card_number), col(Card.status))).all())
    assert consumer.statuses == store
    suspended = sum(1 for status in store.values() if status == CardStatus.SUSPENDED.value)
    assert suspended > 0 and kills > 0  # the desks did work, and were killed at it
