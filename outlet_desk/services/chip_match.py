"""A chip compared with what the record says of its card, field by field: the one comparison behind the
collection's chip check and the scan-in of a card from a manifest."""

from __future__ import annotations

from dataclasses import dataclass

from outlet_desk.domain.names import names_match
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData

FIELD_LABELS = {
    "card_number": N_("Card number"),
    "identification_code": N_("Chip identification code"),
    "citizen_number": N_("Citizen number"),
    "name": N_("Name"),
}


@dataclass(frozen=True)
class FieldCheck:
    field: str
    on_record: str
    on_chip: str
    matches: bool

    @property
    def label(self) -> str:
        return _(FIELD_LABELS[self.field])


def compare_chip(card_number: str, identification_code: str, citizen_number: str, name: str,
                 chip: CardData) -> tuple[FieldCheck, ...]:
    """Each field the record holds beside what the chip holds, and whether they match (a name by
    :func:`names_match`, every other field exactly)."""
    pairs = (
        ("card_number", card_number, chip.card_number, card_number == chip.card_number),
        ("identification_code", identification_code, chip.identification_code,
         identification_code == chip.identification_code),
        ("citizen_number", citizen_number, chip.citizen_number, citizen_number == chip.citizen_number),
        ("name", name, chip.full_name, names_match(name, chip.full_name)),
    )
    return tuple(FieldCheck(*p) for p in pairs)
