"""Which functions a card carries (its generation, the region's settings) and whether each is usable or
suspended, and why, for a card in every status."""

from __future__ import annotations

from datetime import date

import pytest

from outlet_desk.domain.card_functions import (
    SUSPENDED_BECAUSE,
    CardFunction,
    functions_of,
    generation_of,
    spec_version,
)
from outlet_desk.domain.card_lifecycle import CardStatus

FROM = {2: date(2011, 1, 1), 3: date(2018, 1, 1)}
TODAY = date(2026, 11, 25)
FIRST = (CardFunction.MEDICAL_SETTLEMENT, CardFunction.PENSION)


@pytest.mark.parametrize(("issued", "generation"), [
    (date(2009, 5, 1), 1), (date(2011, 1, 1), 2), (date(2017, 12, 31), 2), (date(2018, 1, 1), 3), (None, 3)])
def test_a_cards_generation_follows_its_issue_date_and_the_regions_dates(issued: date | None, generation: int) -> None:
    assert generation_of(issued, FROM, TODAY) == generation


def test_the_chip_of_a_card_carries_its_generations_version() -> None:
    assert spec_version(date(2015, 3, 1), FROM) == "2.00" and spec_version(TODAY, FROM) == "3.00"


def test_an_active_card_has_its_generations_functions_usable_and_the_others_not_on_it() -> None:
    uses = functions_of(FIRST, CardStatus.ACTIVE, date(2030, 1, 1), TODAY)
    assert [u.function for u in uses] == list(CardFunction)
    assert {u.function for u in uses if u.usable} == set(FIRST)
    assert all(not u.carried and u.why is None for u in uses if u.function not in FIRST)


@pytest.mark.parametrize("status", [s for s in CardStatus if s is not CardStatus.ACTIVE])
def test_every_other_status_suspends_the_functions_with_its_reason(status: CardStatus) -> None:
    uses = functions_of(tuple(CardFunction), status, date(2030, 1, 1), TODAY)
    assert not any(u.usable for u in uses)
    assert {u.why for u in uses} == {SUSPENDED_BECAUSE[status]}


def test_an_expired_active_card_is_suspended_naming_the_day() -> None:
    uses = functions_of(FIRST, CardStatus.ACTIVE, date(2026, 11, 24), TODAY)
    assert {u.why for u in uses if u.carried} == {"expired on 2026-11-24"}


def test_the_functions_are_worded(shouting: None) -> None:
    assert CardFunction.WORK_INJURY.label == "<<work injury insurance>>"
