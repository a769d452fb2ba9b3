"""Resetting or unblocking a card's PIN at the counter: the holder in person (never a proxy), the identity
checked, the card in the reader and matched to the record (``chip_match``), the issuer's authority, the new PIN
typed twice; free, and at most ``[pin_reset] limit`` times per card in ``period_days``. A blocked PIN is
unblocked, a forgotten one reset: the same chip command (RESET RETRY COUNTER), two audit actions.

The chip is changed inside the use case's transaction, after every rule has passed and the card's row is held:
a refusal by the chip (a wrong issuer key, the card pulled out) rolls the use case back, and two counters cannot
both reset the same card past the limit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.pin import check_chosen_pin
from outlet_desk.domain.pin_reset import check_pin_reset_limit, check_pin_resettable, period_start
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.issuer_auth import IssuerAuthority, KeyIssuer, load_issuer_key
from outlet_desk.services.chip_match import CHIP_GENDERS, FieldCheck, compare_chip, mismatch_words, mismatched
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.receipts import ReceiptData, issue_receipt
from outlet_desk.services.records import card_facts, claim, load_card, load_person, require_identity_check
from outlet_desk.services.uow import UnitOfWork

PIN_RESET_ACTIONS = (AuditAction.PIN_RESET, AuditAction.PIN_UNBLOCKED)
"""What the limit counts: every reset and unblock of the card's PIN, at any outlet of the store."""


class ChipDiffers(ServiceError):
    """The card in the reader is not the card on record (or its chip differs from the record): nothing was
    changed; ``fields`` is the side-by-side comparison."""

    code = "pin_reset_chip_differs"

    def __init__(self, message: str, fields: tuple[FieldCheck, ...]) -> None:
        super().__init__(message)
        self.fields = fields


class PinChip(Protocol):
    """The chip operations a PIN reset needs (the reader supervisor has them)."""

    def read_card(self, reader: str | None = None, timeout: float | None = None) -> CardData: ...

    def pin_tries_left(self, reader: str | None = None, timeout: float | None = None) -> int: ...

    def reset_pin(self, new_pin: str, issuer: IssuerAuthority | Path, reader: str | None = None,
                  timeout: float | None = None) -> None: ...


def outlet_issuer(desk: Desk) -> IssuerAuthority:
    """This outlet's issuer authority: the key file of ``[reader] issuer_key_file`` (the training outlet's test
    key). A missing or malformed file raises ``IssuerKeyError`` naming it."""
    return KeyIssuer(load_issuer_key(desk.settings.issuer_key_path()))


def _resets_in_period(s: Session, desk: Desk, card_id: int) -> int:
    start = period_start(desk.now(), desk.settings.pin_reset.period_days)
    return s.exec(select(func.count()).select_from(AuditEvent).where(
        col(AuditEvent.action).in_([a.value for a in PIN_RESET_ACTIONS]), col(AuditEvent.entity) == "card",
        col(AuditEvent.entity_id) == str(card_id), col(AuditEvent.at) >= start)).one()


def _check_rules(s: Session, desk: Desk, card: Card) -> int:
    """The card's status and the limit (``domain.pin_reset``); the resets already done in the period."""
    assert card.id is not None
    check_pin_resettable(CardStatus(card.status))
    done = _resets_in_period(s, desk, card.id)
    settings = desk.settings.pin_reset
    check_pin_reset_limit(done, settings.limit, settings.period_days)
    return done


@dataclass(frozen=True)
class PinResetAllowed:
    """The card's PIN may be reset now: how many resets of the period remain after this one."""

    card_number: str
    done_in_period: int
    limit: int
    period_days: int


def pin_reset_allowed(desk: Desk, card_id: int) -> PinResetAllowed:
    """Whether the card's PIN may be reset now (its status, the limit), read before the holder types a PIN;
    refused with the reason (``domain.pin_reset.PinResetRefused``). Reads only."""
    with Session(desk.engine) as s:
        card = load_card(s, card_id, None)
        done = _check_rules(s, desk, card)
        settings = desk.settings.pin_reset
        return PinResetAllowed(card.card_number, done, settings.limit, settings.period_days)


@dataclass(frozen=True)
class PinResetResult:
    card_number: str
    unblocked: bool
    """The PIN was blocked (no tries left) and is unblocked; else a PIN the holder forgot was reset."""
    receipt: ReceiptData


def _chip_differs(uow: UnitOfWork, card: Card, fields: tuple[FieldCheck, ...], chip: CardData) -> ChipDiffers:
    """Audit the failed chip check (as a collection does) and commit it; the refusal to raise."""
    uow.audit(AuditAction.CHIP_CHECK_FAILED, "card", card.id, person_id=card.person_id,
              after={"task": Action.RESET_PIN.value, "card_status": card.status, "mismatched": mismatched(fields),
                     "chip_card_number": chip.card_number})
    uow.commit()
    return ChipDiffers(_("The card in the reader does not match the record ({fields}): its PIN was not reset. Put "
                         "card {card} into the reader.").format(fields=mismatch_words(fields), card=card.card_number),
                       fields)


def reset_card_pin(desk: Desk, actor: Actor, chip_ops: PinChip, issuer: IssuerAuthority, card_id: int,
                   expected_version: int, identity_check_id: int, new_pin: str, again: str) -> PinResetResult:
    """Reset (or unblock) the PIN of the card in the reader to ``new_pin``: the PIN's rules, the holder's own
    identity check for this task at this visit, the card active and under the limit, the chip matching the
    record; then the chip is changed, and the reset audited with its receipt (free of charge)."""
    check_chosen_pin(new_pin, again)
    refusal: ChipDiffers | None = None
    with UnitOfWork(desk, actor, Action.RESET_PIN) as uow:
        s = uow.session
        card = load_card(s, card_id, expected_version)
        check = require_identity_check(uow, identity_check_id, card.person_id, Action.RESET_PIN)
        done = _check_rules(s, desk, card)
        person = load_person(s, card.person_id)
        chip = chip_ops.read_card()
        fields = compare_chip(card, person, chip)
        if mismatched(fields):
            refusal = _chip_differs(uow, card, fields, chip)
        else:
            tries_left = chip_ops.pin_tries_left()
            chip_ops.reset_pin(new_pin, issuer)
            return _record(uow, card, check.presenter, tries_left, done, chip)
    assert refusal is not None
    raise refusal


def _record(uow: UnitOfWork, card: Card, presenter: str, tries_left: int, done: int, chip: CardData
            ) -> PinResetResult:
    assert card.id is not None
    claim(card)
    unblocked = tries_left == 0
    settings = uow.desk.settings.pin_reset
    _event, receipt = issue_receipt(
        uow, AuditAction.PIN_UNBLOCKED if unblocked else AuditAction.PIN_RESET, "card", card.id,
        person_id=card.person_id, card_number=card.card_number,
        after={**card_facts(card), "presenter": presenter, "tries_left_before": tries_left,
               "resets_in_period": done + 1, "limit": settings.limit, "period_days": settings.period_days,
               "chip": {"card_number": chip.card_number, "identification_code": chip.identification_code,
                        "gender": CHIP_GENDERS[chip.gender].value}})
    uow.commit()
    return PinResetResult(card.card_number, unblocked, receipt)
