"""The identity check dialog: a pass hands the recorded check back; each refusal stays on the dialog."""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import Select

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import IdentityCheck, Person
from outlet_desk.screens.identity_check import IdentityCheckScreen, parse_date
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from tests.tui.conftest import person_with_card_status, screen_text, settle, sign_in, static_text, type_text


async def _open_check(pilot: Pilot[None], app: DeskApp, person: Person, user: str = "clerk1") -> IdentityCheckScreen:
    await sign_in(pilot, user)
    app.open_person(person.id or 0)
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(app.screen, IdentityCheckScreen)
    return app.screen


async def _fill(pilot: Pilot[None], number: str, name: str, expiry: str) -> None:
    """Number, name, expiry: Enter moves to the next field as the clerk reads the card."""
    await type_text(pilot, number)
    await pilot.press("enter")
    await type_text(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, expiry)


def _checks(desk: Desk) -> list[IdentityCheck]:
    with Session(desk.engine) as s:
        return list(s.exec(select(IdentityCheck).where(col(IdentityCheck.operator_id) != 0)
                           .where(col(IdentityCheck.checked_at) >= desk.now())).all())


async def test_holder_passes_and_the_person_view_shows_the_check(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await _fill(pilot, person.citizen_number, person.name, "2035-06-30")
        await pilot.press("f8", "f9")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "Identity checked for loss report at the counter" in static_text(app, "#identity")
    [row] = _checks(desk)
    assert row.passed and row.person_id == person.id and row.flow == "report_loss_counter"


async def test_wrong_check_digit_shows_while_typing(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    wrong = person.citizen_number[:17] + ("0" if person.citizen_number[17] != "0" else "1")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await type_text(pilot, wrong)
        assert "check digit is wrong" in static_text(app, "#doc-number-problem")


async def test_another_persons_number_is_flagged_while_typing(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    other, _ = person_with_card_status(desk, "lost")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await type_text(pilot, other.citizen_number)
        assert "not the citizen number on record" in static_text(app, "#doc-number-problem")


async def test_name_mismatch_is_refused_and_stays_on_the_dialog(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await _fill(pilot, person.citizen_number, "欧阳某某", "2035-06-30")
        await pilot.press("f8", "f9")
        await settle(pilot)
        assert isinstance(app.screen, IdentityCheckScreen)
        assert "does not match the name on record" in static_text(app, "#refusal")
    [row] = _checks(desk)
    assert not row.passed and not row.name_match_ok


async def test_expired_document_is_refused(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await _fill(pilot, person.citizen_number, person.name, "2026.11.24")
        await pilot.press("f8", "f9")
        await settle(pilot)
        assert "expired on 2026-11-24" in static_text(app, "#refusal")


async def test_face_must_be_confirmed_with_f8(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await _fill(pilot, person.citizen_number, person.name, "2035-06-30")
        await pilot.press("f9")
        await settle(pilot)
        assert "Compare the face" in static_text(app, "#refusal")
        assert isinstance(app.screen, IdentityCheckScreen)


async def test_missing_expiry_date_is_asked_for(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_check(pilot, app, person)
        await _fill(pilot, person.citizen_number, person.name, "")
        await pilot.press("f8", "f9")
        await settle(pilot)
        assert "expiry date" in static_text(app, "#refusal")
    assert _checks(desk) == []


async def test_proxy_not_allowed_for_a_counter_loss_report(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_check(pilot, app, person)
        assert screen.query_one("#flow", Select).value == "report_loss_counter"
        screen.query_one("#presenter", Select).value = "proxy"
        await settle(pilot)
        assert screen.query_one("#proxy-section").display
        fields = {"#doc-number": person.citizen_number, "#doc-name": person.name, "#proxy-number": "11010519491231002X",
                  "#proxy-name": "张小燕", "#relationship": "daughter", "#authorisation": "AUTH-7"}
        for selector, text in fields.items():
            screen.query_one(selector).focus()
            await type_text(pilot, text)
        for box in ("#doc-long-term", "#proxy-long-term"):  # both documents are long-term ones
            screen.query_one(box).focus()
            await pilot.press("space")
        await pilot.press("f8", "f9")
        await settle(pilot)
        assert "A proxy may not do a loss report at the counter" in static_text(app, "#refusal")
        # the same proxy may collect a card (allowed at this outlet)
        screen.query_one("#flow", Select).value = "collect_card"
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    passed = [c for c in _checks(desk) if c.passed]
    assert [(c.presenter, c.flow, c.proxy_relationship) for c in passed] == [("proxy", "collect_card", "daughter")]


async def test_escape_cancels_without_recording(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "ready")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_check(pilot, app, person)
        assert screen.query_one("#flow", Select).value == "collect_card"  # the ready card's likely task
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert _checks(desk) == []


async def test_hotline_agents_get_no_identity_check(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "hotline1")
        app.open_person(person.id or 0)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert not shown & {"f5", "f6", "f7", "f8", "f9"}  # no counter task is offered to the hotline
        assert "F2 Search" in screen_text(app)
        assert "F6 Hotline loss" in screen_text(app)  # F6 is the hotline's own task here, not "report lost"


def test_expiry_dates_are_read_in_the_usual_ways() -> None:
    from datetime import date

    assert parse_date("2031-05-01") == parse_date("20310501") == parse_date("2031.5.1") == date(2031, 5, 1)
    assert parse_date("2031-02-30") is None and parse_date("soon") is None


async def test_a_proxy_is_checked_by_keyboard_alone_from_the_search(desk: Desk) -> None:
    """Issue 5's 'done when', for a proxy: search by number (F2), open the holder (Enter), the identity check
    (F5), switch to a proxy and fill both documents with Tab, Enter and Space, F8 face, F9 record."""
    person, _card = person_with_card_status(desk, "ready")
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        await pilot.press("f2")
        await type_text(pilot, person.citizen_number)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen) and app.screen.person_id == person.id
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IdentityCheckScreen)
        assert screen.query_one("#flow", Select).value == "collect_card"  # the ready card's task
        while app.focused is not screen.query_one("#presenter"):
            await pilot.press("shift+tab")
        await pilot.press("enter", "down", "enter")  # open the list, 'a proxy', choose it
        await settle(pilot)
        assert screen.query_one("#presenter", Select).value == "proxy"
        assert screen.query_one("#proxy-section").display
        keys = [("tab", ""), ("tab", person.citizen_number), ("enter", person.name), ("enter", "2035-06-30"),
                ("tab", ""), ("tab", ""), ("tab", "11010519491231002X"), ("enter", "张小燕"), ("enter", ""),
                ("tab", "space"), ("tab", "daughter"), ("enter", "AUTH-7")]
        for move, text in keys:
            await pilot.press(move)
            if text == "space":
                await pilot.press("space")  # the proxy's card is a long-term one
            elif text:
                await type_text(pilot, text)
        await pilot.press("f8", "f9")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen), static_text(app, "#refusal")
    [check] = [c for c in _checks(desk) if c.passed]
    assert (check.presenter, check.flow, check.proxy_name, check.proxy_document_number, check.proxy_relationship,
            check.proxy_authorisation_ref) == ("proxy", "collect_card", "张小燕", "11010519491231002X", "daughter",
                                               "AUTH-7")
