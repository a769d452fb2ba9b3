"""Approvals a supervisor gives at the counter or by request: what is approved, and the approval's status.

A request waits (``pending``) until a supervisor approves or rejects it, or the clerk withdraws it
(``cancelled``); an approval is ``used`` once the task it allowed is done. One given at the counter is
saved ``approved`` and used at once.
"""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Moves, Worded
from outlet_desk.i18n import N_, _


class ApprovalKind(Worded):
    """What is approved (the approval's ``action``)."""

    WAIVE_FEE = "waive_fee", N_("fee waiver")
    WITHDRAW_LOSS = "withdraw_loss", N_("loss report withdrawal")
    SPOIL_CARD = "spoil_card", N_("card spoiled")


class DualControl(Worded):
    """What outlet.toml's ``[security] dual_control`` may put under a second operator's approval: the kinds of
    approval by request, and two co-signatures given at the supervisor's desk."""

    WAIVE_FEE = ApprovalKind.WAIVE_FEE.value, N_("fee waiver")
    WITHDRAW_LOSS = ApprovalKind.WITHDRAW_LOSS.value, N_("loss report withdrawal")
    SPOIL_CARD = ApprovalKind.SPOIL_CARD.value, N_("card spoiled")
    CLOSE_DAY_WITH_BLOCKERS = "close_day_with_blockers", N_("closing a day with open work")
    CASH_DIFFERENCE = "cash_difference", N_("a cash-up with a difference")


class ApprovalStatus(Worded):
    PENDING = "pending", N_("waiting")
    APPROVED = "approved", N_("approved")
    REJECTED = "rejected", N_("rejected")
    CANCELLED = "cancelled", N_("withdrawn by the clerk")
    USED = "used", N_("approved and used")


#: A request the clerk may still count on: waiting for a decision, or approved and not yet used.
OPEN_APPROVALS: frozenset[ApprovalStatus] = frozenset({ApprovalStatus.PENDING, ApprovalStatus.APPROVED})

class ApprovalMoveRefused(DomainError):
    code = "approval_move_refused"


_A = ApprovalStatus
APPROVAL_MOVES: Moves[ApprovalStatus] = Moves(ApprovalStatus, {
    _A.PENDING: {_A.APPROVED, _A.REJECTED, _A.CANCELLED},
    _A.APPROVED: {_A.USED},
}, lambda status, to: ApprovalMoveRefused(
    _("An approval that is {status} cannot become {to}.").format(status=status, to=to)))
move_approval = APPROVAL_MOVES.move
