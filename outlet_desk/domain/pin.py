"""The card holder's PIN at collection: how long it is, the PIN a new card carries, and the rules for the new
PIN the holder chooses before the card is handed over."""

from __future__ import annotations

from typing import Literal

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

PIN_LENGTH = 6
"""Digits in a PIN typed at the counter (the chip itself takes 4 to 12)."""

INITIAL_PIN = "123456"
"""The PIN a new card is issued with; the holder replaces it before the card is handed over (a proxy may leave
it, where ``[collection] proxy_keeps_initial_pin`` allows: :func:`pin_change_required`)."""

PinRule = Literal["length", "differ", "initial"]


class PinRefused(DomainError):
    """The PINs typed break a rule; ``rule`` says which (``differ``: the new PIN and its repetition differ)."""

    code = "pin_refused"

    def __init__(self, rule: PinRule, message: str) -> None:
        super().__init__(message)
        self.rule: PinRule = rule


def check_new_pin(old: str, new: str, again: str) -> None:
    """Refuse a PIN change unless the current and the new PIN have ``PIN_LENGTH`` digits, the new PIN was typed
    the same twice, and it is not the initial PIN."""
    typed = old + new
    if len(new) != PIN_LENGTH or len(old) != PIN_LENGTH or not (typed.isascii() and typed.isdigit()):
        raise PinRefused("length", _("A PIN has {n} digits.").format(n=PIN_LENGTH))
    if new != again:
        raise PinRefused("differ", _("The two new PINs differ; type them again."))
    if new == INITIAL_PIN:
        raise PinRefused("initial", _("The new PIN must not be the initial PIN."))


def pin_change_required(by_proxy: bool, proxy_keeps_initial_pin: bool) -> bool:
    """Whether the initial PIN must be changed before the card is handed over: always when the holder collects;
    when a proxy collects, unless the outlet lets the proxy leave it (the holder then changes it at any
    terminal, and the proxy never learns the holder's PIN)."""
    return not (by_proxy and proxy_keeps_initial_pin)
