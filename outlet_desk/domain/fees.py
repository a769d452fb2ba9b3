"""The reissue fee and the expiry exchange window. Money is integer fen; figures come from settings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import clean_text
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _

DEFAULT_EXCHANGE_DAYS_BEFORE = 60


class ReissueReason(Worded):
    LOST = "lost", N_("card lost")
    DAMAGED = "damaged", N_("card damaged")
    EXPIRED = "expired", N_("card expired")
    INFO_CHANGE = "info_change", N_("personal information changed")


class PaymentMethod(Worded):
    """How a fee is paid (outlet.toml's ``[fees] payment_methods`` says which the outlet takes)."""

    CASH = "cash", N_("cash")
    WECHAT = "wechat", N_("WeChat Pay")
    ALIPAY = "alipay", N_("Alipay")
    BANK_CARD = "bank_card", N_("bank card")

    @property
    def electronic(self) -> bool:
        """Paid through a provider, with a transaction reference: listed at the cash-up, never counted as cash."""
        return self is not PaymentMethod.CASH


ELECTRONIC_METHODS: tuple[PaymentMethod, ...] = tuple(m for m in PaymentMethod if m.electronic)
PAYMENT_REFERENCE_MAX = 64
"""The longest transaction reference a payment keeps (a bank card's or a provider's order number)."""


class ReferenceMissing(DomainError):
    code = "payment_reference_missing"


def checked_reference(method: PaymentMethod, typed: str, *, required: bool) -> str:
    """The reference of a payment by ``method`` as it is kept: none for cash; for an electronic payment the
    typed text (checked as any free text: ``domain.text.clean_text``), refused when empty and ``required``."""
    if not method.electronic:
        return ""
    reference = clean_text(typed, _("The payment reference"), PAYMENT_REFERENCE_MAX)
    if required and not reference:
        raise ReferenceMissing(
            _("Enter the {method} transaction reference shown on the payment confirmation.").format(
                method=method.label))
    return reference


def default_reissue_reason(status: CardStatus, expiry_date: date | None, today: date,
                           days_before: int = DEFAULT_EXCHANGE_DAYS_BEFORE) -> ReissueReason:
    """The reason a reissue application starts with (the clerk may choose another): a lost card is reissued as
    lost, a damaged one as damaged; any other as expired only when the rule lets it be exchanged for expiry
    (:func:`expiry_exchange_allowed`), else as damaged: "expired" is free, and a card years from its expiry
    date would only be refused for it."""
    by_status = {CardStatus.LOST: ReissueReason.LOST, CardStatus.DAMAGED: ReissueReason.DAMAGED}
    if status in by_status:
        return by_status[status]
    if expiry_date is not None and expiry_exchange_allowed(expiry_date, today, days_before):
        return ReissueReason.EXPIRED
    return ReissueReason.DAMAGED


@dataclass(frozen=True)
class Fee:
    """What the citizen pays for a reissue: ``amount_fen`` is 0 exactly when ``free``."""

    amount_fen: int
    free: bool
    reason: ReissueReason

    def __post_init__(self) -> None:
        if self.amount_fen < 0:
            raise ValueError(f"a fee cannot be negative: {self.amount_fen} fen")
        if self.free and self.amount_fen:
            raise ValueError("a free fee must have amount 0")


class FeeNotConfigured(DomainError):
    """The outlet's settings name no fee for this reason and do not make it free."""

    code = "fee_not_configured"

    def __init__(self, reason: ReissueReason) -> None:
        super().__init__(
            _("No reissue fee is set for the reason '{reason}'; ask the administrator to set one.").format(
                reason=reason.label
            )
        )
        self.reason = reason


def reissue_fee(
    reason: ReissueReason,
    fee_fen: Mapping[ReissueReason, int],
    free_reasons: Collection[ReissueReason],
) -> Fee:
    """The fee for a reissue for ``reason``: free if the outlet's rules say so, else the set amount.

    A waiver by a supervisor is a separate, approved step; it is not decided here.
    """
    if reason in free_reasons:
        return Fee(amount_fen=0, free=True, reason=reason)
    if reason not in fee_fen:
        raise FeeNotConfigured(reason)
    amount = fee_fen[reason]
    return Fee(amount_fen=amount, free=amount == 0, reason=reason)


_THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")
_DIGITS = re.compile(r"[0-9]+")


class AmountInvalid(DomainError):
    code = "amount_invalid"


def parse_yuan(text: str) -> int:
    """What an operator typed as an amount in yuan ("120", "120.5", "120.50", "1,200.00") as fen; anything
    else (a sign, an exponent, three decimals, letters) is refused with a message saying how to write it."""
    typed = text.strip()
    if any("\uff01" <= c <= "\uff5e" for c in typed):  # full-width digits and marks from a Chinese input method
        typed = unicodedata.normalize("NFKC", typed)
    whole, _dot, cents = typed.partition(".")
    if "," in whole and _THOUSANDS.fullmatch(whole):  # "1,200" yes; "20,5" (a decimal comma?) no
        whole = whole.replace(",", "")
    if not _DIGITS.fullmatch(whole) or (cents and not _DIGITS.fullmatch(cents)) or len(cents) > 2:
        raise AmountInvalid(
            _("{text} is not an amount in yuan; write it like 120.50.").format(text=text.strip() or "-"))
    return int(whole) * 100 + int(cents.ljust(2, "0") or 0)


def format_yuan(fen: int) -> str:
    """``2000`` -> ``"20.00"``, ``-5`` -> ``"-0.05"``: yuan with two decimals, no currency sign."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def expiry_exchange_allowed(
    expiry_date: date, today: date, days_before: int = DEFAULT_EXCHANGE_DAYS_BEFORE
) -> bool:
    """An expiring card can be exchanged from ``days_before`` days before its expiry date, and after."""
    if days_before < 0:
        raise ValueError(f"days_before cannot be negative: {days_before}")
    return today >= expiry_date - timedelta(days=days_before)


def refund_due(paid_fen: int, card_made: bool) -> int:
    """What is paid back when a reissue is cancelled (the holder died or emigrated, a duplicate): the fee still
    held for it (``paid_fen``: paid less any refund already made) in full while no card was made for it; once its
    new card was made (arrived or written here) the fee is spent and nothing is paid back."""
    if paid_fen < 0:
        raise ValueError(f"a fee held cannot be negative: {paid_fen} fen")
    return 0 if card_made else paid_fen
