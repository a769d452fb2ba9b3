"""The corrected personal data typed for a reissue for changed personal data: the name, the ethnicity code, a
corrected citizen number (left empty: unchanged, so the full number is never shown here) and the reference of
the document that proves the correction. The rules are ``domain.personal_change``'s."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from outlet_desk.domain.personal_change import PersonalData
from outlet_desk.domain.text import AUTHORISATION_REF_MAX, PERSON_NAME_MAX
from outlet_desk.i18n import _
from outlet_desk.services.persons import PersonDetail
from outlet_desk.widgets.plain import Label


class PersonalChangeForm(Vertical):
    DEFAULT_CSS = "PersonalChangeForm { height: auto; }"

    def __init__(self, person: PersonDetail, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.person = person

    def compose(self) -> ComposeResult:
        yield Label(_("Name on the new card"))
        yield Input(value=self.person.name, id="change-name", max_length=PERSON_NAME_MAX)
        yield Label(_("Ethnicity code (01 to 56)"))
        yield Input(value=self.person.ethnicity, id="change-ethnicity", max_length=2)
        yield Label(_("Corrected citizen number (empty: unchanged)"))
        yield Input(id="change-number", max_length=18)
        yield Label(_("Reference of the document that proves the correction"))
        yield Input(id="change-document", max_length=AUTHORISATION_REF_MAX)

    def typed(self) -> tuple[PersonalData, str]:
        """The data as typed (an empty number: the one on record) and the document's reference."""
        number = self.query_one("#change-number", Input).value.strip() or self.person.citizen_number
        return (PersonalData(self.query_one("#change-name", Input).value,
                             self.query_one("#change-ethnicity", Input).value, number),
                self.query_one("#change-document", Input).value)
