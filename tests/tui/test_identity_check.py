"""The identity check dialog: a pass hands the recorded check back; each refusal stays on the dialog."""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.widgets import Select

from outlet_desk.db.tables import IdentityCheck, Person
from outlet_desk.screens.identity_check import IdentityCheckScreen, parse_date
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from tests.tui.conftest import person_with_card_status
from tests.tui.counter import Counter, at_the_counter


async def _open_check(counter: Counter, person: Person, user: str = "clerk1") -> IdentityCheckScreen:
    await counter.sign_in(user)
    await counter.open_person(person)
    await counter.start_identity_check()
    assert isinstance(counter.app.screen, IdentityCheckScreen)
    return counter.app.screen


def _checks(desk: Desk) -> list[IdentityCheck]:
    with Session(desk.engine) as s:
        return list(s.exec(select(IdentityCheck).where(col(IdentityCheck.operator_id) != 0)
                           .where(col(IdentityCheck.checked_at) >= desk.now())).all())


async def test_holder_passes_and_the_person_view_shows_the_visit_it_opens(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.fill_identity_check(person.citizen_number, person.name, "2035-06-30")
        await counter.confirm_face_and_record()
        assert isinstance(counter.app.screen, PersonScreen)
        assert "Visit open: the holder, check no." in counter.text("#identity")
        assert "until 10:30 (Ctrl+E ends it)" in counter.text("#identity")  # 30 minutes, the default
    [row] = _checks(desk)
    assert row.passed and row.person_id == person.id and row.flow == "report_loss_counter"


async def test_wrong_check_digit_shows_while_typing(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    wrong = person.citizen_number[:17] + ("0" if person.citizen_number[17] != "0" else "1")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.type(wrong)
        assert "check digit is wrong" in counter.text("#doc-number-problem")


async def test_another_persons_number_is_flagged_while_typing(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    other, _ = person_with_card_status(desk, "lost")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.type(other.citizen_number)
        assert "not the citizen number on record" in counter.text("#doc-number-problem")


async def test_name_mismatch_is_refused_and_stays_on_the_dialog(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.fill_identity_check(person.citizen_number, "欧阳某某", "2035-06-30")
        await counter.confirm_face_and_record()
        assert isinstance(counter.app.screen, IdentityCheckScreen)
        assert "does not match the name on record" in counter.text("#refusal")
    [row] = _checks(desk)
    assert not row.passed and not row.name_match_ok


async def test_expired_document_is_refused(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.fill_identity_check(person.citizen_number, person.name, "2026.11.24")
        await counter.confirm_face_and_record()
        assert "expired on 2026-11-24" in counter.text("#refusal")


async def test_face_must_be_confirmed_with_f8(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.fill_identity_check(person.citizen_number, person.name, "2035-06-30")
        await counter.press("f9")
        await counter.settle()
        assert "Compare the face" in counter.text("#refusal")
        assert isinstance(counter.app.screen, IdentityCheckScreen)


async def test_missing_expiry_date_is_asked_for(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await _open_check(counter, person)
        await counter.fill_identity_check(person.citizen_number, person.name, "")
        await counter.confirm_face_and_record()
        assert "expiry date" in counter.text("#refusal")
    assert _checks(desk) == []


async def test_proxy_not_allowed_for_a_counter_loss_report(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        screen = await _open_check(counter, person)
        assert screen.query_one("#flow", Select).value == "report_loss_counter"
        screen.query_one("#presenter", Select).value = "proxy"
        await counter.settle()
        assert screen.query_one("#proxy-section").display
        # said before anything is typed, and said again when the check is recorded
        assert "A proxy may not do a loss report at the counter" in counter.text("#refusal")
        fields = {"#doc-number": person.citizen_number, "#doc-name": person.name, "#proxy-number": "11010519491231002X",
                  "#proxy-name": "张小燕", "#relationship": "daughter", "#authorisation": "AUTH-7"}
        for selector, text in fields.items():
            screen.query_one(selector).focus()
            await counter.type(text)
        for box in ("#doc-long-term", "#proxy-long-term"):  # both documents are long-term ones
            screen.query_one(box).focus()
            await counter.press("space")
        await counter.confirm_face_and_record()
        assert "A proxy may not do a loss report at the counter" in counter.text("#refusal")
        # the same proxy may collect a card (allowed at this outlet)
        screen.query_one("#flow", Select).value = "collect_card"
        await counter.press("f9")
        await counter.settle()
        assert isinstance(counter.app.screen, PersonScreen)
    passed = [c for c in _checks(desk) if c.passed]
    assert [(c.presenter, c.flow, c.proxy_relationship) for c in passed] == [("proxy", "collect_card", "daughter")]


async def test_escape_cancels_without_recording(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "ready")
    async with at_the_counter(desk) as counter:
        screen = await _open_check(counter, person)
        assert screen.query_one("#flow", Select).value == "collect_card"  # the ready card's likely task
        await counter.press("escape")
        await counter.settle()
        assert isinstance(counter.app.screen, PersonScreen)
    assert _checks(desk) == []


async def test_hotline_agents_get_no_identity_check(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("hotline1")
        await counter.open_person(person)
        await counter.start_identity_check()
        assert isinstance(counter.app.screen, PersonScreen)
        shown = {b.binding.key for b in counter.app.screen.active_bindings.values() if b.binding.show}
        assert not shown & {"f5", "f6", "f7", "f8", "f9"}  # no counter task is offered to the hotline
        assert "F2 Search" in counter.screen_text()
        assert "F6 Hotline loss" in counter.screen_text()  # F6 is the hotline's own task here, not "report lost"


def test_expiry_dates_are_read_in_the_usual_ways() -> None:
    from datetime import date

    assert parse_date("2031-05-01") == parse_date("20310501") == parse_date("2031.5.1") == date(2031, 5, 1)
    assert parse_date("2031-02-30") is None and parse_date("soon") is None


async def test_a_proxy_is_checked_by_keyboard_alone_from_the_search(desk: Desk) -> None:
    """Issue 5's 'done when', for a proxy: search by number (F2), open the holder (Enter), the identity check
    (F5), switch to a proxy and fill both documents with Tab, Enter and Space (a whole citizen number moves on
    to the name by itself), F8 face, F9 record."""
    person, _card = person_with_card_status(desk, "ready")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.search(person.citizen_number)
        await counter.settle()
        await counter.press("enter")
        await counter.settle()
        assert isinstance(counter.app.screen, PersonScreen) and counter.app.screen.person_id == person.id
        await counter.start_identity_check()
        screen = counter.app.screen
        assert isinstance(screen, IdentityCheckScreen)
        assert screen.query_one("#flow", Select).value == "collect_card"  # the ready card's task
        while counter.app.focused is not screen.query_one("#presenter"):
            await counter.press("shift+tab")
        await counter.press("enter", "down", "enter")  # open the list, 'a proxy', choose it
        await counter.settle()
        assert screen.query_one("#presenter", Select).value == "proxy"
        assert screen.query_one("#proxy-section").display
        keys = [("tab", ""), ("tab", person.citizen_number), ("", person.name), ("enter", "2035-06-30"),
                ("tab", ""), ("tab", ""), ("tab", "11010519491231002X"), ("", "张小燕"), ("enter", ""),
                ("tab", "space"), ("tab", "daughter"), ("enter", "AUTH-7")]  # a whole number moves on by itself
        for move, text in keys:
            if move:
                await counter.press(move)
            await counter.settle()
            if text == "space":
                await counter.press("space")  # the proxy's card is a long-term one
            elif text:
                await counter.type(text)
        await counter.confirm_face_and_record()
        assert isinstance(counter.app.screen, PersonScreen), counter.text("#refusal")
    [check] = [c for c in _checks(desk) if c.passed]
    assert (check.presenter, check.flow, check.proxy_name, check.proxy_document_number, check.proxy_relationship,
            check.proxy_authorisation_ref) == ("proxy", "collect_card", "张小燕", "11010519491231002X", "daughter",
                                               "AUTH-7")
