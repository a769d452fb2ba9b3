"""The cancellation screen in both languages: the clerk cancels an emigrated holder's card from the record (Ctrl+K,
identity check, the document's reference, F9) and gets the receipt; without the document it is refused, in words,
and nothing changes."""

from __future__ import annotations

import pytest

from outlet_desk.domain.cancellation import CancelReason
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.blocked_card import BlockedCardScreen
from outlet_desk.screens.card_tasks.cancel_card import CancelCardScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.cancellation import cancel_cards
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.services.builders import identity, login
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import at_the_counter, status_of
from tests.tui.slots import Slot

WORDS = {
    "en": ("Cards cancelled: the holder emigrated", "Enter the reference of the document that shows the emigration"),
    "zh_CN": ("卡注销：持卡人出国（境）定居", "请输入出国（境）定居证明文件的编号"),
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_an_emigrated_holders_card_is_cancelled_with_its_document(
        make_desk: DeskFactory, language: Language) -> None:
    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    title, refusal = WORDS[language]
    async with at_the_counter(desk, size=(100, 36)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.CANCEL_CARD)
        assert isinstance(counter.app.screen, CancelCardScreen)
        await counter.press("f9")  # no document yet
        await counter.wait_for_text("#task-outcome", refusal)
        assert status_of(desk, card.id) == "active"
        await counter.type("EMIG-2026-5")
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert title in receipt
        await counter.wait_for_screen(PersonScreen)
    assert status_of(desk, card.id) == "cancelled"


async def test_a_cancelled_card_in_the_reader_is_named_blocked_with_the_reason(
        desk: Desk, slot: tuple[Slot, SupervisedReader]) -> None:
    person, card = person_with_card_status(desk, "active")
    clerk = login(desk, "clerk1")
    cancel_cards(desk, clerk, card.id or 0, card.version, CancelReason.EMIGRATION,
                 identity(desk, clerk, person, "cancel_card"), document_ref="EMIG-77")
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.insert_card(VirtualCard(card_data_for(desk, person.citizen_number, card.card_number)))
        await counter.wait_for(lambda: isinstance(counter.app.screen, BlockedCardScreen)
                               and bool(counter.app.screen.query("#blocked-why")))  # drawn, not only pushed
        assert "Blocked card: cancelled" in counter.text("#blocked-title")
        assert counter.text("#blocked-why") == "Cancelled: the holder emigrated (document EMIG-77)."
