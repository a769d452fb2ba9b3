"""`card emulate`'s chip contents for holders with long names (name + name extension, design.md's chip
section) and for names no chip can hold."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.collection import check_chip
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import NameNotForChip, card_data_for
from tests.services.builders import login

TWENTY = "阿卜杜热合曼买买提艾力库尔班江吐尔逊托合"  # 20 characters, 40 GBK bytes
assert len(TWENTY) == 20


def ready_request(desk: Desk, new_name: str) -> tuple[int, str, str]:
    """A request whose new card waits for collection, its holder renamed: (request id, citizen, card)."""
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.status) == "ready")
                         .order_by(col(ReissueRequest.id))).first()
        assert request is not None and request.id is not None and request.new_card_id is not None
        person = s.get(Person, request.person_id)
        card = s.get(Card, request.new_card_id)
        assert person is not None and card is not None
        person.name = new_name
        s.add(person)
        s.commit()
        return request.id, person.citizen_number, card.card_number


def test_a_twenty_character_name_fills_the_name_and_its_extension_and_passes_the_chip_check(seeded: Desk) -> None:
    request_id, citizen, card_number = ready_request(seeded, TWENTY)
    data = card_data_for(seeded, citizen, card_number)
    assert (data.name, data.name_extension) == (TWENTY[:15], TWENTY[15:])  # 30 + 10 GBK bytes
    assert data.full_name == TWENTY
    training = TrainingReader()
    try:
        reader = training.insert(VirtualCard(data))
        chip = training.read_card(reader)
    finally:
        training.close()
    assert chip.full_name == TWENTY
    clerk = login(seeded, "clerk1")
    comparison = check_chip(seeded, clerk, request_id, chip)
    assert comparison.passed
    assert [f.on_chip for f in comparison.fields if f.field == "name"] == [TWENTY]


@pytest.mark.parametrize(("name", "says"), [
    (TWENTY + "古丽娜扎尔江",
     "it needs 52 bytes, and the chip's name and name extension hold 50 bytes (25 Chinese characters)"),
    ("王𠮷", "the character 𠮷 (U+20BB7) is not in the chip's character set (GBK)"),
])
def test_a_name_no_chip_holds_is_refused_with_the_reason(seeded: Desk, name: str, says: str) -> None:
    _request_id, citizen, card_number = ready_request(seeded, name)
    with pytest.raises(NameNotForChip) as refused:
        card_data_for(seeded, citizen, card_number)
    assert refused.value.message.startswith(f"The chip cannot hold the name {name}: {says}.")
    assert "No card was emulated" in refused.value.message
