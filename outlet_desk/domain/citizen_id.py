"""The PRC citizen identity number (GB 11643), which is also the social security number.

The check digit, birth date and birth place come from python-stdnum's ``stdnum.cn.ric``; this module
adds the clerk-facing refusals, one rule at a time, and the as-you-type feedback of the ID input.

Region codes: a number keeps the region code of the place where it was first registered, which can be
a district created after the holder was born (someone born in 1980 and registered in Chengdu's Wuhou
district, created 1990, has ``510107``). ``stdnum``'s ``validate`` refuses such numbers, so the region
rule here accepts any region code that ``stdnum``'s table knows in any period, and
:meth:`CitizenId.birth_place` names the place as it was called in the birth year when it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _, ngettext

LENGTH = 18
LEGACY_LENGTH = 15
EARLIEST_BIRTH_YEAR = 1900

CitizenIdRule = Literal["empty", "legacy_15", "length", "characters", "region", "birth_date", "check_digit"]

_DIGITS = frozenset("0123456789")
_ALLOWED = _DIGITS | {"X"}
# Full-width digits and X, as typed with a Chinese input method, read as their ASCII forms.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "X"})
_WHITESPACE = re.compile(r"\s+")
_PLAIN = re.compile(r"[0-9]{17}[0-9X]")


class Gender(Worded):
    MALE = "male", N_("male")
    FEMALE = "female", N_("female")


class InvalidCitizenId(DomainError):
    """The number was refused; ``rule`` says which rule, the message says it in words."""

    code = "invalid_citizen_id"

    def __init__(self, rule: CitizenIdRule, message: str) -> None:
        super().__init__(message)
        self.rule: CitizenIdRule = rule


@dataclass(frozen=True)
class CitizenId:
    """A citizen identity number that passed every rule, with what the number says about its holder."""

    number: str
    birth_date: date
    gender: Gender
    region_code: str

    def birth_place(self) -> str:
        """Province and county of the region code, e.g. ``北京市朝阳区``; "unknown region" if not known."""
        province, county = _place_names(self.region_code, self.birth_date.year)
        if not province and not county:
            return _("unknown region")
        if county == province or not county or self.region_code.endswith("0000"):
            return province or county
        return province + county

    def masked(self) -> str:
        return mask_citizen_id(self.number)


def normalise_citizen_id(raw: str) -> str:
    """Remove whitespace, read full-width digits as digits and upper-case the X."""
    return _WHITESPACE.sub("", raw).translate(_FULL_WIDTH).replace("x", "X")


def parse_citizen_id(raw: str, today: date | None = None) -> CitizenId:
    """Check ``raw`` rule by rule and return what the number says, or raise :class:`InvalidCitizenId`.

    Rules, in the order they are checked: empty, characters (digits only, X only last), legacy_15,
    length, region, birth_date (a real date, not before 1900, not after ``today``), check_digit.
    """
    today = today or date.today()
    if _PLAIN.fullmatch(raw):  # already 17 digits and a digit or X: the character and length rules hold
        return _checked(raw, today)
    number = normalise_citizen_id(raw)
    if not number:
        raise InvalidCitizenId("empty", _("Citizen ID number is empty: type the 18-character number."))
    _check_characters(number)
    if len(number) == LEGACY_LENGTH and set(number) <= _DIGITS:
        raise _legacy_refused()
    if len(number) != LENGTH:
        raise InvalidCitizenId(
            "length",
            ngettext("Citizen ID number has {count} character; it must have 18.",
                     "Citizen ID number has {count} characters; it must have 18.", len(number)).format(
                         count=len(number)),
        )
    return _checked(number, today)


def _checked(number: str, today: date) -> CitizenId:
    """The rules after the characters and the length (region, birth date, check digit), for 18 characters."""
    region = number[:6]
    if not _region_known(region):
        raise _region_refused(region)
    birth_date = _birth_date(number, today)
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise InvalidCitizenId(
            "check_digit",
            _("Citizen ID number check digit is wrong: {expected} is expected as the last character.").format(
                expected=expected
            ),
        )
    gender = Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE
    return CitizenId(number=number, birth_date=birth_date, gender=gender, region_code=region)


def is_valid_citizen_id(raw: str, today: date | None = None) -> bool:
    try:
        parse_citizen_id(raw, today)
    except InvalidCitizenId:
        return False
    return True


MASK_SHOWN = 6
"""A masked number shows its region code (the first six characters) and stars the rest."""


def mask_citizen_id(number: str) -> str:
    """``110105194912310021`` -> ``110105************``: the region code shown, the rest starred.

    Why not the usual last four as well: the hidden part must leave too many numbers to try. The birth
    date (8 digits, about 46,000 real dates since 1900) with the sequence (3 digits, whose last one the
    stored gender halves) leaves about 23 million numbers for one region; showing the last four would leave
    the birth date alone, about 4,200 numbers once the check character is applied, and nothing else the
    desk shows or stores in clear tells the birth date (it is sealed at rest: docs/data-key.md). Anything
    too short to keep the region and still hide something is starred in full.
    """
    number = normalise_citizen_id(number)
    if len(number) <= MASK_SHOWN + 4:
        return "*" * len(number)
    return number[:MASK_SHOWN] + "*" * (len(number) - MASK_SHOWN)


def citizen_id_problem_so_far(partial: str, today: date | None = None) -> str | None:
    """Feedback while the clerk types: None while ``partial`` could still become a valid number.

    A message as soon as it cannot: a wrong character or an X before the end, more than 18
    characters, an unknown region once 6 digits are typed, an impossible birth year, month or date
    once 10, 12 or 14 digits are typed, any refusal once all 18 are typed.
    """
    today = today or date.today()
    number = normalise_citizen_id(partial)
    if len(number) >= LENGTH:
        try:
            parse_citizen_id(number, today)
        except InvalidCitizenId as error:
            return error.message
        return None
    try:
        _check_characters(number)
        _check_prefix(number, today)
    except InvalidCitizenId as error:
        if len(number) == LEGACY_LENGTH and set(number) <= _DIGITS:
            return _legacy_refused().message
        return error.message
    return None


def _check_prefix(number: str, today: date) -> None:
    if len(number) >= 6 and not _region_known(number[:6]):
        raise _region_refused(number[:6])
    _check_partial_birth_date(number, today)


def _check_characters(number: str) -> None:
    for position, char in enumerate(number, start=1):
        if char not in _ALLOWED:
            raise InvalidCitizenId(
                "characters",
                _(
                    "Citizen ID number has a character that is not allowed: {char!r} at position {position}."
                ).format(char=char, position=position),
            )
    x_at = number.find("X")
    if x_at != -1 and x_at != LENGTH - 1:
        raise InvalidCitizenId(
            "characters",
            _("Citizen ID number has an X at position {position}; X can only be the 18th character.").format(
                position=x_at + 1
            ),
        )


def _legacy_refused() -> InvalidCitizenId:
    return InvalidCitizenId(
        "legacy_15",
        _(
            "Citizen ID number has 15 digits, the old format: "
            "ask for the 18-character number on the current ID card."
        ),
    )


def _region_refused(region: str) -> InvalidCitizenId:
    return InvalidCitizenId(
        "region", _("Citizen ID number starts with an unknown region code {region}.").format(region=region)
    )


def _birth_date_refused() -> InvalidCitizenId:
    return InvalidCitizenId(
        "birth_date",
        _("Citizen ID number has an impossible birth date (digits 7 to 14) or one in the future."),
    )


def _birth_date(number: str, today: date) -> date:
    """Digits 7 to 14 of a number whose characters were checked, as a date (read directly: stdnum's
    ``get_birth_date`` cleans the number again, which a manifest of 10,000 lines pays for 10,000 times)."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _birth_date_refused() from None
    if born.year < EARLIEST_BIRTH_YEAR or born > today:
        raise _birth_date_refused()
    return born


