"""A proxy collects a card at an outlet whose ``[collection] proxy_keeps_initial_pin`` is set, in both languages:
once the chip matches, the screen says the initial PIN may stay and F9 hands the card over without a PIN typed;
the record says the PIN was not changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Collection, Person, ReissueRequest
from outlet_desk.i18n import Language
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.card_tasks.collect import CollectScreen
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from tests.services.builders import login
from tests.tui.counter import at_the_counter, status_of
from tests.tui.slots import training_slot

KEEPS = "proxy_keeps_initial_pin = true\n"  # appended to the outlet's [collection] table


def _ready(desk: Desk) -> tuple[Person, Card]:
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.status) == "ready")).first()
        assert request is not None
        card, person = s.get(Card, request.new_card_id), s.get(Person, request.person_id)
        assert card is not None and person is not None
        return person, card


@pytest.mark.parametrize(("language", "may_keep", "handed_over"), [
    ("en", "A proxy may leave the initial PIN", "still has its initial PIN"),
    ("zh_CN", "代办人可以保留初始密码", "仍为初始密码"),
])
async def test_a_proxy_takes_the_card_with_its_initial_pin(make_desk: Callable[..., Desk], language: Language,
                                                          may_keep: str, handed_over: str) -> None:
    desk = make_desk(language, KEEPS)
    person, card = _ready(desk)
    assert person.id is not None
    proxy = ProxyDetails(Document("resident_id_card", "11010519491231002X", "张小燕", None), "daughter", "AUTH-7")
    check = record_identity_check(
        desk, login(desk, "clerk1"), person.id, "collect_card", presenter="proxy", proxy=proxy, face_confirmed=True,
        document=Document("resident_id_card", person.citizen_number, person.name, None))
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        record = await counter.open_person(person)
        assert record.person is not None
        line = next(c for c in record.person.cards if c.id == card.id)
        counter.app.push_screen(CollectScreen(record.person, line, check))
        await counter.wait_for_screen(CollectScreen)
        await counter.insert_card(VirtualCard(card_data_for(desk, person.citizen_number, card.card_number)))
        await counter.wait_for_text("#task-outcome", may_keep)
        await counter.press("f9")
        await counter.wait_for_screen(ReceiptScreen)
        await counter.wait_for(lambda: bool(counter.app.screen.query("#receipt-text")))
        assert handed_over in counter.text("#receipt-say") and card.card_number in counter.text("#receipt-text")
    assert status_of(desk, card.id) == "active"
    with Session(desk.engine) as s:
        collected = s.exec(select(Collection).where(col(Collection.card_id) == card.id)).one()
    assert collected.pin_changed is False
