"""The reissue application (fee, waiver, payment, order of the new card) and the new card's arrival."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Approval, Card, Payment, ReissueRequest
from outlet_desk.domain.approvals import ApprovalStatus
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_functions import spec_version
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus, is_expired, status_label
from outlet_desk.domain.card_numbers import validate_card_number, validate_identification_code
from outlet_desk.domain.fees import (
    Fee,
    PaymentMethod,
    ReissueReason,
    checked_reference,
    expiry_exchange_allowed,
    format_yuan,
    reissue_fee,
)
from outlet_desk.domain.outlet_rules import OutletBound
from outlet_desk.domain.personal_change import PersonalData, checked_change
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import AWAITING_CARD, RequestStatus, request_status_label
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.services.approvals.kinds import WAIVER, WaiverRefused
from outlet_desk.services.approvals.requests import cancel_waiting, check_signer, use_approval
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.other_outlet import refuse_elsewhere
from outlet_desk.services.personal_change import apply_personal_change, personal_data
from outlet_desk.services.queries import open_request_for_card
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import (
    card_facts,
    claim,
    load_card,
    load_person,
    load_request,
    move_card,
    require_identity_check,
)
from outlet_desk.services.request_stages import enter_request, record_stage
from outlet_desk.services.stock_blanks import require_blank, take_blank
from outlet_desk.services.uow import UnitOfWork

CARD_TERM_YEARS = 10
INSTANT_SERIES = "T"
"""Card numbers of cards personalised at the outlet (instant issuance) start with this letter."""


class ReissueRefused(ServiceError):
    code = "reissue_refused"


def fee_for(desk: Desk, reason: ReissueReason) -> Fee:
    """The fee to show before anything is saved."""
    fees = desk.settings.fees
    table = {ReissueReason(k): int(v) for k, v in fees.reissue_fen.model_dump().items()}
    return reissue_fee(reason, table, [ReissueReason(r) for r in fees.free_reasons])


@dataclass(frozen=True)
class ReissueResult:
    request_id: int
    fee: Fee
    waived: bool
    paid_fen: int
    due_date: date
    production_mode: str
    receipt: ReceiptData


def check_not_applied(s: Session, card_id: int) -> None:
    """A card has one reissue application at most."""
    if open_request_for_card(s, card_id) is not None:
        raise ReissueRefused(_("A reissue has already been applied for this card."))


def check_old_card(desk: Desk, card: Card, reason: ReissueReason) -> None:
    status = CardStatus(card.status)
    today = desk.local_now().date()
    if reason is ReissueReason.LOST and status is not CardStatus.LOST:
        raise ReissueRefused(
            _("A card must be reported lost at the counter (formal loss) before its reissue; it is now {s}.").format(
                s=status_label(status))
        )
    if reason is ReissueReason.DAMAGED and status not in (CardStatus.ACTIVE, CardStatus.DAMAGED):
        raise ReissueRefused(
            _("Only a card in use can be replaced as damaged; this one is {s}.").format(s=status_label(status)))
    if reason in (ReissueReason.EXPIRED, ReissueReason.INFO_CHANGE) and status is not CardStatus.ACTIVE:
        raise ReissueRefused(_("Only a card in use can be exchanged; this one is {s}.").format(s=status_label(status)))
    if reason is ReissueReason.EXPIRED and (
        card.expiry_date is None
        or not (is_expired(card.expiry_date, today) or expiry_exchange_allowed(
            card.expiry_date, today, desk.settings.reissue.expiry_exchange_days_before))
    ):
        raise ReissueRefused(
            _("This card expires on {d}; it can be exchanged from {n} days before that date.").format(
                d=card.expiry_date, n=desk.settings.reissue.expiry_exchange_days_before)
        )


def apply_reissue(
    desk: Desk,
    actor: Actor,
    old_card_id: int,
    expected_version: int,
    reason: ReissueReason,
    identity_check_id: int,
    *,
    payment_method: str | None,
    amount_paid_fen: int | None = None,
    payment_reference: str = "",
    waiver_by: Actor | None = None,
    waiver_reason: str = "",
    waiver_approval_id: int | None = None,
    new_data: PersonalData | None = None,
    change_document: str = "",
) -> ReissueResult:
    """Take the application: the fee from the rules (or a supervisor's waiver: ``waiver_by`` signed at this
    counter, or ``waiver_approval_id`` approved at a supervisor's desk), the payment (an electronic one with
    its ``payment_reference``, required when ``[fees] reference_required`` names its method), the order.

    Waivers of this card still waiting for a decision are withdrawn with the application. For ``info_change``,
    ``new_data`` is the holder's corrected data (``change_document``: what proves a corrected citizen number): the
    record is changed in the same transaction, so the new card is made with it; the old card stays in use until
    the new one is collected. A damaged card is kept by the outlet (recorded in the audit)."""
    if (new_data is not None) != (reason is ReissueReason.INFO_CHANGE):
        raise ReissueRefused(_("Enter the corrected personal data for a change of personal data.") if new_data is None
                             else _("Personal data are changed only with the reason '{reason}'.").format(
                                 reason=ReissueReason.INFO_CHANGE.label))
    fee = fee_for(desk, reason)
    waiver_reason = clean_text(waiver_reason, _("The reason"), REASON_MAX, multi_line=True)
    if waiver_by is not None and waiver_approval_id is not None:
        raise WaiverRefused(_("A fee is waived once: by a signature here or by a supervisor's approval."))
    waived = (waiver_by is not None or waiver_approval_id is not None) and not fee.free
    if waiver_by is not None:
        check_signer(WAIVER.signer, actor, waiver_by)
        if not waiver_reason.strip():
            raise WaiverRefused(_("Give the reason for waiving the fee."))
    due_fen = 0 if (fee.free or waived) else fee.amount_fen
    if due_fen:
        if payment_method not in desk.settings.fees.payment_methods:
            raise ReissueRefused(_("Choose how the fee of {yuan} yuan is paid.").format(yuan=format_yuan(due_fen)))
        if amount_paid_fen != due_fen:
            raise ReissueRefused(
                _("The amount received must be the fee, {yuan} yuan.").format(yuan=format_yuan(due_fen)))
        method = PaymentMethod(payment_method)
        reference = checked_reference(method, payment_reference, required=desk.settings.fees.needs_reference(method))
    else:
        reference = ""
    mode = desk.settings.reissue.production_mode
    today = desk.local_now().date()
    due_days = desk.settings.reissue.due_days_factory if mode == "factory" else desk.settings.reissue.due_days_instant
    with UnitOfWork(desk, actor, Action.APPLY_REISSUE) as uow:
        s = uow.session
        card = load_card(s, old_card_id, expected_version)
        check = require_identity_check(uow, identity_check_id, card.person_id, Action.APPLY_REISSUE)
        check_not_applied(s, old_card_id)
        check_old_card(desk, card, reason)
        before: dict[str, object] = card_facts(card)
        changed: dict[str, object] = {}
        if new_data is not None:
            person = load_person(s, card.person_id)
            change = checked_change(personal_data(person), new_data, change_document, today)
            before["person"], changed = apply_personal_change(s, person, change)
        if reason is ReissueReason.DAMAGED and card.status == CardStatus.ACTIVE.value:
            move_card(desk, card, CardEvent.REPORT_DAMAGED)
        claim(card)
        approval = None
        waiver_name = waiver_by.username if waiver_by else None
        waived_by = waiver_by.display_name if waiver_by and waived else ""
        if waived and waiver_approval_id is not None:
            approval, checker = use_approval(desk, s, actor, WAIVER, waiver_approval_id, card, reason.value)
            waiver_name, waived_by = checker.username, checker.display_name
        elif waived:
            assert waiver_by is not None
            approval = Approval(
                outlet_code=desk.outlet_code, action=WAIVER.kind, entity="reissue_request",
                maker_id=actor.operator_id, checker_id=waiver_by.operator_id, status=ApprovalStatus.APPROVED,
                reason=waiver_reason.strip(), created_at=desk.now(), decided_at=desk.now(),
            )
            s.add(approval)
            s.flush()
        request = ReissueRequest(
            outlet_code=desk.outlet_code, person_id=card.person_id, old_card_id=old_card_id, reason=reason.value,
            fee_fen=fee.amount_fen, waived=waived, waiver_approval_id=approval.id if approval else None,
            production_mode=mode, status=RequestStatus.ENTERED, due_date=today + timedelta(days=due_days),
            identity_check_id=check.id, operator_id=actor.operator_id, created_at=desk.now(),
        )
        enter_request(s, request, desk.now(), actor.operator_id)
        assert request.id is not None
        if approval is not None and waiver_approval_id is None:
            approval.entity_id = request.id
        withdrawn = cancel_waiting(s, desk, WAIVER, old_card_id)
        _event, receipt = issue_receipt(
            uow, AuditAction.REISSUE_APPLIED, "reissue_request", request.id, person_id=card.person_id,
            card_number=card.card_number, fee_fen=due_fen, request_id=request.id, before=before,
            after={"old_card": card_facts(card), "reason": reason.value, "fee_fen": fee.amount_fen, "waived": waived,
                   "waiver_by": waiver_name, "waiver_approval": approval.id if approval else None,
                   "waivers_withdrawn": withdrawn, "paid_fen": due_fen,
                   "payment_method": payment_method if due_fen else None, "payment_reference": reference or None,
                   "due_date": request.due_date, "old_card_kept": reason is ReissueReason.DAMAGED,
                   **({"person": changed} if changed else {}),
                   "presenter": check.presenter},
            waived_by=waived_by, payment_method=(payment_method or "") if due_fen else "",
            reason=reason.value, due_date=request.due_date, payment_reference=reference or "",
        )
        if due_fen:
            assert payment_method is not None
            s.add(Payment(outlet_code=desk.outlet_code, request_id=request.id, amount_fen=due_fen,
                          method=payment_method, reference=reference, receipt_number=receipt.code,
                          operator_id=actor.operator_id, paid_at=desk.now()))
        uow.commit()
        assert request.due_date is not None
        return ReissueResult(request.id, fee, waived, due_fen, request.due_date, mode, receipt)


@dataclass(frozen=True)
class ReceivedCard:
    request_id: int
    card_id: int
    card_number: str


def receive_card(
    desk: Desk, actor: Actor, request_id: int, card_number: str, identification_code: str,
    issue_date: date | None = None,
) -> ReceivedCard:
    """The new card arrived from the factory: it is ready for collection."""
    return _make_ready(desk, actor, Action.RECEIVE_STOCK, AuditAction.CARD_RECEIVED, request_id, card_number,
                       identification_code, issue_date)


def _make_ready(
    desk: Desk, actor: Actor, action: Action, audit_action: AuditAction, request_id: int, card_number: str,
    identification_code: str, issue_date: date | None,
) -> ReceivedCard:
    number = validate_card_number(card_number)
    code = validate_identification_code(identification_code)
    with UnitOfWork(desk, actor, action) as uow:
        s = uow.session
        request = load_request(s, request_id, None)
        if request.status not in AWAITING_CARD:
            raise ReissueRefused(
                _("Request {id} is {status}; only a request in production can receive its card.").format(
                    id=request_id, status=request_status_label(request.status)))
        if audit_action is AuditAction.CARD_PERSONALISED:  # from this outlet's blank cards
            refuse_elsewhere(OutletBound.WRITE_INSTANT_CARD, desk.outlet_code, request.outlet_code)
        card = add_new_card(desk, s, request.person_id, number, code, issue_date)
        move_card(desk, card, CardEvent.MAKE_READY)
        blank = take_blank(s, desk, card) if audit_action is AuditAction.CARD_PERSONALISED else None
        s.flush()
        assert card.id is not None
        request.new_card_id = card.id
        if audit_action is AuditAction.CARD_RECEIVED:  # from the factory, received by hand: at the outlet, ready
            if request.status != RequestStatus.AT_OUTLET:
                record_stage(s, request, RequestStatus.AT_OUTLET, desk.now(), actor.operator_id,
                             StageSource.SUPERVISOR, note=number)
            record_stage(s, request, RequestStatus.READY, desk.now(), actor.operator_id, StageSource.SUPERVISOR)
        else:
            record_stage(s, request, RequestStatus.READY, desk.now(), actor.operator_id, StageSource.COUNTER,
                         note=number)
        uow.audit(audit_action, "reissue_request", request_id, person_id=request.person_id,
                  after={"card_number": number, "identification_code": code, "status": card.status,
                         **({"blank_card": blank} if blank is not None else {})})
        uow.commit()
        return ReceivedCard(request_id, card.id, number)


def add_new_card(desk: Desk, s: Session, person_id: int, number: str, code: str, issue_date: date | None) -> Card:
    """A new card of ``person_id`` arrived (or was written here): on record and ``in_stock``, unless its number or
    chip is already on record."""
    taken = s.exec(
        select(Card).where((col(Card.card_number) == number) | (col(Card.identification_code) == code))
    ).first()
    if taken is not None:
        raise ReissueRefused(_("Card {n} (or its chip) is already on record.").format(n=number))
    issued = issue_date or desk.local_now().date()
    card = Card(
        card_number=number, identification_code=code, person_id=person_id, outlet_code=desk.outlet_code,
        issue_date=issued, expiry_date=_years_later(issued, CARD_TERM_YEARS),
        status=CardStatus.ORDERED.value, status_changed_at=desk.now(),
    )
    s.add(card)
    move_card(desk, card, CardEvent.RECEIVE)
    s.flush()
    return card


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def instant_card_data(desk: Desk, request_id: int) -> CardData:
    """What to write on a blank card for an instant reissue: a new card number of this outlet's series
    (``T`` + 8 digits) and a new chip identification code in this outlet's region, with the holder's data."""
    with Session(desk.engine) as s:
        request = load_request(s, request_id, None)
        if request.production_mode != "instant" or request.status != RequestStatus.IN_PRODUCTION:
            raise ReissueRefused(_("Request {id} is not waiting for an instant card.").format(id=request_id))
        person = load_person(s, request.person_id)
        require_blank(s, desk)
        last = s.exec(
            select(func.max(col(Card.card_number))).where(col(Card.card_number).like(INSTANT_SERIES + "%"))
        ).one()
        next_number = int(last[1:]) + 1 if last else 1
    today = desk.local_now().date()
    gender = Gender.MALE if int(person.citizen_number[16]) % 2 else Gender.FEMALE
    return CardData(
        card_number=f"{INSTANT_SERIES}{next_number:08d}",
        identification_code=f"{desk.settings.outlet.division_code}D156000005{secrets.randbits(64):016X}",
        card_type=1, spec_version=spec_version(today, desk.settings.functions.generation_from()), issue_date=today,
        expiry_date=_years_later(today, CARD_TERM_YEARS),
        citizen_number=person.citizen_number, name=person.name, gender=gender,
        ethnicity=person.ethnicity if len(person.ethnicity) == 2 else "01", birthplace=person.citizen_number[:6],
        birth_date=person.birth_date,
    )


@dataclass(frozen=True)
class InstantCardDue:
    """An instant reissue paid for whose new card is not written yet (the write failed, or the clerk left):
    the blank card can be written now, from the person's record."""

    request_id: int
    old_card_id: int


def instant_cards_due(desk: Desk, person_id: int) -> list[InstantCardDue]:
    """This person's instant reissues still waiting for their card to be written at this outlet."""
    with Session(desk.engine) as s:
        rows = s.exec(select(ReissueRequest).where(
            col(ReissueRequest.person_id) == person_id, col(ReissueRequest.production_mode) == "instant",
            col(ReissueRequest.status) == RequestStatus.IN_PRODUCTION,
            col(ReissueRequest.outlet_code) == desk.outlet_code,
        ).order_by(col(ReissueRequest.id))).all()
        return [InstantCardDue(r.id, r.old_card_id) for r in rows if r.id is not None and r.old_card_id is not None]


def complete_instant_issue(desk: Desk, actor: Actor, request_id: int, written: CardData) -> ReceivedCard:
    """The blank card was personalised here (and read back): it is ready for collection at once."""
    return _make_ready(desk, actor, Action.APPLY_REISSUE, AuditAction.CARD_PERSONALISED, request_id,
                       written.card_number, written.identification_code, written.issue_date)
