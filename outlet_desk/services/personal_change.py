"""The holder's personal data changed inside a reissue application for ``info_change``: the person's row is
changed (the citizen number sealed again and its blind index recomputed, birth date and gender from the new
number), so the new card is ordered, written and checked with the new data. The person keeps its record number,
so its cards, requests and loss reports stay with it under the new number."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from outlet_desk.db.tables import Person
from outlet_desk.domain.personal_change import PersonalChange, PersonalData
from outlet_desk.i18n import _
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.queries import person_by_citizen_number


class NumberTaken(ServiceError):
    code = "citizen_number_taken"


def personal_data(person: Person) -> PersonalData:
    return PersonalData(person.name, person.ethnicity, person.citizen_number)


def apply_personal_change(s: Session, person: Person, change: PersonalChange) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change ``person`` (inside the caller's transaction); the audit's before and after of what changed (the
    audit masks names and numbers, as everywhere)."""
    current = personal_data(person)
    fields = change.changed(current)
    if "citizen_number" in fields:
        other = person_by_citizen_number(s, change.data.citizen_number)
        if other is not None and other.id != person.id:
            raise NumberTaken(_("The citizen number {number} already belongs to another person on record (record "
                                "{id}): nothing was changed.").format(number=change.number.masked(), id=other.id))
        person.citizen_number = change.data.citizen_number
        person.citizen_index = change.data.citizen_number  # the blind index type turns the number into its HMAC
        person.birth_date = change.number.birth_date
        person.gender = change.number.gender.value
    person.name, person.ethnicity = change.data.name, change.data.ethnicity
    before = {f: getattr(current, f) for f in fields}
    after: dict[str, Any] = {f: getattr(change.data, f) for f in fields}
    if change.document_ref:
        after["document_ref"] = change.document_ref
    return before, after
