"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from outlet_desk.db.sealing import cipher_of


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC, the same way on SQLite and PostgreSQL.

    Binding a naive datetime is refused: every time in the system is aware (design.md, Conventions).
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use an aware datetime (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - SQLite returns datetime through SQLAlchemy
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class _Labelled(TypeDecorator[str]):
    """A column type bound to its column's label (``"person.phone"``): the sealing's associated data, the
    blind index's name."""

    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label


class SealedText(_Labelled):
    """Personal text sealed at rest (AES-GCM, ``db/sealing.py``), read and written as plain ``str``.

    ``label`` is the column's name (``"person.phone"``), bound to each sealed value as associated data.
    Equality on a sealed column would compare ciphertexts that never match (each has its own nonce), so it
    is refused: exact lookups go through the column's blind index (:class:`BlindIndex`).
    """

    impl = LargeBinary()
    cache_ok = True  # SQLAlchemy reads cache_ok from the class itself, not from a base: without it, no
    # statement over a sealed column is ever cached and each is compiled again on every execution

    class Comparator(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            raise TypeError("a sealed column cannot be compared in SQL; look it up through its blind index")

    comparator_factory = Comparator

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return cipher_of(dialect).seal(value, self.label)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_of(dialect).open(value, self.label)


class SealedDate(TypeDecorator[date]):
    """A personal date sealed at rest like :class:`SealedText` (its ISO form sealed), read and written as a
    ``date``: the birth date, which with the region code of a masked citizen number would give the number
    back (docs/data-key.md). Not comparable in SQL, for the same reason."""

    impl = LargeBinary()
    cache_ok = True
    comparator_factory = SealedText.Comparator

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self._text = SealedText(label)
        """The sealing itself: the date's ISO form as sealed text."""

    def process_bind_param(self, value: date | None, dialect: Dialect) -> bytes | None:
        return self._text.process_bind_param(None if value is None else value.isoformat(), dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        text = self._text.process_result_value(value, dialect)
        return None if text is None else date.fromisoformat(text)


SEALED_TYPES = (SealedText, SealedDate)
"""The column types that seal personal data (a key rotation seals every column of these types again)."""


class BlindIndex(_Labelled):
    """The keyed blind index of a sealed column (HMAC-SHA256, hex): bound as the plain value, so that
    ``col(Person.citizen_index) == number`` finds the person whose citizen number is ``number``."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_of(dialect).blind(value, self.label)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)  # the index itself; nothing reads a plain value from it


def indexes(column: str) -> Any:
    """A column default that gives a blind index column the plain value of ``column`` in the same INSERT
    (the index type turns it into the HMAC), so writers set only the sealed column."""

    def default(context: Any) -> Any:
        return context.get_current_parameters()[column]

    return default
