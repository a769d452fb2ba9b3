"""A visit at the counter, by keyboard, in both languages: the holder's identity is checked once, for the
formal loss and the reissue that follows it; leaving a task by mistake keeps the visit; the header says
whose visit is open; what cannot succeed is said before anything is typed."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, IdentityCheck, Person
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language, _
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.card_tasks.report_lost import ReportLostScreen
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.screens.identity_check import IdentityCheckScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from outlet_desk.services.masking import mask_name
from outlet_desk.services.visit import visit_of
from tests.tui.conftest import DeskFactory, person_with_card_status, static_text
from tests.tui.counter import Counter, at_the_counter, status_of


def _checks(desk: Desk, person: Person) -> list[IdentityCheck]:
    with Session(desk.engine) as s:
        return list(s.exec(select(IdentityCheck).where(col(IdentityCheck.person_id) == person.id)
                           .order_by(col(IdentityCheck.id))).all())


def _named_checks(desk: Desk, person: Person) -> dict[str, object]:
    """Each task's audit event of ``person``, with the identity check it names."""
    with Session(desk.engine) as s:
        events = s.exec(select(AuditEvent).where(col(AuditEvent.person_id) == person.id)).all()
    return {e.action: json.loads(e.after).get("identity_check") for e in events if e.after}


async def _close_receipt(counter: Counter) -> str:
    """Wait until the receipt is saved, in either language, and close it: its text."""
    saving = _("Saving the receipt…")
    await counter.wait_for(lambda: isinstance(counter.app.screen, ReceiptScreen)
                           and bool(counter.app.screen.query("#receipt-saved"))
                           and counter.text("#receipt-saved") != saving)
    text = counter.text("#receipt-text")
    await counter.press("enter")
    await counter.settle()
    return text


