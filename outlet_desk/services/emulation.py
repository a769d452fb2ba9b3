"""The chip contents of a person's card on record, for the virtual card (``outlet-desk card emulate``)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, StockItem
from outlet_desk.domain.card_functions import spec_version
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import parse_citizen_id
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import (
    NAME_BYTES,
    NAME_EXTENSION_BYTES,
    CardData,
    Gender,
    NameNotOnChip,
    chip_name_fields,
)
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.queries import person_by_citizen_number
from outlet_desk.services.stock_import import OPEN_LINES

# Which of a person's cards to put in the reader when none is named: the one waiting to be collected
# first (that is what a person trying the desk wants to collect), then the one in use, then any other.
PREFERENCE = (CardStatus.READY, CardStatus.ACTIVE, CardStatus.SUSPENDED, CardStatus.LOST, CardStatus.DAMAGED,
              CardStatus.REPLACED, CardStatus.RETURNED, CardStatus.CANCELLED)


class NameNotForChip(ServiceError):
    """The holder's name on record cannot be written to a chip."""

    code = "name_not_for_chip"


def _name_fields(name: str) -> tuple[str, str]:
    try:
        return chip_name_fields(name)
    except NameNotOnChip as problem:
        if problem.character:
            raise NameNotForChip(_(
                "The chip cannot hold the name {name}: the character {char} (U+{code:04X}) is not in the "
                "chip's character set (GBK). No card was emulated; check the name on record."
            ).format(name=name, char=problem.character, code=ord(problem.character))) from None
        raise NameNotForChip(_(
            "The chip cannot hold the name {name}: it needs {needed} bytes, and the chip's name and name "
            "extension hold {limit} bytes (25 Chinese characters). No card was emulated; check the name on "
            "record."
        ).format(name=name, needed=problem.needed, limit=NAME_BYTES + NAME_EXTENSION_BYTES)) from None


def _expected_card(s: Session, card_number: str) -> tuple[str, str] | None:
    """The card number and chip code of a card a manifest announced and not yet scanned in (or whose chip
    disagreed), to put into the reader for its scan-in: the chip may carry another person's data than its line
    (``--citizen``), which is how a chip that disagrees with its manifest line is tried."""
    line = s.exec(select(StockItem).where(col(StockItem.card_number) == card_number,
                                          col(StockItem.status).in_(OPEN_LINES))).first()
    return (line.card_number, line.identification_code) if line is not None else None


def card_data_for(desk: Desk, citizen_number: str, card_number: str | None = None) -> CardData:
    """What the chip of that person's card holds, built from the record; a name longer than the chip's
    name field continues in its name extension. Raises :class:`NameNotForChip` for a name no chip holds."""
    number = parse_citizen_id(citizen_number).number
    with Session(desk.engine) as s:
        person = person_by_citizen_number(s, number)
        if person is None:
            raise NotFound(_("No card holder with citizen number {n}.").format(n=number))
        cards = list(s.exec(select(Card).where(col(Card.person_id) == person.id)).all())
        if card_number is not None:
            cards = [c for c in cards if c.card_number == card_number.strip().upper()]
        cards = [c for c in cards if c.identification_code and c.issue_date and c.expiry_date]
        if not cards and card_number is not None:
            expected = _expected_card(s, card_number.strip().upper())
            if expected is not None:  # a card of a batch not scanned in yet: the chip it carries, this person's data
                expected_number, code = expected
                today = desk.local_now().date()
                cards = [Card(card_number=expected_number, identification_code=code, person_id=person.id or 0,
                              outlet_code=desk.outlet_code, status=CardStatus.IN_STOCK, issue_date=today,
                              expiry_date=today + timedelta(days=3652))]
        if not cards:
            raise NotFound(_("This person has no card with a chip on record to emulate."))
        rank = {status.value: i for i, status in enumerate(PREFERENCE)}
        card = min(cards, key=lambda c: (rank.get(c.status, len(rank)), -(c.id or 0)))
        assert card.identification_code is not None and card.issue_date and card.expiry_date
        gender = Gender.MALE if int(person.citizen_number[16]) % 2 else Gender.FEMALE
        name, name_extension = _name_fields(person.name)
        return CardData(
            card_number=card.card_number, identification_code=card.identification_code, card_type=1,
            spec_version=spec_version(card.issue_date, desk.settings.functions.generation_from()),
            issue_date=card.issue_date, expiry_date=card.expiry_date,
            citizen_number=person.citizen_number, name=name, name_extension=name_extension, gender=gender,
            ethnicity=person.ethnicity if len(person.ethnicity) == 2 else "01",
            birthplace=person.citizen_number[:6], birth_date=person.birth_date,
        )
