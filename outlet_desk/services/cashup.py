"""Cash-up: per clerk per day, the cash expected (the sum of that clerk's cash payments that day) against
the cash the supervisor counted; each electronic payment (WeChat Pay, Alipay, bank card) is listed with
its transaction reference, to be reconciled with the provider's statement, and never counted as cash.
A cash difference needs a reason, and, when ``cash_difference`` is under dual control, a second
supervisor's signature. One cash-up per clerk and day; a closed day takes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from outlet_desk.db.tables import CashUp, DayClose, Operator, Payment
from outlet_desk.domain.approvals import DualControl
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.counted import unexplained
from outlet_desk.domain.fees import PaymentMethod, format_yuan
from outlet_desk.domain.roles import Action, require
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.home import day_bounds
from outlet_desk.services.uow import UnitOfWork


class CashUpRefused(ServiceError):
    code = "cash_up_refused"


class CoSignatureNeeded(CashUpRefused):
    code = "cash_up_co_signature"


@dataclass(frozen=True)
class ElectronicPayment:
    """One payment through a provider: reconciled by its reference, not counted."""

    method: PaymentMethod
    amount_fen: int
    reference: str
    receipt_number: str
    paid_at: datetime


@dataclass(frozen=True)
class CashLine:
    """One clerk's takings for one day: the cash expected from the cash payments (counted once signed) and
    the electronic payments, listed."""

    operator_id: int
    username: str
    display_name: str
    day: date
    expected_fen: int
    """The cash payments' sum: what the drawer should hold."""
    payments: int
    """Every payment of the day, cash and electronic."""
    counted_fen: int | None = None
    reason: str = ""
    supervisor: str = ""
    signed_at: datetime | None = None
    electronic: tuple[ElectronicPayment, ...] = ()

    @property
    def cash_payments(self) -> int:
        return self.payments - len(self.electronic)

    @property
    def electronic_fen(self) -> int:
        return sum(p.amount_fen for p in self.electronic)

    @property
    def counted(self) -> bool:
        return self.counted_fen is not None

    @property
    def difference_fen(self) -> int | None:
        return None if self.counted_fen is None else self.counted_fen - self.expected_fen


def _expected(session: Session, desk: Desk, day: date) -> dict[int, tuple[int, int]]:
    """operator id -> (sum of the cash payments in fen, number of payments of any method) for the outlet's
    local ``day``."""
    start, end = day_bounds(desk, day)
    cash = col(Payment.method) == PaymentMethod.CASH.value
    rows = session.execute(
        select(col(Payment.operator_id),
               func.coalesce(func.sum(case((cash, col(Payment.amount_fen)), else_=0)), 0), func.count())
        .where(col(Payment.outlet_code) == desk.outlet_code, col(Payment.paid_at) >= start,
               col(Payment.paid_at) < end)
        .group_by(col(Payment.operator_id))
    )
    return {int(op): (int(total), int(n)) for op, total, n in rows}


def _electronic(session: Session, desk: Desk, day: date) -> dict[int, tuple[ElectronicPayment, ...]]:
    """operator id -> the clerk's payments on ``day`` by any method but cash, in the order taken."""
    start, end = day_bounds(desk, day)
    rows = session.execute(
        select(col(Payment.operator_id), col(Payment.method), col(Payment.amount_fen), col(Payment.reference),
               col(Payment.receipt_number), col(Payment.paid_at))
        .where(col(Payment.outlet_code) == desk.outlet_code, col(Payment.paid_at) >= start,
               col(Payment.paid_at) < end, col(Payment.method) != PaymentMethod.CASH.value)
        .order_by(col(Payment.paid_at), col(Payment.id)))
    found: dict[int, list[ElectronicPayment]] = {}
    for op, method, amount, reference, receipt, paid_at in rows:
        found.setdefault(int(op), []).append(
            ElectronicPayment(PaymentMethod(method), int(amount), reference, receipt, paid_at.astimezone(desk.tz)))
    return {op: tuple(payments) for op, payments in found.items()}


def cash_lines(desk: Desk, day: date | None = None) -> list[CashLine]:
    """Every clerk who took payments on ``day`` (default today) or was cashed up for it."""
    day = day or desk.local_now().date()
    with Session(desk.engine) as s:
        expected = _expected(s, desk, day)
        electronic = _electronic(s, desk, day)
        done = {c.operator_id: c for c in s.execute(
            select(CashUp).where(col(CashUp.outlet_code) == desk.outlet_code, col(CashUp.day) == day)).scalars()}
        ids = set(expected) | set(done)
        ops = {o.id: o for o in s.execute(select(Operator).where(col(Operator.id).in_(ids))).scalars()}
        sup_ids = {c.supervisor_id for c in done.values()}
        sups = {o.id: o.username for o in s.execute(select(Operator).where(col(Operator.id).in_(sup_ids))).scalars()}
    lines = []
    for op_id in sorted(ids, key=lambda i: ops[i].username if i in ops else str(i)):
        op = ops.get(op_id)
        total, n = expected.get(op_id, (0, 0))
        c = done.get(op_id)
        lines.append(CashLine(
            op_id, op.username if op else str(op_id), op.display_name if op else "", day,
            c.expected_fen if c else total, n,
            c.counted_fen if c else None, c.reason if c else "",
            sups.get(c.supervisor_id, "") if c else "", c.signed_at if c else None, electronic.get(op_id, ()),
        ))
    return lines


