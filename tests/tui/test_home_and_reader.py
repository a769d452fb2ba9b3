"""Home queues open their person; a card in the reader opens its holder; roles decide the tasks."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, TabbedContent

from outlet_desk.app import make_app
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language, set_language
from outlet_desk.reader.virtual_card import VirtualCard, sample_card_data
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.screens.search import SearchScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.home import clerk_home
from outlet_desk.services.operators import authenticate
from outlet_desk.widgets.task_bar import PALETTE_KEY, TaskBar
from tests.tui.conftest import DeskFactory, person_with_card_status, screen_text, settle, sign_in, static_text
from tests.tui.counter import at_the_counter
from tests.tui.slots import training_slot


async def test_home_shows_the_three_queues_and_enter_opens_the_person(desk: Desk) -> None:
    clerk = authenticate(desk, "clerk1", "training-clerk1")
    expected = clerk_home(desk, clerk)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1")
        assert isinstance(app.screen, HomeScreen)
        tabs = app.screen.query_one(TabbedContent)
        labels = [tabs.get_tab(p).label.plain for p in ("to-collect", "lapsing", "overdue")]  # type: ignore[union-attr]
        assert labels == [f"Ready for collection ({len(expected.ready)})",
                          f"Losses lapsing in 48 h ({len(expected.lapsing)})",
                          f"Past due date ({len(expected.overdue)})"]
        assert expected.ready[0].name in screen_text(app)
        await pilot.press("2")
        assert tabs.active == "lapsing"
        lapsing = app.screen.query_one("#lapsing-table", DataTable)
        assert lapsing.row_count == len(expected.lapsing)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert app.screen.person_id == expected.lapsing[0].person_id
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "record opened ×1" in static_text(app, "#counts")


async def test_the_home_says_the_day_is_closed_and_what_can_still_be_recorded(make_desk: DeskFactory) -> None:
    from outlet_desk.domain.times import local_time
    from outlet_desk.services.day_close import close_day

    for language, words in (("en", "only loss reports can be recorded until tomorrow"), ("zh_CN", "只能受理挂失")):
        desk = make_desk(language)
        close_day(desk, authenticate(desk, "super1", "training-super1"), reason="training")
        closed_at = clerk_home(desk, authenticate(desk, "clerk1", "training-clerk1")).closed_at
        assert closed_at is not None
        app = make_app(desk)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot, "clerk1")
            await settle(pilot)
            counts = static_text(app, "#counts")
            assert words in counts and local_time(closed_at, desk.tz)[-5:] in counts


async def test_auditor_sees_counts_but_no_citizen_lists_and_cannot_search(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "audit1")
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one(TabbedContent).display
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen)
        assert "F2" not in screen_text(app).splitlines()[-1]


async def test_inserting_a_card_opens_its_holder_and_the_footer_names_the_card(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.wait_for(lambda: "no card" in counter.screen_text())
        assert "training reader" in counter.screen_text()
        chip = sample_card_data(card_number=card.card_number, citizen_number=person.citizen_number,
                                name=person.name, birth_date=person.birth_date)
        await counter.insert_card(VirtualCard(chip))
        app = counter.app
        await counter.wait_for(lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        assert isinstance(app.screen, PersonScreen) and app.screen.person_id == person.id
        await counter.wait_for(lambda: f"card {card.card_number} · {person.name}" in counter.screen_text())
        await counter.remove_card()
        await counter.wait_for(lambda: "Reader: no card" in counter.screen_text())
        assert person.name not in counter.screen_text().splitlines()[-3]  # the holder left with the card


async def test_a_card_not_in_the_records_is_reported_not_opened(desk: Desk) -> None:
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.insert_card(VirtualCard(sample_card_data(card_number="Z99999999")))
        await counter.wait_for(lambda: any("Z99999999 is not in this outlet's records" in n
                                           for n in counter.notifications()))
        assert isinstance(counter.app.screen, HomeScreen)


async def test_a_card_inserted_before_sign_in_opens_nothing(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.settle()
        await counter.insert_card(VirtualCard(sample_card_data(card_number=card.card_number,
                                                               citizen_number=person.citizen_number)))
        await counter.wait_for(lambda: card.card_number in counter.screen_text())
        assert not any(isinstance(s, PersonScreen) for s in counter.app.screen_stack)


async def test_a_screen_key_never_falls_through_to_a_main_task(desk: Desk) -> None:
    """On a lost card, F6 (report lost) does not apply; it must not open the hotline task instead."""
    person, lost = person_with_card_status(desk, "lost")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        await counter.select_card(lost)
        await counter.start_task(Action.REPORT_LOSS_COUNTER)
        assert counter.app.screen is screen
        assert "Hotline loss" not in counter.screen_text()
        await counter.wait_for(lambda: bool(counter.notifications()))
        told = f"Report lost does not apply to card {lost.card_number}: it is reported lost."
        assert counter.notifications()[-1] == told


async def test_a_supervisors_task_keys_all_fit_on_an_80_column_line(make_desk: DeskFactory) -> None:
    app = make_app(make_desk("en"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "super1")
        bar = app.screen.query_one(TaskBar)
        line = screen_text(app).splitlines()[-1]
        entries = [(key, title) for key, title, applies in bar.entries() if applies and key != PALETTE_KEY]
        assert len(entries) >= 7  # search, home, hotline, report, supervisor, lock, log out
        for key, title in entries:
            assert f"{key} {title}" in line, line


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_the_homes_today_line_and_the_records_trail_name_actions_in_words(make_desk: DeskFactory,
                                                                                language: Language) -> None:
    """Both showed the audit's codes (``identity_checked``, ``reissue_applied``...) in either language."""
    desk = make_desk(language)
    person, card = person_with_card_status(desk, "active")
    codes = [action.value for action in AuditAction if "_" in action.value]
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.REPORT_LOSS_COUNTER)  # an identity check, recorded
        await counter.press("f4")  # back to the record
        record = counter.app.screen
        assert isinstance(record, PersonScreen), (counter.app.screen_stack, counter.screen_text())
        record.query_one("#person-tabs", TabbedContent).active = "trail"  # read again when the task was left
        await counter.wait_for(lambda: AuditAction.IDENTITY_CHECKED.label in counter.screen_text())
        trail = counter.screen_text()
        assert not [code for code in codes if code in trail], trail
        await counter.press("f3")
        await counter.wait_for_screen(HomeScreen)
        await counter.wait_for(lambda: AuditAction.IDENTITY_CHECKED.label in counter.screen_text())
        home = counter.screen_text()
        assert not [code for code in codes if code in home], home
    set_language("en")
