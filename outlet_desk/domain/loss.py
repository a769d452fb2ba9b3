"""Loss reports: when a temporary (hotline) loss lapses, and when a loss report can be withdrawn."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from outlet_desk.domain.card_lifecycle import CardStatus, status_label
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.outlet_rules import OutletBound, only_at
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class LapseOutcome(Worded):
    """What happens when a temporary (hotline) loss runs out (outlet.toml's ``[loss] on_lapse``)."""

    ACTIVE = "active", N_("the card works again")
    ESCALATE = "escalate", N_("a supervisor decides")


class LossChannel(Worded):
    """Where a loss was reported: by the hotline (a temporary loss) or at the counter (a formal one)."""

    HOTLINE = "hotline", N_("hotline")
    COUNTER = "counter", N_("counter")


class LossKind(Worded):
    """A temporary loss (the hotline's, which lapses unless made formal) or a formal one."""

    TEMPORARY = "temporary", N_("temporary")
    FORMAL = "formal", N_("formal")


WithdrawalRule = Literal["status", "reissue_applied", "other_outlet"]
ChipMismatch = Literal["card_number", "identification_code"]


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def lapse_at(reported_at: datetime, temporary_days: int) -> datetime:
    """When a temporary loss reported at ``reported_at`` lapses: ``temporary_days`` later, to the second."""
    _require_aware("reported_at", reported_at)
    if temporary_days < 1:
        raise ValueError(f"temporary_days must be at least 1, got {temporary_days}")
    return reported_at + timedelta(days=temporary_days)


def has_lapsed(lapses_at: datetime, now: datetime) -> bool:
    """True from the lapse moment on (exactly at ``lapses_at`` it has lapsed)."""
    _require_aware("lapses_at", lapses_at)
    _require_aware("now", now)
    return now >= lapses_at


class WithdrawalRefused(DomainError):
    """A loss report cannot be withdrawn; ``rule`` says why."""

    code = "withdrawal_refused"

    def __init__(self, rule: WithdrawalRule, message: str) -> None:
        super().__init__(message)
        self.rule: WithdrawalRule = rule


def check_withdrawal(
    card_status: CardStatus,
    reissue_applied: bool,
    report_outlet: str,
    this_outlet: str,
    same_outlet_only: bool,
) -> None:
    """Refuse withdrawing a loss report (the card was found) unless every rule allows it.

    The card must be reported lost (temporarily or formally); no reissue may have been applied for;
    where the region says so, only the outlet that took the report may withdraw it.
    """
    if card_status not in (CardStatus.SUSPENDED, CardStatus.LOST):
        raise WithdrawalRefused(
            "status",
            _("The loss report cannot be withdrawn: the card is {status}, not reported lost.").format(
                status=status_label(card_status)
            ),
        )
    if reissue_applied:
        raise WithdrawalRefused(
            "reissue_applied",
            _(
                "The loss report cannot be withdrawn: a new card has already been applied for. "
                "The old card stays reported lost."
            ),
        )
    elsewhere = only_at(OutletBound.WITHDRAW_LOSS, this_outlet, report_outlet) if same_outlet_only else None
    if elsewhere:
        raise WithdrawalRefused("other_outlet", elsewhere)


def reported_card_mismatch(chip_card_number: str, chip_identification_code: str, card_number: str,
                           card_identification_code: str | None) -> ChipMismatch | None:
    """Whether the chip in the reader is the reported card: None when it is (its card number and its chip
    identification code both the record's), else the first of the two that differs."""
    if chip_card_number != card_number:
        return "card_number"
    if chip_identification_code != (card_identification_code or ""):
        return "identification_code"
    return None
