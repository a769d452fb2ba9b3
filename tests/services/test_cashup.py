"""Cash-up on both databases: expected from the clerk's payments of the day, counted and signed by a
supervisor, a reason for any difference, a second supervisor under dual control, once per day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, col, func, select

from benchmarks.activity import Activity, drive_days
from outlet_desk.config import Settings
from outlet_desk.db.tables import AuditEvent, Operator, Payment
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services import demo, operators
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.cashup import CashLine, CashUpRefused, CoSignatureNeeded, cash_lines, cash_up
from outlet_desk.services.context import Actor, Desk

DAY = date(2026, 10, 1)


@pytest.fixture
def day_run(desk: Desk) -> Activity:
    return drive_days(desk, DAY, 1)


def payments_of(desk: Desk, username: str, *, cash: bool) -> int:
    """The sum of the clerk's cash payments (``cash``), or of the others."""
    with Session(desk.engine) as s:
        op = s.exec(select(Operator).where(col(Operator.username) == username)).one()
        method = col(Payment.method) == "cash" if cash else col(Payment.method) != "cash"
        return int(s.exec(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                          .where(col(Payment.operator_id) == op.id, method)).one())


def a_clerk_line(act: Activity) -> CashLine:
    lines = [line for line in cash_lines(act.desk, DAY) if line.expected_fen >= 1000]
    assert lines, "the day must have cash payments"
    return lines[0]


def test_expected_is_the_sum_of_the_clerks_cash_payments_that_day(day_run: Activity) -> None:
    lines = cash_lines(day_run.desk, DAY)
    assert lines and all(not line.counted for line in lines)
    for line in lines:
        assert line.expected_fen == payments_of(day_run.desk, line.username, cash=True)
        assert line.electronic_fen == payments_of(day_run.desk, line.username, cash=False)
        assert all(p.method.electronic and p.reference for p in line.electronic)
    assert sum(line.electronic_fen for line in lines) > 0  # the day mixes methods
    assert cash_lines(day_run.desk, date(2026, 10, 2)) == []


def test_a_wechat_payment_is_listed_by_its_reference_and_not_counted_as_cash(desk: Desk) -> None:
    from outlet_desk.domain.card_lifecycle import CardStatus
    from outlet_desk.domain.fees import PaymentMethod, ReissueReason
    from outlet_desk.services.reissue import apply_reissue
    from tests.services.builders import identity, login, person_with

    demo.seed_training(desk, persons=40)
    clerk, sup = login(desk, "clerk1"), login(desk, "super1")
    for method, reference in (("cash", ""), ("wechat", "4200001234202612040001")):
        person, card = person_with(desk, CardStatus.LOST)
        apply_reissue(desk, clerk, card.id or 0, card.version, ReissueReason.LOST,
                      identity(desk, clerk, person, "apply_reissue"), payment_method=method, amount_paid_fen=2000,
                      payment_reference=reference)
    line = {x.username: x for x in cash_lines(desk)}["clerk1"]
    assert (line.expected_fen, line.cash_payments, line.payments) == (2000, 1, 2)
    assert [(p.method, p.amount_fen, p.reference) for p in line.electronic] == [
        (PaymentMethod.WECHAT, 2000, "4200001234202612040001")]
    signed = cash_up(desk, sup, "clerk1", 2000)  # the drawer holds the cash only: no difference, no co-signer
    assert signed.difference_fen == 0 and signed.electronic == line.electronic
    with Session(desk.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "cash_up")).one()
    assert '"reference": "4200001234202612040001"' in event.after and '"electronic_fen": 2000' in event.after
    from outlet_desk.services.day_close import blockers

    assert "cash_not_counted" not in {b.kind for b in blockers(desk, desk.local_now().date())}


def test_an_exact_count_is_signed_and_audited_once(day_run: Activity) -> None:
    line = a_clerk_line(day_run)
    signed = cash_up(day_run.desk, day_run.actors["super1"], line.username, line.expected_fen, day=DAY)
    assert (signed.counted, signed.difference_fen, signed.supervisor) == (True, 0, "super1")
    again = {x.username: x for x in cash_lines(day_run.desk, DAY)}[line.username]
    assert again.counted_fen == line.expected_fen and again.signed_at is not None
    with Session(day_run.desk.engine) as s:
        events = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "cash_up")).all()
    assert len(events) == 1 and '"difference_fen": 0' in events[0].after
    with pytest.raises(CashUpRefused, match="already been counted"):
        cash_up(day_run.desk, day_run.actors["super1"], line.username, line.expected_fen, day=DAY)


def test_a_difference_needs_a_reason(day_run: Activity) -> None:
    line = a_clerk_line(day_run)
    short = line.expected_fen - 1000
    with pytest.raises(CashUpRefused, match=r"-10\.00 yuan: give the reason"):
        cash_up(day_run.desk, day_run.actors["super1"], line.username, short, day=DAY)
    signed = cash_up(day_run.desk, day_run.actors["super1"], line.username, short, day=DAY,
                     reason="10 yuan note missing; clerk informed")
    assert signed.difference_fen == -1000 and signed.reason.startswith("10 yuan")


def test_a_clerk_cannot_cash_up_and_a_supervisor_not_their_own(day_run: Activity) -> None:
    line = a_clerk_line(day_run)
    with pytest.raises(Forbidden):
        cash_up(day_run.desk, day_run.actors["clerk1"], line.username, line.expected_fen, day=DAY)
    with pytest.raises(CashUpRefused, match="own payments"):
        cash_up(day_run.desk, day_run.actors["super1"], "super1", 0, day=DAY)
    with pytest.raises(CashUpRefused, match="negative"):
        cash_up(day_run.desk, day_run.actors["super1"], line.username, -1, day=DAY)


def test_dual_control_needs_a_second_supervisor_for_a_difference(make_settings: Callable[..., Settings]) -> None:
    dual = open_desk(make_settings('\n[security]\ndual_control = ["cash_difference"]\n'))
    try:
        act = drive_days(dual, DAY, 1)
        super2 = operators.authenticate(dual, "super2", demo.training_password("super2"))
        lines = [line for line in cash_lines(dual, DAY) if line.payments]
        first, sup = lines[0], act.actors["super1"]
        with pytest.raises(CoSignatureNeeded, match="second supervisor"):
            cash_up(dual, sup, first.username, first.expected_fen + 500, day=DAY, reason="extra note")
        with pytest.raises(CoSignatureNeeded, match="another supervisor"):
            cash_up(dual, sup, first.username, first.expected_fen + 500, day=DAY, reason="extra note", co_signer=sup)
        clerk: Actor = act.actors["clerk2" if first.username == "clerk1" else "clerk1"]
        with pytest.raises(CoSignatureNeeded):
            cash_up(dual, sup, first.username, first.expected_fen + 500, day=DAY, reason="extra", co_signer=clerk)
        signed = cash_up(dual, sup, first.username, first.expected_fen + 500, day=DAY, reason="extra note",
                         co_signer=super2)
        assert signed.difference_fen == 500
        if len(lines) > 1:  # no difference: no co-signature needed
            assert cash_up(dual, sup, lines[1].username, lines[1].expected_fen, day=DAY).difference_fen == 0
    finally:
        dual.engine.dispose()
