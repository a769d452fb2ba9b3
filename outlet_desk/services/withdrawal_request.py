"""The withdrawal of a loss report sent to the supervisors, when ``withdraw_loss`` is under dual control and
no second operator is at the counter: the clerk, with the found card in the reader, asks from the
withdrawal screen with the reason (where it was found); a supervisor decides at their own desk
(``supervision.decide``); the clerk's screen watches the decision and, once approved, withdraws the report
(``loss.withdraw_loss(..., approval_id=...)``, which holds the rules for using it and marks it used).

The pending approval is bound to the card (``entity = "card"``, ``entity_id`` = the card's id, ``detail`` empty).
"""

from __future__ import annotations

from sqlmodel import Session

from outlet_desk.db.tables import Approval
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.services.approval_requests import (
    CARD_ENTITY,
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
from outlet_desk.services.loss import (
    WITHDRAW_LOSS,
    WithdrawalApprovalRefused,
    check_withdrawable,
    withdrawal_under_dual_control,
)
from outlet_desk.services.records import load_card, require_identity_check
from outlet_desk.services.uow import UnitOfWork


def _load(desk: Desk, s: Session, clerk: Actor, approval_id: int) -> Approval:
    row = s.get(Approval, approval_id)
    if (row is None or row.outlet_code != desk.outlet_code or row.action != WITHDRAW_LOSS
            or row.entity != CARD_ENTITY or row.maker_id != clerk.operator_id):
        raise NotFound(_("You have no request to withdraw a loss report with number {id}.").format(id=approval_id))
    return row


def request_withdrawal(desk: Desk, clerk: Actor, card_id: int, identity_check_id: int, chip: CardData,
                       reason: str) -> RequestState:
    """Send the withdrawal of this card's loss report to the supervisors; it waits in their list of approvals.
    The found card must be in the reader and be the reported card, as for the withdrawal itself."""
    why = " ".join(clean_text(reason, _("The reason"), REASON_MAX, multi_line=True).split())
    if not withdrawal_under_dual_control(desk):
        raise WithdrawalApprovalRefused(
            _("At this outlet a loss report is withdrawn without a supervisor's approval."))
    if not why:
        raise WithdrawalApprovalRefused(_("Say why the report is withdrawn: where and how the card was found."))
    with UnitOfWork(desk, clerk, Action.WITHDRAW_LOSS) as uow:
        s = uow.session
        card = load_card(s, card_id, None)
        require_identity_check(desk, s, identity_check_id, card.person_id, Action.WITHDRAW_LOSS.value)
        report = check_withdrawable(desk, s, card, chip)
        waiting = waiting_request(s, desk, WITHDRAW_LOSS, card_id)
        if waiting is not None:
            raise WithdrawalApprovalRefused(
                _("A withdrawal for this card is already waiting for a decision (no. {id}).").format(id=waiting.id))
        row = Approval(outlet_code=desk.outlet_code, action=WITHDRAW_LOSS, entity=CARD_ENTITY, entity_id=card_id,
                       detail="", maker_id=clerk.operator_id, reason=why[:200], created_at=desk.now())
        s.add(row)
        s.flush()
        uow.audit("approval_requested", "approval", row.id, person_id=card.person_id,
                  after={"action": WITHDRAW_LOSS, "entity": CARD_ENTITY, "entity_id": card_id,
                         "card_number": card.card_number, "report_id": report.id if report else None,
                         "reason": row.reason})
        uow.commit()
        return request_state(s, row)


def withdrawal_state(desk: Desk, clerk: Actor, approval_id: int) -> RequestState:
    """Where the clerk's request stands now (the withdrawal screen asks every second or two)."""
    with Session(desk.engine) as s:
        return request_state(s, _load(desk, s, clerk, approval_id))


def cancel_withdrawal(desk: Desk, clerk: Actor, approval_id: int) -> RequestState:
    """The clerk no longer waits for the decision: the request leaves the supervisors' list (audited)."""
    with UnitOfWork(desk, clerk) as uow:
        row = _load(desk, uow.session, clerk, approval_id)
        cancel_request(uow, row, WithdrawalApprovalRefused)
        uow.commit()
        return request_state(uow.session, row)


def open_withdrawal(desk: Desk, clerk: Actor, card_id: int) -> RequestState | None:
    """This clerk's request for this card asked for today and not yet used, waiting or approved (the
    withdrawal screen, opened again, picks it up), else None."""
    with Session(desk.engine) as s:
        rows = todays_requests(s, desk, clerk, WITHDRAW_LOSS, card_id)
        return request_state(s, rows[0]) if rows else None


def withdrawal_subjects(s: Session, rows: list[Approval]) -> dict[int, str]:
    """For the supervisors' list: the holder (name, masked citizen number) and the card of each withdrawal
    asked for by request among ``rows``."""
    out: dict[int, str] = {}
    for row in rows:
        holder = card_holder(s, row) if row.action == WITHDRAW_LOSS else None
        if holder is None or row.id is None:
            continue
        card, person = holder
        out[row.id] = _("{person}, card {card} (found)").format(person=holder_line(person), card=card.card_number)
    return out
