"""What a search input is: a citizen number, a card number or a name, each checked by its own rules.

One input takes all three, so the kind is read from the text's shape, and only text that looks like a name
is searched as a name:

* **a name** has no digit (Chinese characters, Latin letters, spaces, the middle dot of a minority name);
* **a card number** is one or two letters then digits, at most 12 characters (``A12345678``; a digit too
  many or too few, or a second letter, is a card number typed wrong and refused by the card number's rule);
* **anything else with a digit is a citizen number**, typed right or wrong: 17 or 19 digits, a letter in
  the middle or two of them, a full-width digit, a wrong last letter. It is refused by the rule it breaks
  (characters, length, region, birth date, check digit), never searched as a name.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from outlet_desk.domain.card_numbers import CARD_NUMBER_LENGTH, card_number_problem_so_far, looks_like_card_number
from outlet_desk.domain.citizen_id import LENGTH, citizen_id_problem_so_far, normalise_citizen_id

_DIGITS = frozenset("0123456789")
# A card number, possibly typed wrong: one or two letters, then digits only; 12 characters at most, so that
# 15 to 20 characters of mostly digits always read as a citizen number.
_CARD_SHAPED = re.compile(r"[A-Za-z]{1,2}[0-9]{1,10}")
_CARD_SHAPE_MAX = 12


class QueryKind(StrEnum):
    CITIZEN_NUMBER = "citizen_number"
    CARD_NUMBER = "card_number"
    NAME = "name"


def classify_query(text: str) -> QueryKind:
    """The kind of ``text`` by its shape (see the module's doc); whitespace and full-width digits as typed
    with a Chinese input method do not change it."""
    q = normalise_citizen_id(text)
    if not any(char in _DIGITS for char in q):
        return QueryKind.NAME
    if len(q) <= _CARD_SHAPE_MAX and _CARD_SHAPED.fullmatch(q):
        return QueryKind.CARD_NUMBER
    return QueryKind.CITIZEN_NUMBER


def query_problem_so_far(text: str, today: date) -> str | None:
    """Feedback while the clerk types into the search box: None while ``text`` can still become a valid
    query, else what is wrong with it, in the words of the rule it breaks."""
    if not text.strip():
        return None
    kind = classify_query(text)
    if kind is QueryKind.CITIZEN_NUMBER:
        return citizen_id_problem_so_far(text, today)
    if kind is QueryKind.CARD_NUMBER:
        return card_number_problem_so_far(text)
    return None


def ready_to_search(text: str) -> bool:
    """Search as the clerk types: a name from its first Chinese character (two Latin letters), a number once
    it has all its characters (a shorter one is still being typed; Enter searches it anyway and is told
    what is wrong)."""
    q = normalise_citizen_id(text)
    if not q:
        return False
    kind = classify_query(q)
    if kind is QueryKind.CITIZEN_NUMBER:
        return len(q) >= LENGTH
    if kind is QueryKind.CARD_NUMBER:
        return looks_like_card_number(q) or len(q) > CARD_NUMBER_LENGTH
    return not q[:1].isascii() or len(q) >= 2


def is_exact_number(text: str) -> bool:
    """A citizen or card number, which finds one holder at most (the screen then puts the cursor on them)."""
    return bool(text.strip()) and classify_query(text) is not QueryKind.NAME