def _check_partial_birth_date(number: str, today: date) -> None:
    """Refuse the birth date part as soon as the typed digits rule out every real date."""
    if len(number) >= 10:
        year = int(number[6:10])
        if not EARLIEST_BIRTH_YEAR <= year <= today.year:
            raise _birth_date_refused()
    if len(number) >= 12:
        month = int(number[10:12])
        if not 1 <= month <= 12 or (year, month) > (today.year, today.month):
            raise _birth_date_refused()
    if len(number) >= 14:
        _birth_date(number, today)


def _region_info(region_code: str) -> dict[str, str]:
    if len(region_code) != 6 or not set(region_code) <= _DIGITS:
        return {}
    results = numdb.get("cn/loc").info(region_code)
    return {key: value for _part, props in results for key, value in props.items()}


@lru_cache(maxsize=8192)
def _region_known(region_code: str) -> bool:
    info = _region_info(region_code)
    return bool(info.get("province")) and bool(info.get("county"))


@lru_cache(maxsize=8192)
def _place_names(region_code: str, birth_year: int) -> tuple[str, str]:
    """(province, county); the county as named in ``birth_year`` if it existed, else its latest name."""
    number = f"{region_code}{birth_year:04d}0101"
    try:
        place = ric.get_birth_place(number)
        return place.get("province", ""), place.get("county", "")
    except (InvalidComponent, ValueError):
        pass
    info = _region_info(region_code)
    counties = [re.sub(r"^\[[^\]]*\]", "", county) for county in info.get("county", "").split(",")]
    return info.get("province", ""), counties[-1] if counties else ""
