"""Resetting or unblocking a card's PIN at the counter: which card's PIN may be reset, and how often. The holder
comes in person (``roles.IN_PERSON_ONLY``), the new PIN obeys ``pin.check_chosen_pin``, and it is free."""

from __future__ import annotations

from datetime import datetime, timedelta

from outlet_desk.domain.card_lifecycle import CardStatus, status_label
from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _


class PinResetRefused(DomainError):
    """The card's PIN may not be reset now; the message says why."""

    code = "pin_reset_refused"


def pin_resettable(status: CardStatus) -> bool:
    """Only an active card's PIN is reset: a card reported lost, replaced or not handed over yet is not in use."""
    return status is CardStatus.ACTIVE


def check_pin_resettable(status: CardStatus) -> None:
    if not pin_resettable(status):
        raise PinResetRefused(_("The PIN of a card that is {status} cannot be reset: only an active card's PIN can "
                                "be reset or unblocked.").format(status=status_label(status)))


def period_start(now: datetime, period_days: int) -> datetime:
    """The start of the period the limit counts over (the last ``period_days`` days up to ``now``)."""
    return now - timedelta(days=period_days)


def check_pin_reset_limit(done: int, limit: int, period_days: int) -> None:
    """Refuse another PIN reset of a card whose PIN was reset ``done`` times in the last ``period_days`` days, when
    ``limit`` resets per card per period are allowed (``[pin_reset]``)."""
    if done >= limit:
        raise PinResetRefused(_(
            "This card's PIN was already reset {done} times in the last {days} days; the limit is {limit}. "
            "The holder may come back once the period has passed, or apply for a new card.").format(
                done=done, days=period_days, limit=limit))
