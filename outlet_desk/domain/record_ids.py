"""Record numbers (a request's, a card's, a person's id) typed by a person: one rule on both databases.

Ids are ``INTEGER`` columns: 64 bits on SQLite but 32 bits on PostgreSQL, so a number the one store takes
the other refuses with a driver error. The rule is the narrower one, checked where the number is typed
(the command line's options, the services that take one), so no number outside it reaches a database.
"""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

RECORD_ID_MAX = 2**31 - 1
"""The largest id a PostgreSQL ``INTEGER`` column holds (SQLite's hold more; the rule is the narrower)."""


class RecordIdOutOfRange(DomainError):
    code = "record_id_out_of_range"


def check_record_id(value: int, what: str) -> int:
    """``value`` if it can be a record's id (1 to :data:`RECORD_ID_MAX`); else the refusal naming ``what``
    (e.g. "--request") and the range."""
    if not is_record_id(value):
        raise RecordIdOutOfRange(_("{what} {value} is not a record number: allowed 1 to {max}.").format(
            what=what, value=value, max=f"{RECORD_ID_MAX}"))
    return value


def is_record_id(value: int) -> bool:
    """Whether ``value`` can be a record's id on both databases (a number outside is on record nowhere)."""
    return 1 <= value <= RECORD_ID_MAX
