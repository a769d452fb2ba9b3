"""What the reader supervisor reports: typed events and the reader state the footer shows."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.errors import ReaderError


class ReaderStatus(enum.Enum):
    NO_SERVICE = "no_service"
    NO_READER = "no_reader"
    NO_CARD = "no_card"
    READING = "reading"
    CARD = "card"
    """A card was read; ``ReaderState.card_number`` says which."""
    CARD_ERROR = "card_error"
    """A card is in the reader but could not be read; ``ReaderState.message`` says why."""


@dataclass(frozen=True, slots=True)
class ReaderState:
    status: ReaderStatus
    reader: str | None = None
    card_number: str | None = None
    message: str = ""

    def label(self) -> str:
        """Short text for the footer (translated now, so call it when drawing)."""
        match self.status:
            case ReaderStatus.NO_SERVICE:
                return _("no card reader service")
            case ReaderStatus.NO_READER:
                return _("no reader")
            case ReaderStatus.NO_CARD:
                return _("no card")
            case ReaderStatus.READING:
                return _("reading card…")
            case ReaderStatus.CARD if self.card_number:
                return _("card {number}").format(number=self.card_number)
            case ReaderStatus.CARD:
                return _("card in reader")
            case ReaderStatus.CARD_ERROR:
                return _("card unreadable")


@dataclass(frozen=True, slots=True)
class ReaderAdded:
    reader: str


@dataclass(frozen=True, slots=True)
class ReaderRemoved:
    reader: str


@dataclass(frozen=True, slots=True)
class CardInserted:
    reader: str
    atr: bytes


@dataclass(frozen=True, slots=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True, slots=True)
class CardRead:
    reader: str
    card: CardData


@dataclass(frozen=True, slots=True)
class ReaderErrorEvent:
    """A failure: ``reader`` is None for service-wide ones (the PC/SC service went away)."""

    reader: str | None
    error: ReaderError


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: ReaderState


ReaderEvent = (
    ReaderAdded | ReaderRemoved | CardInserted | CardRemoved | CardRead | ReaderErrorEvent | StateChanged
)


def card_json(event: CardRead) -> str:
    """The card's data as one line of JSON (names as they are, not escaped)."""
    return json.dumps(event.card.to_json_dict(), ensure_ascii=False)


def describe(event: ReaderEvent) -> str:
    """One line per event, for people watching a terminal."""
    match event:
        case ReaderAdded(reader):
            return _("reader added: {reader}").format(reader=reader)
        case ReaderRemoved(reader):
            return _("reader removed: {reader}").format(reader=reader)
        case CardInserted(reader, atr):
            return _("card inserted in {reader} (ATR {atr})").format(reader=reader, atr=atr.hex().upper())
        case CardRemoved(reader):
            return _("card removed from {reader}").format(reader=reader)
        case CardRead(reader):
            return _("card read in {reader}: {data}").format(reader=reader, data=card_json(event))
        case ReaderErrorEvent(reader, error):
            return f"{reader or 'PC/SC'}: {error.message}"
        case StateChanged(state):
            return _("reader state: {label}").format(label=state.label())
