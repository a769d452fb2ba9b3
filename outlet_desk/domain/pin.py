"""The card holder's PIN at the counter: how long it is, the PIN a new card carries, the rules for a new PIN the
holder chooses (before a new card is handed over, or at a PIN reset at the counter: ``domain.pin_reset``)."""

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


def _refuse_length(*pins: str) -> None:
    typed = "".join(pins)
    if any(len(pin) != PIN_LENGTH for pin in pins) or not (typed.isascii() and typed.isdigit()):
        raise PinRefused("length", _("A PIN has {n} digits.").format(n=PIN_LENGTH))


def check_chosen_pin(new: str, again: str) -> None:
    """Refuse a new PIN unless it has ``PIN_LENGTH`` digits, was typed the same twice, and is not the initial
    PIN (a PIN reset at the counter: the holder does not know the current PIN)."""
    _refuse_length(new)
    if new != again:
        raise PinRefused("differ", _("The two new PINs differ; type them again."))
    if new == INITIAL_PIN:
        raise PinRefused("initial", _("The new PIN must not be the initial PIN."))


def check_new_pin(old: str, new: str, again: str) -> None:
    """Refuse a PIN change unless the current PIN has ``PIN_LENGTH`` digits and the new one obeys
    :func:`check_chosen_pin`."""
    _refuse_length(old, new)
    check_chosen_pin(new, again)


def pin_change_required(by_proxy: bool, proxy_keeps_initial_pin: bool) -> bool:
    """Whether the initial PIN must be changed before the card is handed over: always when the holder collects;
    when a proxy collects, unless the outlet lets the proxy leave it (the holder then changes it at any
    terminal, and the proxy never learns the holder's PIN)."""
    return not (by_proxy and proxy_keeps_initial_pin)
