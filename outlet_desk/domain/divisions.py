"""Where an outlet sits: province, city and district, read from its administrative division code (GB/T 2260).

A six-digit code ``PPCCDD`` names a district; its first four digits (``PPCC``) the city (prefecture) and
its first two (``PP``) the province. The city a city supervisor or a city auditor reads is the outlets
whose codes share those four digits. Names come from python-stdnum's table of division codes (the latest
name of each); a municipality directly under the central government (Beijing, Tianjin, Shanghai,
Chongqing) is its own city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb

PROVINCE_CODES: frozenset[int] = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82]
)
"""The first two digits of a division code: the provinces, autonomous regions, municipalities, Taiwan,
Hong Kong and Macao."""

MUNICIPALITIES: frozenset[str] = frozenset({"11", "12", "31", "50"})
"""Provinces that are one city (Beijing, Tianjin, Shanghai, Chongqing): their city is the province."""

_DIVISION_RE = re.compile(r"[0-9]{6}")
_CITY_RE = re.compile(r"[0-9]{4}")


def is_division_code(code: str) -> bool:
    """Six digits whose first two are a province's."""
    return bool(_DIVISION_RE.fullmatch(code)) and int(code[:2]) in PROVINCE_CODES


def is_city_code(code: str) -> bool:
    """Four digits whose first two are a province's (the first four digits of a division code)."""
    return bool(_CITY_RE.fullmatch(code)) and int(code[:2]) in PROVINCE_CODES


@lru_cache(maxsize=4096)
def _name(code: str) -> str:
    """The latest name of the division ``code`` (six digits), "" when the table does not know it."""
    parts = numdb.get("cn/loc").info(code)
    found = {key: value for _part, props in parts for key, value in props.items()}
    if code.endswith("0000"):
        return found.get("province", "")
    names = [re.sub(r"^\[[^\]]*\]", "", name) for name in found.get("county", "").split(",") if name]
    return names[-1] if names else ""


@dataclass(frozen=True)
class Division:
    """An outlet's place in the hierarchy, from its six-digit division code."""

    code: str

    def __post_init__(self) -> None:
        if not is_division_code(self.code):
            raise ValueError(f"not a division code: {self.code!r}")

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def city_code(self) -> str:
        return self.code[:4]

    @property
    def province_name(self) -> str:
        return _name(f"{self.province_code}0000") or self.province_code

    @property
    def city_name(self) -> str:
        if self.province_code in MUNICIPALITIES:
            return self.province_name
        return _name(f"{self.city_code}00") or self.city_code

    @property
    def district_name(self) -> str:
        return _name(self.code) or self.code

    def in_city(self, city_code: str) -> bool:
        return self.city_code == city_code


def city_name(city_code: str) -> str:
    """The name of the city ``city_code`` (four digits), or the code when the table does not know it."""
    return Division(f"{city_code}00").city_name if is_city_code(city_code) else city_code
