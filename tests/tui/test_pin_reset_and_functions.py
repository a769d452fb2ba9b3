"""The PIN reset at the counter, by keyboard, in both languages: Ctrl+U on an active card (offered nowhere else),
the holder's identity check, the card in the reader (the real pcscd and the training reader, one run each), the
new PIN typed twice, F9, the free receipt; a PIN typed differently twice and a card past the limit are refused on
the screen with the reason. And the card view's functions, usable or suspended with the reason, in both languages."""

from __future__ import annotations

from dataclasses import replace

from outlet_desk.domain.roles import Action
from outlet_desk.reader.apdu import pin_bcd
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.card_tasks.reset_pin import ResetPinScreen
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from tests.tui.conftest import DeskFactory, person_with_card_status, type_text
from tests.tui.counter import Counter, at_the_counter, lost_without_request
from tests.tui.slots import training_slot
from tests.tui.test_journey_screens import Reader


def _blocked_chip(desk: Desk, citizen_number: str, card_number: str) -> VirtualCard:
    chip = VirtualCard(card_data_for(desk, citizen_number, card_number))
    chip.swap_state(replace(chip.state, tries_left=0))
    return chip


async def _type_new_pins(counter: Counter, new: str, again: str) -> None:
    for pin in (new, again):
        await type_text(counter.pilot, pin)
        await counter.press("enter")


async def test_a_blocked_pin_is_unblocked_at_the_counter(make_desk: DeskFactory, slot: Reader) -> None:
    desk = make_desk("en")
    person, card = person_with_card_status(desk, "active")
    chip = _blocked_chip(desk, person.citizen_number, card.card_number)
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.RESET_PIN)
        assert isinstance(counter.app.screen, ResetPinScreen)
        await counter.wait_for_text("#reset-allowed", "Free of charge")
        await counter.insert_card(chip)
        await counter.wait_for_text("#reset-step", f"Card {card.card_number} is in the reader")
        await _type_new_pins(counter, "802417", "802418")
        await counter.wait_for_text("#task-outcome", "The two new PINs differ")
        await _type_new_pins(counter, "802417", "802417")
        receipt = await counter.close_receipt()
        assert "Blocked PIN unblocked (free of charge)" in receipt
        await counter.wait_for_screen(PersonScreen)
    assert chip.state.pin == pin_bcd("802417") and chip.tries_left == 3


async def test_the_pin_reset_in_chinese(make_desk: DeskFactory) -> None:
    desk = make_desk("zh_CN")
    person, card = person_with_card_status(desk, "active")
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.RESET_PIN)
        await counter.wait_for_text("#reset-allowed", "免费")
        await counter.insert_card(chip)
        await counter.wait_for_text("#reset-step", "已在读卡器中")
        await _type_new_pins(counter, "802417", "802417")
        await counter.wait_for_screen(ReceiptScreen)
        await counter.wait_for_text("#receipt-saved", "已保存")
        assert "密码重置（免费）" in counter.text("#receipt-text")
        assert "密码已重置" in counter.text("#receipt-say")
    assert chip.state.pin == pin_bcd("802417")


async def test_the_pin_reset_is_offered_only_on_an_active_card(desk: Desk) -> None:
    lost_person, lost = lost_without_request(desk)
    person, active = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(lost_person)
        await counter.select_card(lost)
        assert not screen.check_action(Action.RESET_PIN.value, ())
        assert "Ctrl+U" not in counter.text("#card-detail")
        screen = await counter.open_person(person)
        await counter.select_card(active)
        assert screen.check_action(Action.RESET_PIN.value, ())
        assert "Ctrl+U PIN reset" in counter.text("#card-detail")


async def test_a_card_past_the_limit_is_refused_on_the_screen(make_desk: DeskFactory) -> None:
    desk = make_desk("en", "\n[pin_reset]\nlimit = 1\n")
    person, card = person_with_card_status(desk, "active")
    slot = training_slot()
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))
    async with at_the_counter(desk, slot) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.RESET_PIN)
        await counter.insert_card(chip)
        await counter.wait_for_text("#reset-step", "is in the reader")
        await _type_new_pins(counter, "802417", "802417")
        await counter.close_receipt()
        await counter.wait_for_screen(PersonScreen)
        await counter.select_card(card)
        await counter.start_task(Action.RESET_PIN)
        await counter.wait_for_text("#reset-allowed", "the limit is 1")
        await counter.press("f9")
        await counter.settle()
    assert chip.state.pin == pin_bcd("802417")


async def test_the_card_view_shows_each_function_in_both_languages(make_desk: DeskFactory) -> None:
    for language, usable, suspended in (("en", "usable: medical insurance settlement",
                                         "suspended (reported lost): medical insurance settlement"),
                                        ("zh_CN", "可用：医疗保险结算", "暂停使用（正式挂失）：医疗保险结算")):
        desk = make_desk(language)
        lost_person, lost = lost_without_request(desk)
        person, active = person_with_card_status(desk, "active")
        async with at_the_counter(desk) as counter:
            await counter.sign_in("clerk1")
            await counter.open_person(person)
            await counter.select_card(active)
            assert usable in counter.text("#card-detail")
            await counter.open_person(lost_person)
            await counter.select_card(lost)
            assert suspended in counter.text("#card-detail")
