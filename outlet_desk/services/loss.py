"""Loss reports: the hotline's temporary report, the formal report at the counter, the lapse of a
temporary report, and the withdrawal of a report when the card is found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, LossReport, Person
from outlet_desk.domain.approvals import ApprovalKind, DualControl
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.caller_facts import CallerFactRefused, check_caller_fact
from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus, status_label
from outlet_desk.domain.citizen_id import parse_citizen_id
from outlet_desk.domain.loss import (
    LapseOutcome,
    LossChannel,
    LossKind,
    check_withdrawal,
    has_lapsed,
    lapse_at,
    reported_card_mismatch,
)
from outlet_desk.domain.names import names_match
from outlet_desk.domain.roles import Action
from outlet_desk.domain.times import local_time
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.services.approvals.kinds import WITHDRAWAL, SecondOperatorNeeded
from outlet_desk.services.approvals.requests import check_signer, use_approval
from outlet_desk.services.chip_match import FIELD_LABELS, compare_chip, mismatched
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import RecordChanged, ServiceError, StoreBusy
from outlet_desk.services.queries import (
    newest_card,
    open_report,
    open_request_for_card,
    person_by_citizen_number,
    report_is_open,
)
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import (
    card_facts,
    load_card,
    load_person,
    move_card,
    require_identity_check,
)
from outlet_desk.services.uow import UnitOfWork


class CallerNotIdentified(ServiceError):
    """The caller is not who they say; ``fact`` names what did not match (the person, the phone, the address)."""

    code = "caller_not_identified"

    def __init__(self, message: str, fact: str = "person") -> None:
        super().__init__(message)
        self.fact = fact


class CardNotInUse(ServiceError):
    """The caller's card is not in use (already suspended, formally lost, replaced...): nothing to suspend."""

    code = "card_not_in_use"


class ChipDoesNotMatch(ServiceError):
    code = "chip_mismatch"


@dataclass(frozen=True)
class LossResult:
    report_id: int
    card_id: int
    card_number: str
    card_status: CardStatus
    lapses_at: datetime | None
    event_seq: int
    receipt: ReceiptData
    became_formal: bool = False


def _not_in_use(desk: Desk, session: Session, person_id: int) -> str:
    """Why a caller's card cannot be suspended: its status, and for a card already reported lost by the
    hotline, until when (or since when it stays suspended)."""
    card = newest_card(session, person_id)
    if card is None or card.id is None:
        return _("This person has no card on record: there is nothing to suspend.")
    status = CardStatus(card.status)
    if status is CardStatus.SUSPENDED:
        report = open_report(session, card.id) or session.exec(
            select(LossReport).where(col(LossReport.card_id) == card.id).order_by(col(LossReport.id).desc())).first()
        lapses = report.lapses_at if report is not None else None
        if lapses is not None and report is not None and report.lapsed_at is None:
            return _("Card {card} is already suspended by a loss report until {lapse}; nothing was changed. Tell "
                     "the caller to come to an outlet with the ID card before then to make the loss formal.").format(
                card=card.card_number, lapse=local_time(lapses, desk.tz))
        if lapses is not None:
            return _("Card {card} is still suspended: its temporary loss report lapsed on {lapse} and waits for a "
                     "supervisor's decision; nothing was changed. The caller should come to an outlet with the ID "
                     "card.").format(card=card.card_number, lapse=local_time(lapses, desk.tz))
    if status is CardStatus.LOST:
        return _("Card {card} is already formally reported lost: it stays blocked until a new card is collected "
                 "or the card is found and the report withdrawn at an outlet; nothing was changed.").format(
            card=card.card_number)
    return _("This person has no card in use that could be reported lost: card {card} is {status}.").format(
        card=card.card_number, status=status_label(status))




def identify_caller(s: Session, number: str, name: str, fact: str) -> Person:
    """The card holder on the telephone: this citizen number (valid, normalised) under this name, and one fact on
    file (phone or address) the caller gives; else :class:`CallerNotIdentified`."""
    person = person_by_citizen_number(s, number)
    if person is None or not names_match(person.name, name):
        raise CallerNotIdentified(
            _("The caller could not be identified: no card holder with this citizen number and name.")
        )
    try:
        check_caller_fact(fact, person.phone, person.address)
    except CallerFactRefused as refused:
        raise CallerNotIdentified(refused.message, refused.fact) from refused
    return person


