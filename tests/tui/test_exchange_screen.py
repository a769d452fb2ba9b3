"""The reissue screen for changed personal data, in both languages: the reason shows the form of the corrected
data, F9 takes the application and changes the record; a corrected number without its document is refused in
words and nothing changes."""

from __future__ import annotations

import pytest
from sqlmodel import Session
from textual.widgets import Input, Select

from outlet_desk.db.tables import Person
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language
from outlet_desk.screens.card_tasks.personal_change_form import PersonalChangeForm
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.services.context import Desk
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import at_the_counter

WORDS = {
    "en": ("Reissue application", "needs the document that proves it"),
    "zh_CN": ("补卡申请", "更正公民身份号码须有证明文件"),
}


def name_of(desk: Desk, person_id: int | None) -> str:
    with Session(desk.engine) as s:
        person = s.get(Person, person_id)
        assert person is not None
        return person.name


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_change_of_name_is_applied_with_the_reissue(make_desk: DeskFactory, language: Language) -> None:
    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    title, refusal = WORDS[language]
    async with at_the_counter(desk, size=(100, 40)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        screen = counter.app.screen
        assert isinstance(screen, ReissueScreen)
        assert not screen.query_one(PersonalChangeForm).display
        screen.query_one("#reissue-reason", Select).value = ReissueReason.INFO_CHANGE.value
        await counter.settle()
        assert screen.query_one(PersonalChangeForm).display
        screen.query_one("#change-number", Input).value = "11010519491231002X"
        await counter.press("f9")
        await counter.wait_for_text("#task-outcome", refusal)
        assert name_of(desk, person.id) == person.name
        screen.query_one("#change-number", Input).value = ""
        screen.query_one("#change-name", Input).value = "欧阳明"
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert title in receipt
    assert name_of(desk, person.id) == "欧阳明"
