"""Where the new card is, on the screens, in both languages at 80x24: the person screen's Requests tab shows the
highlighted request's stages as a timeline with its due date and the sentence to tell the citizen; the hotline's
F7 tells an identified caller the same (a card the card centre could not make: what they must do), and refuses a
caller who does not match."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Person, ReissueRequest
from outlet_desk.i18n import Language
from outlet_desk.screens.hotline import HotlineLossScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.production_failure import record_production_failure
from tests.services.builders import login
from tests.tui.conftest import DeskFactory, settle
from tests.tui.counter import at_the_counter
from tests.tui.layout import layout_problems

SAYS: dict[Language, dict[str, str]] = {
    "en": {"ready": "collect it at the outlet with your ID card", "stage": "entered", "due": "due",
           "failed": "bring a new photo", "refused": "does not match"},
    "zh_CN": {"ready": "请带身份证到网点领取", "stage": "已受理", "due": "应于",
              "failed": "带一张符合要求的新照片", "refused": "不符"},
}


def _holder_of(desk: Desk, status: str) -> tuple[Person, ReissueRequest]:
    with Session(desk.engine) as s:
        row = s.exec(select(Person, ReissueRequest)
                     .join(ReissueRequest, col(ReissueRequest.person_id) == col(Person.id))
                     .where(col(ReissueRequest.status) == status).order_by(col(ReissueRequest.id))).first()
    assert row is not None, status
    return row


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_person_screen_shows_the_requests_timeline(make_desk: DeskFactory, language: Language) -> None:
    desk = make_desk(language)
    person, request = _holder_of(desk, "ready")
    words = SAYS[language]
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.pilot.click("#--content-tab-requests")
        await counter.wait_for_text("#request-timeline", words["ready"])
        shown = counter.text("#request-timeline")
        assert str(request.id) in shown and words["stage"] in shown and words["due"] in shown
        assert request.due_date is not None and request.due_date.isoformat() in shown
        await settle(counter.pilot)
        # The record's footer at 80 columns in English is a known misfit of its own (the fit check of
        # tests/tui/test_snapshots.py).
        assert [p for p in layout_problems(counter.app) if not p.startswith("FooterKey")] == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_hotline_tells_a_caller_where_the_card_is_and_what_to_do(make_desk: DeskFactory,
                                                                           language: Language) -> None:
    desk = make_desk(language)
    person, request = _holder_of(desk, "in_production")
    record_production_failure(desk, login(desk, "super1"), request.id or 0, "photo_rejected")
    words = SAYS[language]
    async with at_the_counter(desk) as counter:
        await counter.sign_in("hotline1")
        await counter.press("f6")
        assert isinstance(counter.app.screen, HotlineLossScreen)
        await counter.fill_in(person.citizen_number, person.name, "13000000000")
        await counter.press("f7")
        await counter.wait_for_text("#hotline-outcome", words["refused"])
        field = counter.app.screen.query_one("#hotline-fact")
        field.value = person.phone  # type: ignore[attr-defined]
        await counter.press("f7")
        await counter.wait_for_text("#hotline-outcome", words["failed"])
        assert str(request.id) in counter.text("#hotline-outcome")
        await settle(counter.pilot)
        assert layout_problems(counter.app) == []
