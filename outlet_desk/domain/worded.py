"""The base of the desk's vocabulary: a code word, stored and exchanged as text, with the words a person reads.

Every status, kind and method is one :class:`Worded` enum: the member is the code (a ``str``, so it goes into
the database, the audit and JSON as it is), and :attr:`Worded.label` is its words in the outlet's language.
A member is written ``NAME = "code", N_("words")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, Self, TypeVar

from outlet_desk.domain.errors import DomainError
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


W = TypeVar("W", bound=Worded)


class Moves(Generic[W]):
    """A state machine over a :class:`Worded` status: which statuses each may become (none: it is final)."""

    def __init__(self, enum: type[W], moves: Mapping[W, Iterable[W]],
                 refused: Callable[[str, str], DomainError]) -> None:
        """``refused(status words, target words)`` makes the refusal of a move that is not allowed."""
        self.enum = enum
        self.table: Mapping[W, frozenset[W]] = MappingProxyType({s: frozenset(moves.get(s, ())) for s in enum})
        self._refused = refused

    def __getitem__(self, status: W) -> frozenset[W]:
        return self.table[status]

    def move(self, status: str, to: W) -> W:
        """``to``, if ``status`` may become it; else the refusal, naming both in words."""
        if to not in self.table.get(self.enum(status), frozenset()):
            raise self._refused(self.enum.label_of(status), to.label)
        return to
