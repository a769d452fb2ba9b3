"""Closing the day on both databases: the blocking items, the refusal without a reason, the report
written as PDF and CSV carrying the close, and a closed day refusing new transactions."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from benchmarks.activity import Activity, citizen_number, drive_days, person_name
from outlet_desk.config import Settings
from outlet_desk.db.tables import Approval, AuditEvent, DayClose
from outlet_desk.domain.roles import Action, Forbidden
from outlet_desk.services import demo, operators
from outlet_desk.services.audit.witness import fingerprint
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.cashup import cash_lines, cash_up
from outlet_desk.services.context import Desk
from outlet_desk.services.day_close import (
    DayClosed,
    DayCloseRefused,
    blockers,
    check_day_open,
    close_day,
    ensure_day_open,
    open_items,
)
from outlet_desk.services.loss import report_loss_hotline
from outlet_desk.services.report import daily_report
from outlet_desk.services.report_export import summary_lines, to_csv, to_json

DAY = date(2026, 10, 1)


@pytest.fixture
def day_run(desk: Desk) -> Activity:
    return drive_days(desk, DAY, 1)


def count_all_cash(act: Activity) -> None:
    for line in cash_lines(act.desk, DAY):
        if not line.counted:
            cash_up(act.desk, act.actors["super1"], line.username, line.expected_fen, day=DAY)


def test_uncounted_cash_blocks_the_close_until_counted(day_run: Activity) -> None:
    sup = day_run.actors["super1"]
    kinds = {b.kind for b in blockers(day_run.desk, DAY)}
    assert kinds == {"cash_not_counted"}
    with pytest.raises(DayCloseRefused, match="is not counted") as refused:
        close_day(day_run.desk, sup)
    assert {b.kind for b in refused.value.blockers} == {"cash_not_counted"}
    count_all_cash(day_run)
    assert blockers(day_run.desk, DAY) == ()
    result = close_day(day_run.desk, sup)
    assert result.day == DAY and result.blockers == ()
    assert result.report.close is not None and result.report.close.closed_by == "super1"
    assert result.report.chain is not None and result.report.chain.intact
    # The close's checkpoint is also a line of the witness file; its fingerprint is printed on the report.
    witness = day_run.desk.settings.audit_witness_path().read_text().splitlines()
    fp = result.report.chain.witness_fingerprint
    assert fp == fingerprint(witness[-1])
    assert any(fp in line for line in summary_lines(result.report))
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(result.csv_path.read_text(encoding="utf-8")))}
    assert rows["close.closed_by"]["value"] == "super1"
    assert result.pdf_path.parent == day_run.desk.settings.reports_dir() and result.pdf_path.stat().st_size > 1000
    with Session(day_run.desk.engine) as s:
        assert s.exec(select(DayClose)).one().closed_by == sup.operator_id
        assert s.exec(select(AuditEvent).where(col(AuditEvent.action) == "day_closed")).one()
    with pytest.raises(DayCloseRefused, match="already closed"):
        close_day(day_run.desk, sup)


def test_with_a_reason_the_day_closes_and_the_report_carries_reason_and_items(day_run: Activity) -> None:
    with Session(day_run.desk.engine) as s:
        s.add(Approval(outlet_code=day_run.desk.outlet_code, action="spoil_card", entity="card", entity_id=1,
                       maker_id=day_run.actors["clerk1"].operator_id, created_at=day_run.desk.now()))
        s.commit()
    kinds = {b.kind for b in blockers(day_run.desk, DAY)}
    assert kinds == {"cash_not_counted", "pending_approvals"}
    result = close_day(day_run.desk, day_run.actors["super1"], reason="clerk2 left ill; counted tomorrow")
    close = daily_report(day_run.desk, DAY, verify=False).close
    assert close is not None and close.reason == "clerk2 left ill; counted tomorrow"
    assert any("approval" in b for b in close.blockers) and any("not counted" in b for b in close.blockers)
    rows = list(csv.DictReader(io.StringIO(result.csv_path.read_text(encoding="utf-8"))))
    assert [r["value"] for r in rows if r["key"] == "close.reason"] == ["clerk2 left ill; counted tomorrow"]
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) must be installed under CI")
        pytest.skip("pdftotext (poppler-utils) not installed: the PDF's text was not read back")
    pdf = subprocess.run(["pdftotext", str(result.pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    assert "clerk2 left ill" in pdf and "Day closed by super1" in pdf


def test_losses_lapsing_tomorrow_are_listed_not_blocking_and_a_broken_chain_blocks(
        make_settings: Callable[..., Settings]) -> None:
    desk = open_desk(make_settings("\n[loss]\ntemporary_days = 1\n"))
    try:
        act = drive_days(desk, DAY, 1)
        count_all_cash(act)
        report_loss_hotline(desk, act.actors["hotline1"], citizen_number(399), person_name(399), f"139{399:08d}")
        assert blockers(desk, DAY) == ()
        items = open_items(desk, DAY)
        assert items.blockers == () and len(items.lapsing) == 1
        assert items.lapsing[0].masked_name == person_name(399)[0] + "*" * (len(person_name(399)) - 1)
        with desk.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET entity_id = entity_id || 'x' WHERE seq = 2"))
        assert {b.kind for b in blockers(desk, DAY)} == {"audit_chain"}
        result = close_day(desk, act.actors["super1"], reason="chain checked by the auditor")
        assert [b.kind for b in result.blockers] == ["audit_chain"] and len(result.lapsing) == 1
    finally:
        desk.engine.dispose()


def test_who_may_close_and_which_days(day_run: Activity) -> None:
    with pytest.raises(Forbidden):
        close_day(day_run.desk, day_run.actors["clerk1"], reason="x")
    with pytest.raises(DayCloseRefused, match="has not come yet"):
        close_day(day_run.desk, day_run.actors["super1"], DAY + timedelta(days=1), reason="x")


def test_dual_control_of_a_close_with_open_items(make_settings: Callable[..., Settings]) -> None:
    desk = open_desk(make_settings('\n[security]\ndual_control = ["close_day_with_blockers"]\n'))
    try:
        act = drive_days(desk, DAY, 1)
        sup = act.actors["super1"]
        with pytest.raises(DayCloseRefused, match="second supervisor"):
            close_day(desk, sup, reason="late")
        super2 = operators.authenticate(desk, "super2", demo.training_password("super2"))
        assert close_day(desk, sup, reason="late", co_signer=super2).blockers
    finally:
        desk.engine.dispose()


@pytest.fixture
def closed(day_run: Activity) -> Activity:
    count_all_cash(day_run)
    close_day(day_run.desk, day_run.actors["super1"])
    return day_run


def test_ensure_day_open_refuses_on_the_closed_day_only(closed: Activity) -> None:
    desk = closed.desk
    with Session(desk.engine) as s:
        with pytest.raises(DayClosed, match=DAY.isoformat()):
            ensure_day_open(s, desk)
        check_day_open(s, desk, None, Action.REPORT_LOSS_HOTLINE)  # the system itself: exempt
        check_day_open(s, desk, closed.actors["clerk1"], Action.OPEN_PERSON)  # not a transaction
        with pytest.raises(DayClosed):
            check_day_open(s, desk, closed.actors["clerk1"], Action.APPLY_REISSUE)
    closed.clock.now += timedelta(days=1)
    with Session(desk.engine) as s:
        ensure_day_open(s, desk)


def test_a_hotline_suspension_at_23_00_after_the_close_is_accepted_and_on_the_next_days_report(
        closed: Activity) -> None:
    desk = closed.desk
    hotline = closed.actors["hotline1"]
    closed.clock.now = datetime.combine(DAY, time(23, 0), tzinfo=desk.tz).astimezone(UTC)
    before = daily_report(desk, DAY, verify=False)
    number, name, phone = citizen_number(399), person_name(399), f"139{399:08d}"
    assert report_loss_hotline(desk, hotline, number, name, phone).card_number  # accepted, day closed or not
    with Session(desk.engine) as s, pytest.raises(DayClosed, match="closed by a supervisor"):  # the money: closed
        check_day_open(s, desk, closed.actors["clerk1"], Action.APPLY_REISSUE)
    closed_day = daily_report(desk, DAY, verify=False)
    assert closed_day.loss_reports == before.loss_reports  # the closed day stays as it was closed
    assert closed_day.disagreements == () and closed_day.after_close is None
    next_day = daily_report(desk, DAY + timedelta(days=1), verify=False)
    late = next_day.after_close
    assert late is not None and late.day == DAY
    assert late.loss_reports["hotline"] == 1
    assert [(e.at.astimezone(desk.tz).strftime("%H:%M"), e.operator) for e in late.events] == [("23:00", "hotline1")]
    lines = summary_lines(next_day)
    assert any(line.startswith(f"Recorded after the close of {DAY.isoformat()}") for line in lines)
    assert any("23:00" in line and "hotline1" in line for line in lines)
    rows = list(csv.DictReader(io.StringIO(to_csv(next_day))))
    assert [r["value"] for r in rows if r["key"] == "after_close.loss_reports.hotline"] == ["1"]
    assert to_json(next_day)["after_close"]["loss_reports"]["hotline"] == 1


def test_a_formal_loss_at_the_counter_after_the_close_is_accepted_and_on_the_next_days_report(
        closed: Activity) -> None:
    """Issue 14, defect 2: after the close nothing could be recorded. A holder at the counter at 23:00 has the
    card stopped for good; the closed day stays as closed, the next day's report names the late report."""
    from outlet_desk.domain.card_lifecycle import CardStatus
    from outlet_desk.services.loss import report_loss_counter
    from tests.services.builders import identity, person_with

    desk = closed.desk
    clerk = closed.actors["clerk1"]
    closed.clock.now = datetime.combine(DAY, time(23, 0), tzinfo=desk.tz).astimezone(UTC)
    before = daily_report(desk, DAY, verify=False)
    person, card = person_with(desk, CardStatus.ACTIVE)
    lost = report_loss_counter(desk, clerk, card.id or 0, card.version,
                               identity(desk, clerk, person, "report_loss_counter"))
    assert lost.card_status is CardStatus.LOST
    assert daily_report(desk, DAY, verify=False).loss_reports == before.loss_reports
    late = daily_report(desk, DAY + timedelta(days=1), verify=False).after_close
    assert late is not None and late.loss_reports["counter"] == 1
    assert [(e.at.astimezone(desk.tz).strftime("%H:%M"), e.operator) for e in late.events] == [("23:00", "clerk1")]