def _header(counter: Counter) -> str:
    return static_text(counter.app, "#desk-header")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_formal_loss_and_its_reissue_stand_on_one_identity_check(make_desk: DeskFactory,
                                                                         language: Language) -> None:
    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    before = len(_checks(desk, person))
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.REPORT_LOSS_COUNTER)
        assert isinstance(counter.app.screen, ReportLostScreen)
        assert mask_citizen_id(person.citizen_number) in _header(counter)
        assert mask_name(person.name) in _header(counter) and person.citizen_number not in _header(counter)

        await counter.press("f4")  # left by mistake (F4 Back): the visit stays
        await counter.wait_for_screen(PersonScreen)
        await counter.start_task(Action.REPORT_LOSS_COUNTER)
        assert isinstance(counter.app.screen, ReportLostScreen)
        await counter.press("f9")
        await _close_receipt(counter)
        await counter.wait_for_screen(PersonScreen)
        await counter.wait_for(lambda: status_of(desk, card.id) == "lost")

        await counter.start_task(Action.APPLY_REISSUE)  # no second identity check
        await counter.wait_for_screen(ReissueScreen)
        await counter.press("f9")
        receipt = await _close_receipt(counter)
        assert _("Reissue application") in receipt

        [check] = _checks(desk, person)[before:]
        named = _named_checks(desk, person)
        assert named["loss_reported_counter"] == named["reissue_applied"] == check.id

        await counter.wait_for_screen(PersonScreen)
        await counter.press("ctrl+e")  # the clerk ends the visit: the header shows the outlet again
        await counter.settle()
        assert mask_citizen_id(person.citizen_number) not in _header(counter)
        assert _("Visit ended: the next task checks the identity again.") in counter.notifications()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_reissue_already_applied_for_is_not_offered_again(make_desk: DeskFactory, language: Language) -> None:
    """F8 on the card was refused only after it was pressed (issue 14): now it is not offered, and the key opens
    no identity check and no fee."""
    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    before = len(_checks(desk, person))
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.REPORT_LOSS_COUNTER)
        await counter.press("f9")
        await _close_receipt(counter)
        await counter.wait_for_screen(PersonScreen)
        await counter.start_task(Action.APPLY_REISSUE)
        await counter.wait_for_screen(ReissueScreen)
        await counter.press("f9")
        await _close_receipt(counter)
        await counter.wait_for_screen(PersonScreen)
        await counter.press("ctrl+e")
        await counter.wait_for(lambda: status_of(desk, card.id) == "lost")
        record = counter.app.screen
        assert isinstance(record, PersonScreen)
        assert record.check_action(Action.APPLY_REISSUE, ()) is False  # the lost card: its reissue is applied for
        await counter.start_task(Action.APPLY_REISSUE)
        assert counter.app.screen is record  # no identity check, no fee
        assert len(_checks(desk, person)) == before + 1


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_proxys_visit_is_refused_a_holders_task_before_anything_is_typed(make_desk: DeskFactory,
                                                                                 language: Language) -> None:
    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        assert screen.person is not None and counter.app.session is not None and counter.app.actor is not None
        check = record_identity_check(  # the proxy came for the reissue (the F5 dialog, tried elsewhere)
            desk, counter.app.actor, person.id or 0, Action.APPLY_REISSUE.value, presenter="proxy",
            document=Document("resident_id_card", person.citizen_number, person.name, None), face_confirmed=True,
            proxy=ProxyDetails(Document("resident_id_card", "11010519491231002X", "王五", None), "son", "A-1"))
        counter.app.session.visit = visit_of(desk, screen.person, check)
        await counter.start_task(Action.REPORT_LOSS_COUNTER)
        assert isinstance(counter.app.screen, PersonScreen)
        assert counter.notifications()[-1] == _(
            "A proxy may not do a {flow} at this outlet: the holder must come in person.").format(
            flow=_("loss report at the counter"))
        assert not isinstance(counter.app.screen, IdentityCheckScreen)
    assert status_of(desk, card.id) == "active"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_check_made_with_f5_serves_the_loss_the_reissue_and_a_collection(make_desk: DeskFactory,
                                                                                 language: Language) -> None:
    """Issue 14, defect 3: F6, F8 and F9 each opened an empty identity check, and a check made with F5 was
    ignored. The check of F5 opens the visit; each task of it starts on its own screen, with no check."""
    from outlet_desk.screens.card_tasks.collect import CollectScreen

    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    collector, ready = person_with_card_status(desk, "ready")
    before, collector_before = len(_checks(desk, person)), len(_checks(desk, collector))
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.start_identity_check()  # F5 on the record: the person at the counter is the holder
        await counter.pass_identity_check(person)
        await counter.wait_for_screen(PersonScreen)
        await counter.select_card(card)
        await counter.start_task(Action.REPORT_LOSS_COUNTER)
        assert isinstance(counter.app.screen, ReportLostScreen)  # straight to the task, no second check
        await counter.press("f9")
        await _close_receipt(counter)
        await counter.wait_for_screen(PersonScreen)
        await counter.wait_for(lambda: status_of(desk, card.id) == "lost")
        await counter.start_task(Action.APPLY_REISSUE)
        await counter.wait_for_screen(ReissueScreen)
        await counter.press("f9")
        assert _("Reissue application") in await _close_receipt(counter)
        await counter.wait_for_screen(PersonScreen)
        await counter.press("ctrl+e")  # this holder leaves; the next one comes for a new card

        await counter.open_person(collector)
        await counter.start_identity_check()
        await counter.pass_identity_check(collector)
        await counter.wait_for_screen(PersonScreen)
        await counter.select_card(ready)
        await counter.start_task(Action.COLLECT_CARD)
        assert isinstance(counter.app.screen, CollectScreen), type(counter.app.screen)
        assert not any(isinstance(s, IdentityCheckScreen) for s in counter.app.screen_stack)
    [check] = _checks(desk, person)[before:]
    named = _named_checks(desk, person)
    assert named["loss_reported_counter"] == named["reissue_applied"] == check.id
    assert len(_checks(desk, collector)) == collector_before + 1  # F5's, and no other
