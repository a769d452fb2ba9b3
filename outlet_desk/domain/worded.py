"""The base of the desk's vocabulary: a code word, stored and exchanged as text, with the words a person reads.

Every status, kind and method is one :class:`Worded` enum: the member is the code (a ``str``, so it goes into
the database, the audit and JSON as it is), and :attr:`Worded.label` is its words in the outlet's language.
A member is written ``NAME = "code", N_("words")``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from outlet_desk.i18n import _


class Worded(StrEnum):
    _words: str

    def __new__(cls, value: str, words: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._words = words or value
        return member

    @property
    def label(self) -> str:
        """The words for this code, in the outlet's language."""
        return _(self._words)

    @classmethod
    def label_of(cls, code: str) -> str:
        """The words for ``code`` (a value read from the store), or the code itself when this version does not
        know it (a newer desk on the same database wrote it)."""
        try:
            return cls(code).label
        except ValueError:
            return code