def report_loss_hotline(desk: Desk, actor: Actor, citizen_number: str, name: str, fact: str) -> LossResult:
    """A caller reports a lost card by phone: the card is suspended until ``loss.temporary_days`` ahead."""
    number = parse_citizen_id(citizen_number).number
    with UnitOfWork(desk, actor, Action.REPORT_LOSS_HOTLINE) as uow:
        s = uow.session
        person = identify_caller(s, number, name, fact)
        assert person.id is not None
        card = newest_card(s, person.id, CardStatus.ACTIVE)
        if card is None:
            raise CardNotInUse(_not_in_use(desk, s, person.id))
        assert card.id is not None
        before = card_facts(card)
        move_card(desk, card, CardEvent.SUSPEND)
        now = desk.now()
        report = LossReport(
            outlet_code=desk.outlet_code, card_id=card.id, channel=LossChannel.HOTLINE, kind=LossKind.TEMPORARY,
            reporter=Presenter.HOLDER, operator_id=actor.operator_id, reported_at=now,
            lapses_at=lapse_at(now, desk.settings.loss.temporary_days),
        )
        s.add(report)
        s.flush()
        assert report.id is not None
        event, receipt = issue_receipt(
            uow, AuditAction.LOSS_REPORTED_HOTLINE, "card", card.id, person_id=person.id, card_number=card.card_number,
            before=before, after={**card_facts(card), "report_id": report.id, "lapses_at": report.lapses_at})
        uow.commit()
        return LossResult(report.id, card.id, card.card_number, CardStatus(card.status), report.lapses_at, event.seq,
                          receipt)


def report_loss_counter(
    desk: Desk, actor: Actor, card_id: int, expected_version: int, identity_check_id: int
) -> LossResult:
    """The formal loss report at the counter; a hotline report of the same card becomes formal."""
    with UnitOfWork(desk, actor, Action.REPORT_LOSS_COUNTER) as uow:
        s = uow.session
        card = load_card(s, card_id, expected_version)
        check = require_identity_check(uow, identity_check_id, card.person_id, Action.REPORT_LOSS_COUNTER)
        before = card_facts(card)
        move_card(desk, card, CardEvent.REPORT_LOST)
        now = desk.now()
        report = open_report(s, card_id, temporary=True)
        became_formal = report is not None
        if report is None:
            report = LossReport(
                outlet_code=desk.outlet_code, card_id=card_id, channel=LossChannel.COUNTER, kind=LossKind.FORMAL,
                reporter=check.presenter, identity_check_id=check.id, operator_id=actor.operator_id,
                reported_at=now, formal_at=now,
            )
            s.add(report)
        else:
            report.kind, report.formal_at, report.identity_check_id = LossKind.FORMAL, now, check.id
            report.lapses_at = None
        s.flush()
        assert report.id is not None
        event, receipt = issue_receipt(
            uow, AuditAction.LOSS_MADE_FORMAL if became_formal else AuditAction.LOSS_REPORTED_COUNTER, "card", card_id,
            person_id=card.person_id, card_number=card.card_number, before=before,
            after={**card_facts(card), "report_id": report.id, "presenter": check.presenter},
        )
        uow.commit()
        return LossResult(report.id, card_id, card.card_number, CardStatus(card.status), None, event.seq,
                          receipt, became_formal)


WITHDRAW_LOSS = ApprovalKind.WITHDRAW_LOSS
"""The withdrawal of a loss report as an approval's action."""


def withdrawal_under_dual_control(desk: Desk) -> bool:
    """Whether withdrawing a loss report at this outlet needs a second signature: a second operator at the
    counter, or a supervisor's approval of a request sent from it (``security.dual_control``)."""
    return DualControl.WITHDRAW_LOSS in desk.settings.security.dual_control


def check_withdrawable(desk: Desk, s: Session, card: Card, chip: CardData) -> LossReport | None:
    """What a withdrawal stands on, whoever signs or approves it: the card's state allows it, no reissue was
    applied for, the report's outlet (``loss.withdraw_same_outlet_only``), and the card in the reader is the
    reported card. Returns the open report."""
    assert card.id is not None
    report = open_report(s, card.id)
    check_withdrawal(
        CardStatus(card.status),
        reissue_applied=open_request_for_card(s, card.id) is not None,
        report_outlet=report.outlet_code if report else desk.outlet_code,
        this_outlet=desk.outlet_code,
        same_outlet_only=desk.settings.loss.withdraw_same_outlet_only,
    )
    mismatch = reported_card_mismatch(chip.card_number, chip.identification_code, card.card_number,
                                      card.identification_code)
    if mismatch == "card_number":
        raise ChipDoesNotMatch(
            _("The card in the reader ({chip}) is not the reported card ({card}); the report was not withdrawn.")
            .format(chip=chip.card_number, card=card.card_number)
        )
    if mismatch == "identification_code":
        raise ChipDoesNotMatch(
            _("The card in the reader has the reported card's number {card}, but its chip identification code "
              "{chip} is not the reported card's ({code}): it is not the reported card; the report was not "
              "withdrawn.").format(card=card.card_number, chip=chip.identification_code,
                                   code=card.identification_code or "-")
        )
    differs = mismatched(compare_chip(card, load_person(s, card.person_id), chip))
    if differs:  # the reported card, but its chip does not hold the holder's data (name, gender, number)
        raise ChipDoesNotMatch(
            _("The chip of card {card} does not match the record ({fields}): the report was not withdrawn; the card "
              "may need replacing.").format(card=card.card_number, fields=", ".join(
                  _(FIELD_LABELS[field]) for field in differs))
        )
    return report


