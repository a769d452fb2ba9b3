"""The two numbers of a card: the card number printed on its face and the chip's identification code.

Card number: 9 characters, one capital letter then 8 digits (``A12345678``).
Identification code: 32 hex characters, the issuing region code (6 digits), the fixed ``D156000005``,
then 16 hex characters unique to the chip.
"""

from __future__ import annotations

import re
from typing import Literal

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

CARD_NUMBER_LENGTH = 9
IDENTIFICATION_CODE_LENGTH = 32
APPLICATION_MARK = "D156000005"

CardNumberRule = Literal["empty", "length", "format"]
IdentificationCodeRule = Literal["empty", "length", "characters", "region", "application_mark"]

_CARD_NUMBER = re.compile(r"[A-Z][0-9]{8}")
_CARD_NUMBER_SO_FAR = re.compile(r"[A-Z][0-9]{0,7}")
_HEX = frozenset("0123456789ABCDEF")
_DIGITS = frozenset("0123456789")
_WHITESPACE = re.compile(r"\s+")


class InvalidCardNumber(DomainError):
    code = "invalid_card_number"

    def __init__(self, rule: CardNumberRule, message: str) -> None:
        super().__init__(message)
        self.rule: CardNumberRule = rule


class InvalidIdentificationCode(DomainError):
    code = "invalid_identification_code"

    def __init__(self, rule: IdentificationCodeRule, message: str) -> None:
        super().__init__(message)
        self.rule: IdentificationCodeRule = rule


def _compact(raw: str) -> str:
    return _WHITESPACE.sub("", raw).upper()


def validate_card_number(raw: str) -> str:
    """Return the card number in upper case without spaces, or raise :class:`InvalidCardNumber`."""
    number = _compact(raw)
    if not number:
        raise InvalidCardNumber(
            "empty", _("Card number is empty: type the 9 characters printed on the card.")
        )
    if len(number) != CARD_NUMBER_LENGTH:
        raise InvalidCardNumber(
            "length",
            _("Card number has {count} characters; it must have 9.").format(count=len(number)),
        )
    if not (number.isascii() and _CARD_NUMBER.fullmatch(number)):
        raise _format_refused()
    return number


def _format_refused() -> InvalidCardNumber:
    return InvalidCardNumber("format", _("Card number must be one letter followed by 8 digits, like A12345678."))


def card_number_problem_so_far(partial: str) -> str | None:
    """Feedback while a card number is typed: None while ``partial`` can still become one (its letter and up
    to 8 digits), else the rule it breaks (a second letter at once; the length once it is too long)."""
    number = _compact(partial)
    try:
        if len(number) >= CARD_NUMBER_LENGTH:
            validate_card_number(number)
        elif not (number.isascii() and _CARD_NUMBER_SO_FAR.fullmatch(number)):
            raise _format_refused()
    except InvalidCardNumber as error:
        return error.message
    return None


def looks_like_card_number(text: str) -> bool:
    """True for one letter and 8 digits (any case, spaces ignored): a search input to treat as a card."""
    number = _compact(text)
    return number.isascii() and _CARD_NUMBER.fullmatch(number) is not None


def validate_identification_code(raw: str) -> str:
    """Return the 32-character code in upper case, or raise :class:`InvalidIdentificationCode`."""
    code = _compact(raw)
    if not code:
        raise InvalidIdentificationCode("empty", _("Card identification code is empty."))
    if len(code) != IDENTIFICATION_CODE_LENGTH:
        raise InvalidIdentificationCode(
            "length",
            _("Card identification code has {count} characters; it must have 32.").format(count=len(code)),
        )
    if not set(code) <= _HEX:
        raise InvalidIdentificationCode(
            "characters", _("Card identification code may contain only the hex characters 0-9 and A-F.")
        )
    if not set(code[:6]) <= _DIGITS:
        raise InvalidIdentificationCode(
            "region",
            _(
                "Card identification code must start with the 6-digit issuing region code, not {start}."
            ).format(start=code[:6]),
        )
    if code[6:16] != APPLICATION_MARK:
        raise InvalidIdentificationCode(
            "application_mark",
            _("Card identification code must have D156000005 as characters 7 to 16, not {found}.").format(
                found=code[6:16]
            ),
        )
    return code


def issuing_region(identification_code: str) -> str:
    """The issuing region code (first 6 digits) of a valid identification code."""
    return validate_identification_code(identification_code)[:6]
