"""A fee waiver sent to the supervisors: the clerk asks from the reissue screen, a supervisor decides at
their own desk (``decisions.decide``), the clerk's screen watches the decision and, once approved, takes
the application with the fee waived (``reissue.apply_reissue(..., waiver_approval_id=...)``, which uses it).

Before the application exists there is no reissue request to point at, so the pending approval is bound to
the old card and the reissue reason (``entity = "card"``, ``entity_id`` = the card's id, ``detail`` = the
reason): the card names the person, and a card has at most one application.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from outlet_desk.db.tables import Approval
from outlet_desk.domain.fees import ReissueReason, format_yuan
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.services.approvals.kinds import CARD_ENTITY, WAIVER, WaiverRefused
from outlet_desk.services.approvals.requests import (
    ClerkRequests,
    RequestState,
    card_subject,
    clean_reason,
    request_state,
)
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.records import load_card
from outlet_desk.services.reissue import check_not_applied, check_old_card, fee_for
from outlet_desk.services.uow import UnitOfWork


def waiver_subject(row: Approval) -> ReissueReason | None:
    """The reissue reason of a fee waiver asked for by request (None for any other approval)."""
    if row.action != WAIVER.kind or row.entity != CARD_ENTITY or row.detail not in {r.value for r in ReissueReason}:
        return None
    return ReissueReason(row.detail)


@dataclass(frozen=True)
class WaiverState(RequestState):
    """A waiver asked for, as the clerk's screen shows it: the request, and the fee it is about."""

    reissue_reason: ReissueReason
    fee_fen: int

    @property
    def card_id(self) -> int:
        return self.entity_id

    @property
    def waiver_reason(self) -> str:
        return self.reason


def _state(desk: Desk, s: Session, row: Approval) -> WaiverState:
    reason = waiver_subject(row)
    assert reason is not None
    return WaiverState(**vars(request_state(s, row)), reissue_reason=reason, fee_fen=fee_for(desk, reason).amount_fen)


def request_waiver(desk: Desk, clerk: Actor, card_id: int, reason: ReissueReason, waiver_reason: str) -> WaiverState:
    """Send the waiver of this card's reissue fee to the supervisors; it waits in their list of approvals."""
    why = clean_reason(waiver_reason)
    if not why:
        raise WaiverRefused(_("Give the reason for waiving the fee."))
    fee = fee_for(desk, reason)
    if fee.free:
        raise WaiverRefused(_("There is no fee for this reason: nothing to waive."))
    with UnitOfWork(desk, clerk, Action.APPLY_REISSUE) as uow:
        card = load_card(uow.session, card_id, None)
        check_old_card(desk, card, reason)
        check_not_applied(uow.session, card_id)
        return _WAIVERS.send(uow, card, reason.value, why, {"reissue_reason": reason.value, "fee_fen": fee.amount_fen})


_WAIVERS = ClerkRequests(WAIVER, _state)
waiver_state = _WAIVERS.state
withdraw_waiver = _WAIVERS.withdraw
open_waiver = _WAIVERS.open


def waiver_subject_line(desk: Desk, s: Session, row: Approval) -> str | None:
    """What the supervisor reads about a waiver waiting for them: for whom, which card, the fee."""
    reason = waiver_subject(row)
    subject = card_subject(s, row) if reason is not None else None
    if reason is None or subject is None:
        return None
    return _("{person}, card {card}: fee {yuan} yuan").format(
        **subject, yuan=format_yuan(fee_for(desk, reason).amount_fen))
