"""The person's record says where a card waiting for collection is when it is not at this desk's outlet: on
its way to another outlet (issue 16 item 4)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select

from outlet_desk.config import parse_settings
from outlet_desk.db.tables import ReissueRequest
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.transfers import send_card
from tests.services.builders import login
from tests.tui.conftest import person_with_card_status
from tests.tui.counter import at_the_counter


@pytest.fixture
def haidian(desk: Desk) -> Iterator[Desk]:
    """Outlet TRN002 on the desk's database, its training operators bound to it."""
    path = desk.settings.config_path
    text = path.read_text().replace('"TRN001"', '"TRN002"').replace('"110105"', '"110108"')
    other = open_desk(parse_settings(text, path.with_name("TRN002.toml")))
    other.clock = desk.clock
    demo.seed_training(other, persons=2)
    yield other
    other.engine.dispose()


async def test_a_card_sent_to_another_outlet_is_shown_on_its_way(
        desk: Desk, haidian: Desk) -> None:
    person, card = person_with_card_status(desk, "ready")
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.new_card_id) == card.id)).one()
    send_card(desk, login(desk, "super1"), request.id or 0, "TRN002")
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        await counter.wait_for(lambda: screen.person is not None and card.card_number in counter.screen_text())
        assert screen.person is not None
        index = [c.id for c in screen.person.cards].index(card.id)
        screen.query_one("#cards-table").move_cursor(row=index)  # type: ignore[attr-defined]
        await counter.settle()
        assert "On its way to outlet TRN002: it is collected there once scanned in." in counter.text("#card-detail")
