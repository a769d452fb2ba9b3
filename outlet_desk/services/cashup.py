"""Cash-up: per clerk per day, the payments expected (sum of that clerk's payments that day) against
the money the supervisor counted. A difference needs a reason, and, when ``cash_difference`` is under
dual control, a second supervisor's signature. One cash-up per clerk and day; a closed day takes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from outlet_desk.db.tables import CashUp, DayClose, Operator, Payment
from outlet_desk.domain.approvals import DualControl
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.fees import format_yuan
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
class CashLine:
    """One clerk's cash for one day: expected from the payments, counted once signed."""

    operator_id: int
    username: str
    display_name: str
    day: date
    expected_fen: int
    payments: int
    counted_fen: int | None = None
    reason: str = ""
    supervisor: str = ""
    signed_at: datetime | None = None

    @property
    def counted(self) -> bool:
        return self.counted_fen is not None

    @property
    def difference_fen(self) -> int | None:
        return None if self.counted_fen is None else self.counted_fen - self.expected_fen


def _expected(session: Session, desk: Desk, day: date) -> dict[int, tuple[int, int]]:
    """operator id -> (sum of payments in fen, number of payments) for the outlet's local ``day``."""
    start, end = day_bounds(desk, day)
    rows = session.execute(
        select(col(Payment.operator_id), func.coalesce(func.sum(col(Payment.amount_fen)), 0), func.count())
        .where(col(Payment.outlet_code) == desk.outlet_code, col(Payment.paid_at) >= start,
               col(Payment.paid_at) < end)
        .group_by(col(Payment.operator_id))
    )
    return {int(op): (int(total), int(n)) for op, total, n in rows}


def cash_lines(desk: Desk, day: date | None = None) -> list[CashLine]:
    """Every clerk who took payments on ``day`` (default today) or was cashed up for it."""
    day = day or desk.local_now().date()
    with Session(desk.engine) as s:
        expected = _expected(s, desk, day)
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
            sups.get(c.supervisor_id, "") if c else "", c.signed_at if c else None,
        ))
    return lines


def uncounted(desk: Desk, day: date) -> list[CashLine]:
    """Clerks with payments on ``day`` whose cash has not been counted."""
    return [line for line in cash_lines(desk, day) if not line.counted and line.payments]


def _check_signers(desk: Desk, supervisor: Actor, clerk_id: int, difference: int, reason: str,
                   co_signer: Actor | None) -> None:
    if supervisor.operator_id == clerk_id:
        raise CashUpRefused(_("A supervisor cannot cash up their own payments; another supervisor must count them."))
    if difference and not reason.strip():
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
            "co_signer": co_signer.username if co_signer and difference else None})
        uow.commit()
    return CashLine(clerk.id, clerk.username, clerk.display_name, day, expected, n, counted_fen, row.reason,
                    supervisor.username, row.signed_at)
