"""A count made by hand beside the count on record: the cash in a clerk's drawer (the cash-up), the cards in
the outlet's stock (the day close). One rule for both: a count that differs from the record stands only with
the reason for the difference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

K = TypeVar("K")

MAX_COUNT = 10_000_000
"""More than any outlet holds: a count past it is a typing mistake."""


class CountRefused(DomainError):
    code = "count_refused"


def unexplained(difference: int | Mapping[K, int], reason: str) -> bool:
    """Whether a difference (an amount, or the differing figures) is left without its reason: then it is
    refused."""
    differs = any(difference.values()) if isinstance(difference, Mapping) else bool(difference)
    return differs and not reason.strip()


def differences(recorded: Mapping[K, int], counted: Mapping[K, int]) -> dict[K, int]:
    """Each figure counted by hand that differs from the record: counted less recorded."""
    return {key: n - recorded.get(key, 0) for key, n in counted.items() if n != recorded.get(key, 0)}


def parse_count(text: str, what: str) -> int | None:
    """A count typed by hand: empty is not counted (None); else a whole number from 0 to :data:`MAX_COUNT`."""
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or int(text) > MAX_COUNT:
        raise CountRefused(_("{what}: {value!r} is not a count (a whole number from 0 to {max}).").format(
            what=what, value=text[:20], max=MAX_COUNT))
    return int(text)
