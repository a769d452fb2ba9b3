"""A fee waiver sent to the supervisors: the clerk asks from the reissue screen, a supervisor decides at
their own desk (``supervision.decide``), the clerk's screen watches the decision and, once approved, takes
the application with the fee waived (``reissue.apply_reissue(..., waiver_approval_id=...)``, which holds
the rules for using it).

Before the application exists there is no reissue request to point at, so the pending approval is bound
to the old card and the reissue reason (``entity = "card"``, ``entity_id`` = the card's id, ``detail`` = the
reason): the card names the person, and a card has at most one application. The request, once taken, points back at
the approval (``reissue_request.waiver_approval_id``), which is how a used approval is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Approval, ReissueRequest
from outlet_desk.domain.approvals import OPEN_APPROVALS
from outlet_desk.domain.fees import ReissueReason, format_yuan
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.approval_requests import (
    RequestState,
    cancel_request,
    card_holder,
    holder_line,
    request_state,
    todays_requests,
    waiting_request,
)
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.records import load_card, open_request_for_card
from outlet_desk.services.reissue import (
    WAIVE_FEE,
    WAIVER_ENTITY,
    ReissueRefused,
    WaiverRefused,
    check_old_card,
    fee_for,
    waiver_subject,
)
from outlet_desk.services.uow import UnitOfWork


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


@dataclass(frozen=True)
class WaiverSubject:
    """What the supervisor reads about a waiver waiting for them: for whom, which card, the fee."""

    person: str
    card_number: str
    reason: ReissueReason
    fee_fen: int

    def describe(self) -> str:
        return _("{person}, card {card}: fee {yuan} yuan").format(
            person=self.person, card=self.card_number, yuan=format_yuan(self.fee_fen))


def _state(desk: Desk, s: Session, row: Approval) -> WaiverState:
    reason = waiver_subject(row)
    assert reason is not None
    used = s.exec(select(ReissueRequest.id).where(col(ReissueRequest.waiver_approval_id) == row.id)).first()
    state = request_state(s, row, used=used is not None)
    return WaiverState(**vars(state), reissue_reason=reason, fee_fen=fee_for(desk, reason).amount_fen)


def _load(desk: Desk, s: Session, clerk: Actor, approval_id: int) -> Approval:
    row = s.get(Approval, approval_id)
    if (row is None or row.outlet_code != desk.outlet_code or row.action != WAIVE_FEE
            or waiver_subject(row) is None or row.maker_id != clerk.operator_id):
        raise NotFound(_("You have no fee waiver request with number {id}.").format(id=approval_id))
    return row


def request_waiver(desk: Desk, clerk: Actor, card_id: int, reason: ReissueReason, waiver_reason: str) -> WaiverState:
    """Send the waiver of this card's reissue fee to the supervisors; it waits in their list of approvals."""
    why = " ".join(clean_text(waiver_reason, _("The reason"), REASON_MAX, multi_line=True).split())
    if not why:
        raise WaiverRefused(_("Give the reason for waiving the fee."))
    fee = fee_for(desk, reason)
    if fee.free:
        raise WaiverRefused(_("There is no fee for this reason: nothing to waive."))
    with UnitOfWork(desk, clerk, Action.APPLY_REISSUE) as uow:
        s = uow.session
        card = load_card(s, card_id, None)
        check_old_card(desk, card, reason)
        if open_request_for_card(s, card_id) is not None:
            raise ReissueRefused(_("A reissue has already been applied for this card."))
        waiting = waiting_request(s, desk, WAIVE_FEE, card_id)
        if waiting is not None:
            raise WaiverRefused(_("A waiver for this card is already waiting for a decision (no. {id}).").format(
                id=waiting.id))
        row = Approval(outlet_code=desk.outlet_code, action=WAIVE_FEE, entity=WAIVER_ENTITY, entity_id=card_id,
                       detail=reason.value, maker_id=clerk.operator_id, reason=why[:200], created_at=desk.now())
        s.add(row)
        s.flush()
        uow.audit("approval_requested", "approval", row.id, person_id=card.person_id,
                  after={"action": WAIVE_FEE, "entity": "card", "entity_id": card_id, "card_number": card.card_number,
                         "reissue_reason": reason.value, "fee_fen": fee.amount_fen, "reason": row.reason})
        uow.commit()
        return _state(desk, s, row)


def waiver_state(desk: Desk, clerk: Actor, approval_id: int) -> WaiverState:
    """Where the clerk's waiver request stands now (the clerk's screen asks every second or two)."""
    with Session(desk.engine) as s:
        return _state(desk, s, _load(desk, s, clerk, approval_id))


def withdraw_waiver(desk: Desk, clerk: Actor, approval_id: int) -> WaiverState:
    """The clerk no longer waits for the decision: the request leaves the supervisors' list (audited)."""
    with UnitOfWork(desk, clerk) as uow:
        row = _load(desk, uow.session, clerk, approval_id)
        cancel_request(uow, row, WaiverRefused)
        uow.commit()
        return _state(desk, uow.session, row)


def open_waiver(desk: Desk, clerk: Actor, card_id: int) -> WaiverState | None:
    """This clerk's waiver request for this card asked for today and not yet used, whether waiting or approved
    (the reissue screen, opened again, picks it up), else None."""
    with Session(desk.engine) as s:
        for row in todays_requests(s, desk, clerk, WAIVE_FEE, card_id):
            state = _state(desk, s, row)
            if state.status in OPEN_APPROVALS:
                return state
    return None


def waiver_subjects(desk: Desk, s: Session, rows: list[Approval]) -> dict[int, WaiverSubject]:
    """For the supervisors' list: the person (name, masked citizen number), card and fee of each waiver asked
    for by request among ``rows``."""
    out: dict[int, WaiverSubject] = {}
    for row in rows:
        reason = waiver_subject(row)
        holder = card_holder(s, row) if reason is not None else None
        if reason is None or holder is None or row.id is None:
            continue
        card, person = holder
        out[row.id] = WaiverSubject(holder_line(person), card.card_number, reason, fee_for(desk, reason).amount_fen)
    return out
