"""The withdrawal of a loss report sent to the supervisors, when ``withdraw_loss`` is under dual control and
no second operator is at the counter: the clerk, with the found card in the reader, asks from the
withdrawal screen with the reason (where it was found); a supervisor decides at their own desk
(``decisions.decide``); the clerk's screen watches the decision and, once approved, withdraws the report
(``loss.withdraw_loss(..., approval_id=...)``, which uses it).

The pending approval is bound to the card (``entity = "card"``, ``entity_id`` = the card's id, ``detail`` empty).
"""

from __future__ import annotations

from sqlmodel import Session

from outlet_desk.db.tables import Approval
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.services.approvals.kinds import WITHDRAWAL, WithdrawalApprovalRefused
from outlet_desk.services.approvals.requests import (
    ClerkRequests,
    RequestState,
    card_subject,
    clean_reason,
    request_state_of,
)
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.loss import check_withdrawable, withdrawal_under_dual_control
from outlet_desk.services.records import load_card, require_identity_check
from outlet_desk.services.uow import UnitOfWork


def request_withdrawal(desk: Desk, clerk: Actor, card_id: int, identity_check_id: int, chip: CardData,
                       reason: str) -> RequestState:
    """Send the withdrawal of this card's loss report to the supervisors; it waits in their list of approvals.
    The found card must be in the reader and be the reported card, as for the withdrawal itself."""
    why = clean_reason(reason)
    if not withdrawal_under_dual_control(desk):
        raise WithdrawalApprovalRefused(
            _("At this outlet a loss report is withdrawn without a supervisor's approval."))
    if not why:
        raise WithdrawalApprovalRefused(_("Say why the report is withdrawn: where and how the card was found."))
    with UnitOfWork(desk, clerk, Action.WITHDRAW_LOSS) as uow:
        card = load_card(uow.session, card_id, None)
        require_identity_check(uow, identity_check_id, card.person_id, Action.WITHDRAW_LOSS)
        report = check_withdrawable(desk, uow.session, card, chip)
        return _WITHDRAWALS.send(uow, card, "", why, {"report_id": report.id if report else None})


_WITHDRAWALS = ClerkRequests(WITHDRAWAL, request_state_of)
withdrawal_state = _WITHDRAWALS.state
cancel_withdrawal = _WITHDRAWALS.withdraw
open_withdrawal = _WITHDRAWALS.open


def withdrawal_subject_line(s: Session, row: Approval) -> str | None:
    """What the supervisor reads about a withdrawal waiting for them: the holder and the card."""
    subject = card_subject(s, row) if row.action == WITHDRAWAL.kind else None
    return None if subject is None else _("{person}, card {card} (found)").format(**subject)
