"""The clerk's home: today's counts, cards ready for collection, temporary losses lapsing, overdue requests."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, LossReport, Person, ReissueRequest
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.home import LAPSING_WINDOW, clerk_home
from outlet_desk.services.persons import open_person
from tests.clock import FakeClock
from tests.services.builders import login, seed


def _seed(desk: Desk) -> tuple[Actor, Actor]:
    """The training data, with enough holders for several hotline reports lapsing within 48 hours (at 40, one);
    clerk1 and audit1 signed in."""
    seed(desk, persons=60)
    return login(desk, "clerk1"), login(desk, "audit1")


def test_counts_are_my_own_actions_today(desk: Desk, clock: FakeClock) -> None:
    clerk, _auditor = _seed(desk)
    with Session(desk.engine) as s:
        first = s.exec(select(Person).order_by(col(Person.id))).first()
    assert first is not None and first.id is not None
    open_person(desk, clerk, first.id)
    open_person(desk, clerk, first.id)
    open_person(desk, login(desk, "clerk2"), first.id)
    counts = {c.action: c.count for c in clerk_home(desk, clerk).counts}
    assert counts == {"person_opened": 2}  # clerk2's opening is not mine
    clock.advance(days=1)
    assert clerk_home(desk, clerk).counts == ()


def test_ready_queue_lists_ready_cards_with_masked_numbers(desk: Desk) -> None:
    clerk, _auditor = _seed(desk)
    home = clerk_home(desk, clerk)
    with Session(desk.engine) as s:
        ready = s.exec(select(ReissueRequest).where(col(ReissueRequest.status) == "ready")).all()
        expected = {r.person_id for r in ready}
        person = s.get(Person, ready[0].person_id)
    assert {line.person_id for line in home.ready} == expected and expected
    assert person is not None
    line = next(x for x in home.ready if x.person_id == person.id)
    assert line.masked_number == person.citizen_number[:6] + "*" * 12
    assert line.card_number.startswith("A")


def test_ready_queue_drops_a_card_no_longer_ready(desk: Desk) -> None:
    clerk, _auditor = _seed(desk)
    first = clerk_home(desk, clerk).ready[0]
    with Session(desk.engine) as s:
        card = s.exec(select(Card).where(col(Card.card_number) == first.card_number)).one()
        card.status = "returned"
        s.add(card)
        s.commit()
    assert first.request_id not in {x.request_id for x in clerk_home(desk, clerk).ready}


def test_lapsing_lists_only_running_temporary_losses_within_48_hours(desk: Desk) -> None:
    clerk, _auditor = _seed(desk)
    now = desk.now()
    with Session(desk.engine) as s:
        reports = s.exec(select(LossReport).where(col(LossReport.kind) == "temporary")).all()
        due = {r.id for r in reports if r.lapses_at is not None and now <= r.lapses_at < now + LAPSING_WINDOW}
        later = {r.id for r in reports if r.id not in due}
        # one running report withdrawn, one made formal: neither is lapsing any more
        withdrawn, formal = sorted(due)[:2]
        s.get(LossReport, withdrawn).withdrawn_at = now  # type: ignore[union-attr]
        s.get(LossReport, formal).formal_at = now  # type: ignore[union-attr]
        s.commit()
    lapsing = clerk_home(desk, clerk).lapsing
    assert {x.loss_id for x in lapsing} == due - {withdrawn, formal}
    assert all(now <= x.lapses_at < now + timedelta(hours=48) for x in lapsing)
    assert [x.lapses_at for x in lapsing] == sorted(x.lapses_at for x in lapsing)
    assert not later & {x.loss_id for x in lapsing}


def test_overdue_requests_are_cards_not_arrived_by_their_due_date(desk: Desk, clock: FakeClock) -> None:
    clerk, _auditor = _seed(desk)
    today = desk.local_now().date()
    with Session(desk.engine) as s:
        requests = s.exec(select(ReissueRequest)).all()
    late = {r.id for r in requests if r.status == "in_production" and r.due_date is not None and r.due_date < today}
    overdue = clerk_home(desk, clerk).overdue
    assert {x.request_id for x in overdue} == late and late
    # A card that arrived is in the ready queue, even past its date; it is not "past due" as well.
    ready = {x.request_id for x in clerk_home(desk, clerk).ready}
    assert ready and not ready & {x.request_id for x in overdue}
    clock.advance(days=-3)  # before the due date, nothing is overdue yet
    assert clerk_home(desk, clerk).overdue == ()


def test_roles_without_person_access_see_only_their_counts(desk: Desk) -> None:
    _clerk, auditor = _seed(desk)
    home = clerk_home(desk, auditor)
    assert not home.lists_shown
    assert (home.ready, home.lapsing, home.overdue) == ((), (), ())
    assert home.total_today == 0


def test_the_home_says_when_today_was_closed_and_tomorrow_is_open_again(desk: Desk, clock: FakeClock) -> None:
    from outlet_desk.services.day_close import close_day

    clerk, _auditor = _seed(desk)
    assert clerk_home(desk, clerk).closed_at is None
    supervisor = login(desk, "super1")
    close_day(desk, supervisor, reason="training day")
    closed = clerk_home(desk, clerk)
    assert closed.closed_at == clock.now
    clock.advance(days=1)
    assert clerk_home(desk, clerk).closed_at is None