def withdraw_loss(
    desk: Desk,
    actor: Actor,
    card_id: int,
    expected_version: int,
    identity_check_id: int,
    chip: CardData,
    second_operator: Actor | None = None,
    approval_id: int | None = None,
) -> LossResult:
    """The card was found: the chip read must be the reported card; the card becomes active again.

    Under dual control a second operator signs at this counter (``second_operator``), or a supervisor
    approved the clerk's request at their desk (``approval_id``; see ``services.approvals.withdrawal``): the
    approval is then marked used, in the same transaction."""
    if second_operator is not None and approval_id is not None:
        raise SecondOperatorNeeded(
            _("A withdrawal is signed once: by a second operator here or by a supervisor's approval."))
    if withdrawal_under_dual_control(desk) and approval_id is None:
        if second_operator is None:
            raise SecondOperatorNeeded(_("Withdrawing a loss report needs a second operator to sign in here first."))
        check_signer(WITHDRAWAL.signer, actor, second_operator)
    with UnitOfWork(desk, actor, Action.WITHDRAW_LOSS) as uow:
        s = uow.session
        card = load_card(s, card_id, expected_version)
        require_identity_check(uow, identity_check_id, card.person_id, Action.WITHDRAW_LOSS)
        report = check_withdrawable(desk, s, card, chip)
        approval, checker = (use_approval(desk, s, actor, WITHDRAWAL, approval_id, card) if approval_id is not None
                             else (None, None))
        before = card_facts(card)
        move_card(desk, card, CardEvent.WITHDRAW_LOSS)
        if report is not None:
            report.withdrawn_at, report.withdrawn_by = desk.now(), actor.operator_id
        event, receipt = issue_receipt(
            uow, AuditAction.LOSS_WITHDRAWN, "card", card_id, person_id=card.person_id, card_number=card.card_number,
            before=before,
            after={**card_facts(card), "report_id": report.id if report else None,
                   "second_operator": second_operator.username if second_operator else None,
                   "approval": approval.id if approval else None,
                   "approved_by": checker.username if checker else None},
        )
        uow.commit()
        return LossResult(report.id if report and report.id else 0, card_id, card.card_number,
                          CardStatus(card.status), None, event.seq, receipt)


@dataclass(frozen=True)
class Lapse:
    card_number: str
    card_status: CardStatus


def sweep_lapsed(desk: Desk) -> list[Lapse]:
    """Temporary reports past their lapse time: each lapses in its own use case (audited), the card
    back to active (or, with ``loss.on_lapse = "escalate"``, left suspended and flagged)."""
    now = desk.now()
    with Session(desk.engine) as s:
        due = [
            r.id for r in s.exec(
                select(LossReport).where(
                    *report_is_open(temporary=True), col(LossReport.lapses_at) <= now,
                    col(LossReport.outlet_code) == desk.outlet_code,
                )
            ) if r.id is not None
        ]
    lapses = []
    for report_id in due:
        try:
            lapse = _lapse_one(desk, report_id, now)
        except (RecordChanged, StoreBusy):
            continue  # a counter or another desk's sweep had the card at the same moment; the next sweep retries
        if lapse is not None:
            lapses.append(lapse)
    return lapses


def _lapse_one(desk: Desk, report_id: int, now: datetime) -> Lapse | None:
    """One report's lapse, in its own use case; None when another desk's sweep got there first. The report
    row is locked (PostgreSQL; SQLite's write transaction is already exclusive), so two desks sweeping at
    the same moment lapse it once, not twice."""
    with UnitOfWork(desk, None) as uow:
        card_id = uow.session.exec(select(LossReport.card_id).where(col(LossReport.id) == report_id)).one_or_none()
        if card_id is None:
            return None
        # The card first, then the report: the order in which a counter's use case (a formal loss, a withdrawal)
        # writes them, so a sweep and a counter acting on the same card wait for each other, never deadlock.
        uow.session.exec(select(Card.id).where(col(Card.id) == card_id).with_for_update()).one_or_none()
        report = uow.session.exec(
            select(LossReport).where(col(LossReport.id) == report_id).with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if report is None or report.lapsed_at is not None or report.withdrawn_at is not None or (
            report.kind != LossKind.TEMPORARY or report.lapses_at is None or not has_lapsed(report.lapses_at, now)
        ):
            return None  # another desk's sweep got there first, or a counter made it formal or withdrew it
        card = load_card(uow.session, report.card_id, None)
        before = card_facts(card)
        report.lapsed_at = now
        escalate = desk.settings.loss.on_lapse == LapseOutcome.ESCALATE
        if not escalate and card.status == CardStatus.SUSPENDED.value:
            move_card(desk, card, CardEvent.LAPSE)
        uow.audit(AuditAction.LOSS_LAPSE_ESCALATED if escalate else AuditAction.LOSS_LAPSED, "card", card.id,
                  person_id=card.person_id, before=before, after={**card_facts(card), "report_id": report.id})
        uow.commit()
        return Lapse(card.card_number, CardStatus(card.status))
