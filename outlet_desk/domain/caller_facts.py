"""The one fact on file a hotline caller must give besides the citizen number and name: the phone number,
or the end of the address (the street number, building and room part). Pure rules; no I/O."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

CallerFact = Literal["phone", "address"]

ADDRESS_END_LENGTH = 6
"""How much of the address on file the caller must say: its last 6 characters (number, building, room),
which a neighbour or anyone knowing only the district does not know."""

MIN_ADDRESS_LENGTH = 6
"""The caller's address words must be at least this long (whitespace ignored)."""

_PHONE_LIKE = re.compile(r"\+?[0-9 \-]+")
_COUNTRY_PREFIXES = ("+86", "0086")


class CallerFactRefused(DomainError):
    """The caller's fact does not identify them; ``fact`` says which kind of fact did not match. The message
    never repeats what is on file."""

    code = "caller_fact"

    def __init__(self, fact: CallerFact, message: str) -> None:
        super().__init__(message)
        self.fact: CallerFact = fact


def _squeeze(text: str) -> str:
    """NFKC (full-width digits and letters to half-width) with every whitespace removed."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def phone_digits(text: str) -> str:
    """The digits of a phone number, spaces and dashes ignored, a ``+86`` / ``0086`` prefix taken off."""
    raw = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch != "-")
    for prefix in _COUNTRY_PREFIXES:
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
            break
    return "".join(ch for ch in raw if ch.isdigit())


def looks_like_phone(text: str) -> bool:
    """Digits with at most spaces, dashes and a leading ``+``: the caller gave a phone number."""
    return _PHONE_LIKE.fullmatch(unicodedata.normalize("NFKC", text).strip()) is not None


def check_caller_fact(given: str, phone_on_file: str, address_on_file: str) -> CallerFact:
    """Which fact on file the caller's words match, or :class:`CallerFactRefused`.

    A phone number matches when its digits equal the number on file (spaces, dashes and a +86/0086 prefix
    ignored). An address matches only when the caller's words, whitespace ignored, are at least
    ``MIN_ADDRESS_LENGTH`` characters and contain the end of the address on file (its last
    ``ADDRESS_END_LENGTH`` characters): a district or a street alone identifies nobody.
    """
    if looks_like_phone(given):
        digits = phone_digits(given)
        if digits and digits == phone_digits(phone_on_file):
            return "phone"
        raise CallerFactRefused("phone", _(
            "The caller could not be identified: the phone number does not match the one on file. "
            "Ask for the phone number or the full address on file."))
    words, on_file = _squeeze(given), _squeeze(address_on_file)
    if len(words) < MIN_ADDRESS_LENGTH:
        raise CallerFactRefused("address", _(
            "The caller could not be identified: the address given is too short. Ask for the full address, "
            "with the street number, building and room."))
    if not on_file or on_file[-ADDRESS_END_LENGTH:] not in words:
        raise CallerFactRefused("address", _(
            "The caller could not be identified: the address does not match the one on file (the street "
            "number, building and room must be given as on file)."))
    return "address"
