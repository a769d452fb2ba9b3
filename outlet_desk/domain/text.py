"""Free text from outside (typed, read from a chip, given on the command line): the one rule for what it
may hold and how long it may be, and how it is shown without letting it act on a terminal or a receipt.

Every free-text field a service stores goes through :func:`clean_text`: it refuses control characters
(Unicode category C*: controls, format characters such as bidirectional overrides, surrogates, private use,
unassigned; a multi-line field also allows the line break) and anything longer than the field's limit. The
limits are the column sizes of the store (``db.tables`` takes them from here), so SQLite, which does not
enforce a size, and PostgreSQL, which does, refuse the same text with the same message.

:func:`visible` is for output: whatever is already stored (a record made before this rule, a chip) is shown
with its control characters as ``\\x1b``-style escapes, never raw.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

# Column sizes of the store, one per kind of free text (db/tables.py uses these).
DISPLAY_NAME_MAX: Final = 100
PERSON_NAME_MAX: Final = 60
PHONE_MAX: Final = 32
ADDRESS_MAX: Final = 200
DOCUMENT_FIELD_MAX: Final = 40
AUTHORISATION_REF_MAX: Final = 60
REASON_MAX: Final = 500

LINE_BREAK: Final = "\n"


class InvalidText(DomainError):
    code = "invalid_text"


def is_control(char: str) -> bool:
    """Unicode category C*: Cc (controls, ESC among them), Cf (format: bidi overrides, zero-width), Cs, Co, Cn."""
    return unicodedata.category(char).startswith("C")


def clean_text(value: str, field: str, max_length: int, *, multi_line: bool = False) -> str:
    """``value`` without surrounding whitespace, or :class:`InvalidText` naming ``field`` and the rule.

    ``field`` is the field's name as the clerk knows it (already translated). A ``multi_line`` field (a
    reason, a note) may hold line breaks; no field holds any other control or format character.
    """
    text = value.strip()
    allowed = LINE_BREAK if multi_line else ""
    # A printable text has no control or format character (str.isprintable): the common case, checked at C speed.
    bad = None if text.isprintable() else next((c for c in text if is_control(c) and c not in allowed), None)
    if bad is not None:
        raise InvalidText(
            _("{field} must not contain control characters (found {char}): type it again as plain text.").format(
                field=field, char=f"U+{ord(bad):04X}"
            )
        )
    if len(text) > max_length:
        raise InvalidText(
            _("{field} is too long: at most {maximum} characters (this one has {length}).").format(
                field=field, maximum=max_length, length=len(text)
            )
        )
    return text


def visible(text: str) -> str:
    """``text`` with every control or format character written as an escape (``\\x1b``, ``\\u202e``); a
    line break stays a line break. Ordinary text comes back unchanged."""
    if not any(is_control(char) for char in text):
        return text
    return "".join(
        char if char == LINE_BREAK or not is_control(char) else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
