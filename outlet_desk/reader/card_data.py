"""What the chip of a social security card holds, as one typed, immutable value."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from outlet_desk.domain.card_numbers import validate_identification_code
from outlet_desk.domain.citizen_id import parse_citizen_id
from outlet_desk.domain.errors import DomainError

NAME_BYTES = 30
NAME_EXTENSION_BYTES = 20
INITIALISING_ORG_BYTES = 12

_CARD_NUMBER_RE = re.compile(r"[0-9A-Z]{9}")
_SPEC_RE = re.compile(r"[0-9]\.[0-9]{2}")


class Gender(StrEnum):
    """Gender as the chip stores it (one ASCII digit)."""

    MALE = "1"
    FEMALE = "2"


@dataclass(frozen=True, slots=True)
class CardData:
    """The personal and card data on the chip (files EF05 and EF06).

    Constructing one checks every field's format and raises ``ValueError`` naming the field; the
    identification code and the citizen number are checked by the domain's rules for them
    (:mod:`~outlet_desk.domain.card_numbers`, :mod:`~outlet_desk.domain.citizen_id`), and a value they refuse
    raises :class:`InvalidChipField` with the rule's message. The profile's decoder turns these into
    :class:`~outlet_desk.reader.errors.CardDataError` for chip data.
    """

    card_number: str
    """9 characters printed on the card's face, e.g. ``A12345678``."""
    identification_code: str
    """32 upper-case hex digits: region code (6 digits) + ``D156000005`` + 16 hex unique to the chip."""
    card_type: int
    """One byte."""
    spec_version: str
    """``1.00``, ``2.00`` or ``3.00``: the card generation."""
    issue_date: date
    expiry_date: date
    citizen_number: str
    """The 18-character citizen identity number (also the social security number)."""
    name: str
    gender: Gender
    ethnicity: str
    """Two-digit nationality code (GB 3304), e.g. ``01`` Han."""
    birthplace: str
    """Six-digit administrative division code."""
    birth_date: date
    name_extension: str = ""
    """Extra name characters on 2nd/3rd generation cards (GBK, up to 20 bytes): the rest of a name longer
    than ``name`` holds (see :func:`chip_name_fields`)."""
    initialising_org: str = "0" * (2 * INITIALISING_ORG_BYTES)
    """The initialising organisation's 12 bytes, as 24 upper-case hex digits."""

    def __post_init__(self) -> None:
        _check(bool(_CARD_NUMBER_RE.fullmatch(self.card_number)), "card_number", self.card_number)
        _check_by_rule("identification_code", self.identification_code, validate_identification_code)
        _check(0 <= self.card_type <= 0xFF, "card_type", self.card_type)
        _check(bool(_SPEC_RE.fullmatch(self.spec_version)), "spec_version", self.spec_version)
        _check_by_rule("citizen_number", self.citizen_number, lambda number: parse_citizen_id(number).number)
        _check(_gbk_fits(self.name, NAME_BYTES) and self.name.strip() != "" and "\x00" not in self.name,
               "name", self.name)
        _check(_gbk_fits(self.name_extension, NAME_EXTENSION_BYTES) and "\x00" not in self.name_extension,
               "name_extension", self.name_extension)
        _check(isinstance(self.gender, Gender), "gender", self.gender)
        _check(len(self.ethnicity) == 2 and self.ethnicity.isascii() and self.ethnicity.isdigit(),
               "ethnicity", self.ethnicity)
        _check(len(self.birthplace) == 6 and self.birthplace.isascii() and self.birthplace.isdigit(),
               "birthplace", self.birthplace)
        _check(bool(re.fullmatch(r"[0-9A-F]{24}", self.initialising_org)), "initialising_org",
               self.initialising_org)
        for field in ("issue_date", "expiry_date", "birth_date"):
            value = getattr(self, field)
            _check(isinstance(value, date) and value.year >= 1000, field, value)

    @property
    def full_name(self) -> str:
        """The holder's name as the chip holds it: ``name`` followed by ``name_extension``."""
        return self.name + self.name_extension

    @property
    def region_code(self) -> str:
        """The issuing region: the identification code's first six digits."""
        return self.identification_code[:6]

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields (dates in ISO format, gender as its digit)."""
        return {
            "card_number": self.card_number,
            "identification_code": self.identification_code,
            "card_type": self.card_type,
            "spec_version": self.spec_version,
            "issue_date": self.issue_date.isoformat(),
            "expiry_date": self.expiry_date.isoformat(),
            "citizen_number": self.citizen_number,
            "name": self.name,
            "name_extension": self.name_extension,
            "gender": self.gender.value,
            "ethnicity": self.ethnicity,
            "birthplace": self.birthplace,
            "birth_date": self.birth_date.isoformat(),
            "initialising_org": self.initialising_org,
        }


class InvalidChipField(ValueError):
    """A field the domain's rule for it refuses: ``field`` names it, ``reason`` is the rule's message."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"invalid {field}: {value!r} ({reason})")
        self.field = field
        self.reason = reason


class NameNotOnChip(ValueError):
    """A holder's name the chip cannot hold: a character GBK lacks (``character``), or more than
    ``NAME_BYTES + NAME_EXTENSION_BYTES`` bytes (``needed``)."""

    def __init__(self, name: str, *, character: str = "", needed: int = 0) -> None:
        super().__init__(f"name not on chip: {name!r}")
        self.name = name
        self.character = character
        self.needed = needed


def chip_name_fields(full_name: str) -> tuple[str, str]:
    """(name, name extension) of a holder's name on the chip: as many whole characters as fit the name
    field's 30 GBK bytes, the rest in the 20 bytes of the name extension (2nd/3rd generation cards).
    Raises :class:`NameNotOnChip`."""
    for character in full_name:
        if not _gbk_fits(character, 2):
            raise NameNotOnChip(full_name, character=character)
    needed = len(full_name.encode("gbk"))
    if needed > NAME_BYTES + NAME_EXTENSION_BYTES:
        raise NameNotOnChip(full_name, needed=needed)
    used, split = 0, len(full_name)
    for index, character in enumerate(full_name):
        used += len(character.encode("gbk"))
        if used > NAME_BYTES:
            split = index
            break
    name, extension = full_name[:split], full_name[split:]
    if len(extension.encode("gbk")) > NAME_EXTENSION_BYTES:  # the name field's last byte stayed unused
        raise NameNotOnChip(full_name, needed=NAME_BYTES + len(extension.encode("gbk")))
    return name, extension


def _gbk_fits(text: str, size: int) -> bool:
    try:
        return len(text.encode("gbk")) <= size
    except UnicodeEncodeError:
        return False


def _check_by_rule(field: str, value: object, rule: Callable[[str], str]) -> None:
    """The domain's rule for ``field`` accepts ``value`` as it is (already in its canonical form)."""
    _check(isinstance(value, str), field, value)
    assert isinstance(value, str)
    try:
        canonical = rule(value)
    except DomainError as refused:
        raise InvalidChipField(field, value, refused.message) from None
    _check(canonical == value, field, value)


def _check(ok: bool, field: str, value: object) -> None:
    if not ok:
        raise ValueError(f"invalid {field}: {value!r}")
