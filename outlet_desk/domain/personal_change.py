"""A change of a holder's personal data for a new card (a reissue for ``info_change``): a new name, another
ethnicity, or a corrected citizen number, which needs the reference of the document that proves it. Pure rules;
the change is applied with the reissue application (``services/personal_change.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from outlet_desk.domain.citizen_id import CitizenId, normalise_citizen_id, parse_citizen_id
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import AUTHORISATION_REF_MAX, PERSON_NAME_MAX, clean_text
from outlet_desk.i18n import _

ETHNICITY_CODES = range(1, 57)
"""The 56 ethnic groups of GB/T 3304, coded 01 to 56 (the chip keeps the code in one BCD byte)."""


@dataclass(frozen=True)
class PersonalData:
    """What a new card carries of its holder and a change may correct."""

    name: str
    ethnicity: str
    citizen_number: str


@dataclass(frozen=True)
class PersonalChange:
    """The corrected data, checked: ``number`` is the new citizen number's facts (birth date, gender)."""

    data: PersonalData
    number: CitizenId
    document_ref: str

    def changed(self, current: PersonalData) -> list[str]:
        """The fields that differ from ``current``, in the order a clerk reads them."""
        return [f for f in ("name", "ethnicity", "citizen_number") if getattr(self.data, f) != getattr(current, f)]


class PersonalChangeRefused(DomainError):
    code = "personal_change_refused"


def checked_change(current: PersonalData, typed: PersonalData, document_ref: str, today: date) -> PersonalChange:
    """The change as typed, checked: a name (free text, not empty), an ethnicity code 01-56, a valid citizen number
    (a corrected one needs ``document_ref``), and at least one of them different from ``current``."""
    name = clean_text(typed.name, _("The name"), PERSON_NAME_MAX).strip()
    if not name:
        raise PersonalChangeRefused(_("Enter the holder's name as the new card will carry it."))
    ethnicity = typed.ethnicity.strip()
    if not (ethnicity.isdigit() and len(ethnicity) == 2 and int(ethnicity) in ETHNICITY_CODES):
        raise PersonalChangeRefused(
            _("{code} is not an ethnicity code: write the two-digit code, 01 to 56.").format(code=ethnicity or "-"))
    number = parse_citizen_id(normalise_citizen_id(typed.citizen_number), today)
    ref = clean_text(document_ref, _("The document reference"), AUTHORISATION_REF_MAX).strip()
    if number.number != current.citizen_number and not ref:
        raise PersonalChangeRefused(
            _("A corrected citizen number needs the document that proves it: enter its reference."))
    change = PersonalChange(PersonalData(name, ethnicity, number.number), number, ref)
    if not change.changed(current):
        raise PersonalChangeRefused(_("Nothing of the personal data was changed: correct the name, the ethnicity or "
                                      "the citizen number, or choose another reason."))
    return change