def uncounted(desk: Desk, day: date) -> list[CashLine]:
    """Clerks with payments on ``day`` (cash or electronic) whose cash-up has not been signed."""
    return [line for line in cash_lines(desk, day) if not line.counted and line.payments]


def _check_signers(desk: Desk, supervisor: Actor, clerk_id: int, difference: int, reason: str,
                   co_signer: Actor | None) -> None:
    if supervisor.operator_id == clerk_id:
        raise CashUpRefused(_("A supervisor cannot cash up their own payments; another supervisor must count them."))
    if unexplained(difference, reason):
        raise CashUpRefused(
            _("The counted cash differs from the expected by {yuan} yuan: give the reason.").format(
                yuan=format_yuan(difference)))
    if difference and DualControl.CASH_DIFFERENCE in desk.settings.security.dual_control:
        if co_signer is None:
            raise CoSignatureNeeded(
                _("A cash difference needs a second supervisor to sign in and co-sign it."))
        if not co_signer.is_another_supervisor(supervisor.operator_id, clerk_id):
            raise CoSignatureNeeded(
                _("The co-signer must be another supervisor, neither the one signing nor the clerk counted."))


def cash_up(
    desk: Desk,
    supervisor: Actor,
    clerk_username: str,
    counted_fen: int,
    *,
    day: date | None = None,
    reason: str = "",
    co_signer: Actor | None = None,
) -> CashLine:
    """Sign the count of one clerk's cash for ``day`` (default today)."""
    require(supervisor.role, Action.CASH_UP)
    day = day or desk.local_now().date()
    if counted_fen < 0:
        raise CashUpRefused(_("The counted amount cannot be negative."))
    reason = clean_text(reason, _("The reason"), REASON_MAX, multi_line=True)
    with UnitOfWork(desk, supervisor, Action.CASH_UP) as uow:
        s = uow.session
        if s.execute(select(col(DayClose.id)).where(col(DayClose.outlet_code) == desk.outlet_code,
                                                   col(DayClose.day) == day)).first() is not None:
            raise CashUpRefused(_("The day {day} is closed; its cash can no longer be counted.").format(day=day))
        clerk = s.execute(select(Operator).where(col(Operator.username) == clerk_username.strip().lower())
                          ).scalar_one_or_none()
        if clerk is None or clerk.id is None:
            raise NotFound(_("There is no operator '{u}'.").format(u=clerk_username))
        done = s.execute(select(col(CashUp.id)).where(
            col(CashUp.outlet_code) == desk.outlet_code, col(CashUp.operator_id) == clerk.id,
            col(CashUp.day) == day)).first()
        if done is not None:
            raise CashUpRefused(_("The cash of {u} for {day} has already been counted and signed.").format(
                u=clerk.username, day=day))
        expected, n = _expected(s, desk, day).get(clerk.id, (0, 0))
        electronic = _electronic(s, desk, day).get(clerk.id, ())
        difference = counted_fen - expected
        _check_signers(desk, supervisor, clerk.id, difference, reason, co_signer)
        row = CashUp(outlet_code=desk.outlet_code, operator_id=clerk.id, day=day, expected_fen=expected,
                     counted_fen=counted_fen, reason=reason.strip()[:500], supervisor_id=supervisor.operator_id,
                     signed_at=desk.now())
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:  # another supervisor signed the same count a moment ago
            raise CashUpRefused(_("The cash of {u} for {day} has already been counted and signed.").format(
                u=clerk.username, day=day)) from exc
        uow.audit(AuditAction.CASH_UP, "cash_up", row.id, after={
            "clerk": clerk.username, "day": day.isoformat(), "expected_fen": expected, "counted_fen": counted_fen,
            "difference_fen": difference, "reason": row.reason,
            "co_signer": co_signer.username if co_signer and difference else None,
            "electronic_fen": sum(p.amount_fen for p in electronic),
            "electronic": [{"method": p.method.value, "amount_fen": p.amount_fen, "reference": p.reference,
                            "receipt": p.receipt_number} for p in electronic]})
        uow.commit()
    return CashLine(clerk.id, clerk.username, clerk.display_name, day, expected, n, counted_fen, row.reason,
                    supervisor.username, row.signed_at, electronic)
