"""The chip compared with the record: the one rule every chip check uses (the collection of a new card, the PIN
reset at the counter, the scan-in of a card from its manifest line). Field by field, each shown side by side:
the card number, the chip identification code, the citizen number, the name and the gender (when the record
has one); one field that differs and the card must not be handed over or changed."""

from __future__ import annotations

from dataclasses import dataclass

from outlet_desk.db.tables import Card, Person
from outlet_desk.domain.citizen_id import Gender as RecordGender
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.names import names_match
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.card_data import Gender as ChipGender

FIELD_LABELS = {
    "card_number": N_("Card number"),
    "identification_code": N_("Chip identification code"),
    "citizen_number": N_("Citizen number"),
    "name": N_("Name"),
    "gender": N_("Gender"),
}

#: The chip's one-digit gender as the record writes it.
CHIP_GENDERS: dict[ChipGender, RecordGender] = {ChipGender.MALE: RecordGender.MALE,
                                                ChipGender.FEMALE: RecordGender.FEMALE}
GENDER_WORDS: dict[str, str] = {RecordGender.MALE: N_("male"), RecordGender.FEMALE: N_("female")}


def gender_words(code: str) -> str:
    """A record's gender (``male``/``female``) in words, in the outlet's language; an unknown code as itself."""
    return _(GENDER_WORDS[code]) if code in GENDER_WORDS else code


@dataclass(frozen=True)
class FieldCheck:
    field: str
    on_record: str
    on_chip: str
    matches: bool

    @property
    def label(self) -> str:
        return _(FIELD_LABELS[self.field])

    @property
    def shown(self) -> tuple[str, str]:
        """The record's and the chip's values as the clerk sees them: a citizen number that matches masked on
        both sides (the tick says all there is to say); one that differs in full, so the clerk can tell the
        holder which digits differ."""
        if self.field == "citizen_number" and self.matches:
            return mask_citizen_id(self.on_record), mask_citizen_id(self.on_chip)
        return self.on_record, self.on_chip


def compare_values(card_number: str, identification_code: str, citizen_number: str, name: str, chip: CardData,
                   gender: str | None = None) -> tuple[FieldCheck, ...]:
    """Each field the record holds beside what the chip holds, and whether they match (a name by
    :func:`names_match`, every other field exactly; the gender, when the record has one, in words on both
    sides)."""
    checks = [
        FieldCheck("card_number", card_number, chip.card_number, card_number == chip.card_number),
        FieldCheck("identification_code", identification_code, chip.identification_code,
                   identification_code == chip.identification_code),
        FieldCheck("citizen_number", citizen_number, chip.citizen_number, citizen_number == chip.citizen_number),
        FieldCheck("name", name, chip.full_name, names_match(name, chip.full_name)),
    ]
    if gender is not None:
        chip_gender = CHIP_GENDERS[chip.gender]
        checks.append(FieldCheck("gender", gender_words(gender), gender_words(chip_gender), gender == chip_gender))
    return tuple(checks)


def compare_chip(card: Card, person: Person, chip: CardData) -> tuple[FieldCheck, ...]:
    """Every field the chip and the record both hold, compared (the gender shown in words on both sides)."""
    return compare_values(card.card_number, card.identification_code or "", person.citizen_number, person.name,
                          chip, person.gender)


def mismatched(fields: tuple[FieldCheck, ...]) -> list[str]:
    """The fields that differ, by their code (what the audit records)."""
    return [f.field for f in fields if not f.matches]


def mismatch_words(fields: tuple[FieldCheck, ...]) -> str:
    """The fields that differ, in words, for a refusal."""
    return ", ".join(f.label for f in fields if not f.matches)
