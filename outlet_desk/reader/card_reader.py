"""The reader protocol the app's services use, shared by the PC/SC and the in-process transports.

A :class:`CardReader` lists readers, reports card presence (:meth:`CardReader.watch`, used by the
supervisor) and runs the card operations synchronously, each with a deadline. The app cannot tell the
transports apart except by ``is_training`` and ``description`` (shown in the footer).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

from outlet_desk.reader import card_session
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.card_session import Transmit
from outlet_desk.reader.issuer_auth import IssuerAuthority, KeyIssuer, load_issuer_key

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 3.0
"""Deadline of one card operation; a normal full read takes a few milliseconds."""


@dataclass(frozen=True, slots=True)
class ReaderSnapshot:
    """One reader's card presence. ``generation`` changes on every insertion and removal."""

    present: bool
    atr: bytes = b""
    generation: int = 0


@runtime_checkable
class CardReader(Protocol):
    @property
    def is_training(self) -> bool: ...

    @property
    def description(self) -> str: ...

    def list_readers(self) -> list[str]:
        """Reader names; raises ServiceGone when the PC/SC service is down."""

    def watch(self, timeout: float) -> dict[str, ReaderSnapshot]:
        """Block until readers or cards differ from the last answer (or ``timeout``); the current state.

        Raises ServiceGone when the service is down. Meant for one caller (the supervisor).
        """

    def cancel_watch(self) -> None:
        """Make a blocked :meth:`watch` return now."""

    def read_card(self, reader: str, timeout: float = DEFAULT_TIMEOUT_S) -> CardData: ...

    def pin_tries_left(self, reader: str, timeout: float = DEFAULT_TIMEOUT_S) -> int: ...

    def verify_pin(self, reader: str, pin: str, timeout: float = DEFAULT_TIMEOUT_S) -> None: ...

    def change_pin(
        self, reader: str, old_pin: str, new_pin: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None: ...

    def personalise(
        self, reader: str, data: CardData, issuer: IssuerAuthority | Path, timeout: float = DEFAULT_TIMEOUT_S
    ) -> CardData: ...

    def reset_pin(
        self, reader: str, new_pin: str, issuer: IssuerAuthority | Path, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None: ...

    def close(self) -> None: ...


class ReaderOperations(ABC):
    """The card operations over the transport's :meth:`_run` (connect, run, disconnect, deadline)."""

    @abstractmethod
    def _run(
        self, reader: str, operation: Callable[[Transmit], T], timeout: float, *, reset_after: bool
    ) -> T:
        """Run ``operation`` with a connected card; reset the card afterwards when ``reset_after``."""

    def read_card(self, reader: str, timeout: float = DEFAULT_TIMEOUT_S) -> CardData:
        """The full chip read (SELECT + all records), decoded."""
        return self._run(reader, card_session.read_card_data, timeout, reset_after=False)

    def pin_tries_left(self, reader: str, timeout: float = DEFAULT_TIMEOUT_S) -> int:
        return self._run(reader, card_session.pin_tries_left, timeout, reset_after=False)

    def verify_pin(self, reader: str, pin: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Raises WrongPin(tries_left) or PinBlocked."""
        self._run(reader, lambda t: card_session.verify_pin(t, pin), timeout, reset_after=True)

    def change_pin(
        self, reader: str, old_pin: str, new_pin: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self._run(
            reader, lambda t: card_session.change_pin(t, old_pin, new_pin), timeout, reset_after=True
        )

    def personalise(
        self, reader: str, data: CardData, issuer: IssuerAuthority | Path, timeout: float = DEFAULT_TIMEOUT_S
    ) -> CardData:
        """Write ``data`` to a card (the issuer: an authority, or its key file) and return the read-back."""
        authority = _checked_issuer(issuer)
        return self._run(
            reader, lambda t: card_session.personalise(t, data, authority), timeout, reset_after=True
        )

    def reset_pin(
        self, reader: str, new_pin: str, issuer: IssuerAuthority | Path, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        """Unblock the PIN and set ``new_pin`` (the issuer: an authority, or its key file)."""
        authority = _checked_issuer(issuer)
        self._run(reader, lambda t: card_session.reset_pin(t, new_pin, authority), timeout, reset_after=True)


def _checked_issuer(issuer: IssuerAuthority | Path) -> IssuerAuthority:
    """The issuer as an authority; a key file is read now, so a missing one is refused before the card is
    touched."""
    if isinstance(issuer, Path):
        return KeyIssuer(load_issuer_key(issuer))
    return issuer
