"""The daily report on a month of activity driven through the real services, on both databases:
every figure equals what the generator did that day, the two records agree, a row changed behind the
services' back is named, and the snapshot figures (uncollected, pending) follow the records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from benchmarks.activity import Activity, desk_for, drive_days
from outlet_desk.db.tables import Card, LossReport, ReissueRequest
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services.context import Desk
from outlet_desk.services.report import AGE_BUCKETS, TREND_DAYS, DailyReport, daily_report
from outlet_desk.services.report_model import figure_rows
from tests.fixtures_db import TEMPLATE
from tests.pgcluster import PgCluster
from tests.services.builders import login, seed

FIRST_DAY = date(2026, 10, 1)
DAYS = 30
REPORTED = ("loss_reports.", "reissues.", "collections.", "fees.", "clerks.", "chip_check_failures",
            "blocked_cards_presented")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def month(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Activity]:
    """A month of a small outlet, driven once per database for the whole module (read-only tests)."""
    folder = tmp_path_factory.mktemp(f"month-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder}/outlet.db"
    else:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        url = cluster.fresh_database(TEMPLATE)
    desk = desk_for(url, folder)
    activity = drive_days(desk, FIRST_DAY, DAYS)
    yield activity
    desk.engine.dispose()


def reported(report: DailyReport) -> dict[str, int | float | str | None]:
    return {k: v for k, v in figure_rows(report) if k.startswith(REPORTED) and not k.endswith(("total", "seconds"))}


def test_every_day_of_the_month_shows_what_was_done_and_both_records_agree(month: Activity) -> None:
    lapsed = 0
    for day in month.days:
        report = daily_report(month.desk, day, verify=False)
        figures = reported(report)
        expected = {k: v for k, v in month.tally[day].counts.items() if v}
        assert {k: v for k, v in figures.items() if v} == expected, day
        assert report.disagreements == (), day
        lapsed += report.loss_reports["lapsed"]
    assert lapsed > 0, "the month must include lapsed temporary losses"
    totals: Counter[str] = Counter()
    for day in month.days:
        totals.update(month.tally[day].counts)
    assert all(totals[k] for k in ("loss_reports.hotline", "loss_reports.made_formal", "loss_reports.withdrawn",
                                   "reissues.lost", "collections.holder", "collections.proxy", "fees.waived_fen",
                                   "chip_check_failures", "blocked_cards_presented"))


def test_the_chain_is_verified_and_the_report_says_so(month: Activity) -> None:
    report = daily_report(month.desk, month.days[-1])
    assert report.chain is not None and report.chain.intact
    assert report.chain.events_checked > 200


def test_trend_counts_each_of_the_last_30_days(month: Activity) -> None:
    last = month.days[-1]
    report = daily_report(month.desk, last, verify=False)
    assert len(report.trend) == TREND_DAYS and report.trend[-1].day == last
    for point in report.trend:
        counts = month.tally[point.day].counts
        assert point.transactions == sum(v for k, v in counts.items() if k.endswith(".transactions"))
        assert point.reissues == sum(v for k, v in counts.items() if k.startswith("reissues."))
        assert point.collections == counts["collections.holder"] + counts["collections.proxy"]
        assert point.loss_reports == counts["loss_reports.hotline"] + counts["loss_reports.counter"]


def test_clerk_handling_time_is_identity_check_to_completion(month: Activity) -> None:
    report = daily_report(month.desk, month.days[5], verify=False)
    clerks = {c.username: c for c in report.clerks}
    assert set(clerks) >= {"hotline1"} and {"clerk1", "clerk2"} & set(clerks)
    assert clerks["hotline1"].avg_handling_seconds is None  # no identity check on the phone
    for name in ("clerk1", "clerk2"):
        if name in clerks:
            line = clerks[name]
            assert line.timed == line.transactions
            assert line.avg_handling_seconds is not None and 120 <= line.avg_handling_seconds <= 9 * 60


def test_uncollected_cards_are_aged_at_the_end_of_the_day(month: Activity) -> None:
    with Session(month.desk.engine) as s:
        ready = s.exec(select(func.count()).select_from(Card).where(col(Card.status) == "ready")).one()
    assert ready > 0
    last = month.days[-1]
    assert daily_report(month.desk, last, verify=False).uncollected_total == ready
    later = daily_report(month.desk, last + timedelta(days=95), verify=False)
    assert later.uncollected == {b: (ready if b == "over_90" else 0) for b, _lo, _hi in AGE_BUCKETS}
    assert later.disagreements == ()


def test_pending_temporary_losses_are_the_suspended_cards(month: Activity) -> None:
    with Session(month.desk.engine) as s:
        suspended = s.exec(select(func.count()).select_from(Card).where(col(Card.status) == "suspended")).one()
    assert daily_report(month.desk, month.days[-1], verify=False).pending_temporary_losses == suspended > 0
    assert daily_report(month.desk, FIRST_DAY - timedelta(days=1), verify=False).pending_temporary_losses == 0


def test_a_clerk_may_not_see_the_report_a_supervisor_may(month: Activity) -> None:
    with pytest.raises(Forbidden):
        daily_report(month.desk, actor=month.actors["clerk1"], verify=False)
    assert daily_report(month.desk, month.days[0], actor=month.actors["super1"], verify=False).loss_reports


def test_another_outlet_on_the_same_database_has_its_own_empty_day(month: Activity) -> None:
    from outlet_desk.db.tables import Outlet
    from outlet_desk.services.report import UnknownOutlet

    with pytest.raises(UnknownOutlet, match="no outlet OTHER1"):  # not a report of zeros
        daily_report(month.desk, month.days[-1], outlet_code="OTHER1")
    with Session(month.desk.engine) as s:
        s.add(Outlet(code="OTHER1", name="Another outlet", division_code="110105"))
        s.commit()
    report = daily_report(month.desk, month.days[-1], outlet_code="OTHER1")
    assert report.chain is None  # sealed with a key this desk does not hold
    assert report.reissues_total == 0 and report.clerks == () and report.disagreements == ()


# Changes behind the services' back: a fresh short run per test, since they alter the records.

@pytest.fixture
def two_days(desk: Desk, tmp_path: Path) -> Activity:
    return drive_days(desk, FIRST_DAY, 2)


def test_a_payment_amount_changed_in_the_table_is_named(two_days: Activity) -> None:
    desk, day = two_days.desk, two_days.days[0]
    assert daily_report(desk, day).disagreements == ()
    with desk.engine.begin() as conn:
        conn.execute(text("UPDATE payment SET amount_fen = amount_fen + 500 WHERE id = (SELECT min(id) FROM payment)"))
        (method,) = conn.execute(text("SELECT method FROM payment WHERE id = (SELECT min(id) FROM payment)")).one()
    report = daily_report(desk, day)
    assert sorted((c.key, c.table - c.audit) for c in report.disagreements) == sorted(
        [("fees.taken_fen", 500), (f"fees.{method}_fen", 500)])  # the total and its method's figure
    assert report.chain is not None and report.chain.intact  # the audit itself was not touched


def test_a_loss_report_moved_to_another_channel_is_named(two_days: Activity) -> None:
    desk, day = two_days.desk, two_days.days[0]
    with Session(desk.engine) as s:
        first = s.exec(select(func.min(LossReport.id)).where(col(LossReport.channel) == "hotline")).one()
    with desk.engine.begin() as conn:
        conn.execute(text("UPDATE loss_report SET channel = 'counter' WHERE id = :id"), {"id": first})
    keys = {c.key for c in daily_report(desk, day, verify=False).disagreements}
    assert {"loss_reports.hotline", "loss_reports.counter"} <= keys


def test_an_edited_audit_event_breaks_the_chain_in_the_report(two_days: Activity) -> None:
    desk = two_days.desk
    with desk.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET after = replace(after, '\"lost\"', '\"damaged\"') "
                          "WHERE action = 'reissue_applied'"))
    report = daily_report(desk, two_days.days[0])
    assert report.chain is not None and not report.chain.intact
    assert {"reissues.lost", "reissues.damaged"} <= {c.key for c in report.disagreements}


def test_empty_day_before_any_activity(desk: Desk) -> None:
    seed(desk, persons=0)
    actor = login(desk, "super1")
    report = daily_report(desk, actor=actor)
    assert report.day == desk.local_now().date()
    assert report.reissues_total == 0 and report.fees_taken_fen == 0 and report.disagreements == ()
    assert report.fees_by_method == {"cash": 0, "wechat": 0, "alipay": 0, "bank_card": 0}
    assert report.chain is not None and report.chain.intact


def test_cards_waiting_without_an_arrival_event_are_shown_and_named(desk: Desk) -> None:
    """The training seed books every waiting card in with its own arrival event, so its first day
    reconciles; a card put in the ready state behind the services' back is shown and named."""
    seed(desk)
    with Session(desk.engine) as s:
        ready = s.exec(select(func.count()).select_from(Card).where(col(Card.status) == "ready")).one()
    report = daily_report(desk, verify=False)
    assert report.uncollected_total == ready > 0
    assert report.disagreements == ()
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.status) == "collected")).first()
        assert request is not None and request.new_card_id is not None
        card = s.get(Card, request.new_card_id)
        assert card is not None
        card.status = "ready"
        s.add(card)
        s.commit()
    report = daily_report(desk, verify=False)
    assert ("uncollected.0-7", ready, ready + 1) in [(c.key, c.audit, c.table) for c in report.disagreements]
