"""Counters writing at once, on both databases: each use case reads what it needs first and locks the
outlet's audit head only at its commit, yet the chain never forks: every event follows the one before it,
numbered without a gap or a twin, and the full verification finds the chain intact."""

from __future__ import annotations

import itertools
import threading

from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, AuditHead, Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.services.audit import check_chain
from outlet_desk.services.context import Actor, Desk
from tests.services.builders import at_once, audit_events, identity, login
from tests.services.races import reads_held_together


def _persons(desk: Desk, n: int) -> list[Person]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Person).order_by(col(Person.id)).limit(n)).all())


def _head_seq(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return s.exec(select(AuditHead.seq).where(AuditHead.outlet_code == desk.outlet_code)).one()


def _assert_one_chain(desk: Desk, events_expected: int) -> None:
    with Session(desk.engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.outlet_code == desk.outlet_code)
                        .order_by(col(AuditEvent.seq))).all()
    assert [e.seq for e in events] == list(range(1, events_expected + 1))  # no gap, no twin
    assert all(later.prev_mac == earlier.mac for earlier, later in itertools.pairwise(events))
    report = check_chain(desk.engine, desk.audit_key, desk.outlet_code, full=True)
    assert report.intact and report.last_seq == events_expected == _head_seq(desk)


def test_two_counters_checking_identities_at_the_same_moment_seal_one_after_the_other(seeded: Desk) -> None:
    clerks = (login(seeded, "clerk1"), login(seeded, "clerk2"))
    first, second = _persons(seeded, 2)
    before = _head_seq(seeded)

    def act(actor: Actor, i: int) -> int:
        return identity(seeded, actor, (first, second)[i], "apply_reissue")

    with reads_held_together(seeded.engine, "person"):  # both have read the holder before either seals
        outcomes = at_once(act, clerks, (0, 1), ())
    assert len(outcomes) == 2 and all(isinstance(o, int) for o in outcomes), outcomes
    checks = audit_events(seeded, AuditAction.IDENTITY_CHECKED.value)[-2:]
    assert sorted(e.seq for e in checks) == [before + 1, before + 2]
    assert {e.operator_id for e in checks} == {c.operator_id for c in clerks}
    _assert_one_chain(seeded, before + 2)


def test_four_counters_writing_for_a_while_lose_nothing_and_keep_one_chain(seeded: Desk) -> None:
    clerks = [login(seeded, name) for name in ("clerk1", "clerk2", "super1", "super2")]
    persons = _persons(seeded, 4)
    before = _head_seq(seeded)
    rounds = 6
    failures: list[BaseException] = []
    start = threading.Barrier(len(clerks))

    def counter(actor: Actor, person: Person) -> None:
        start.wait()
        try:
            for _ in range(rounds):
                identity(seeded, actor, person, "apply_reissue")
        except BaseException as exc:  # a refusal here is the finding: reported below
            failures.append(exc)

    threads = [threading.Thread(target=counter, args=pair) for pair in zip(clerks, persons, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []  # no counter was told the store was busy
    _assert_one_chain(seeded, before + rounds * len(clerks))
