"""Search (citizen number checked as typed, card number, name prefix) and the person's record."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select
from textual.widgets import DataTable

from outlet_desk.db.tables import AuditEvent, Card, Person
from outlet_desk.domain.card_functions import CardFunction
from outlet_desk.domain.card_lifecycle import CardStatus, event_label
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.i18n import Language
from outlet_desk.screens.person import PersonScreen
from outlet_desk.screens.search import SearchScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.masking import mask_phone
from tests.tui.conftest import (
    DeskFactory,
    person_with_card_status,
)
from tests.tui.counter import at_the_counter


def _opened(desk: Desk) -> list[int | None]:
    with Session(desk.engine) as s:
        return [e.person_id for e in s.exec(select(AuditEvent).where(col(AuditEvent.action) == "person_opened"))]


async def test_wrong_check_digit_is_pointed_out_before_enter(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    number = person.citizen_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.press("f2")
        await counter.settle()
        assert isinstance(counter.app.screen, SearchScreen)
        await counter.type(wrong[:6])
        assert counter.text("#search-problem") == ""  # a known region: nothing to say yet
        await counter.type(wrong[6:])
        await counter.settle()
        problem = counter.text("#search-problem")
        assert "check digit is wrong" in problem and f"{number[17]} is expected" in problem
        assert counter.app.screen.query_one("#results").row_count == 0  # type: ignore[attr-defined]
    assert _opened(desk) == []


async def test_an_unknown_region_is_refused_at_the_sixth_digit(desk: Desk) -> None:
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.search("99999")
        assert counter.text("#search-problem") == ""
        await counter.type("9")
        assert "unknown region code 999999" in counter.text("#search-problem")


async def test_a_letter_in_the_middle_of_a_number_is_refused_not_searched_as_a_name(desk: Desk) -> None:
    """A slip of the finger on an 18-character number (a letter at the 11th place) is a number typed wrong:
    said at once, the same message after Enter, and nobody searched for by that name."""
    person, _card = person_with_card_status(desk, "active")
    typed = person.citizen_number[:10] + "A" + person.citizen_number[11:]
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.search(typed[:11])
        said = "not allowed: 'A' at position 11"
        assert said in counter.text("#search-problem")
        await counter.type(typed[11:])
        await counter.press("enter")
        await counter.wait_for_text("#search-problem", said)
        await counter.settle()
        assert said in counter.text("#search-problem")
        assert "Nobody found" not in counter.text("#search-count")
        assert counter.app.screen.query_one("#results").row_count == 0  # type: ignore[attr-defined]


async def test_full_citizen_number_finds_and_opens_the_holder_with_an_audit_event(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.search(person.citizen_number)
        await counter.settle()
        masked = mask_citizen_id(person.citizen_number)
        results = counter.app.screen.query_one("#results", DataTable)
        assert results.get_row_at(0)[:2] == [masked, person.name]  # the list shows the masked number
        assert counter.screen_text().count(person.citizen_number) == 1  # only in the input the clerk typed
        assert "1 person found" in counter.text("#search-count")
        await counter.press("enter")
        await counter.settle()
        assert isinstance(counter.app.screen, PersonScreen)
        text = counter.screen_text()
        assert masked in text and card.card_number in text
        assert person.citizen_number not in text  # in full only with a reason (Ctrl+N)
    assert _opened(desk) == [person.id]


async def test_card_number_and_name_prefix_search(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "lost")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.search(card.card_number)
        await counter.wait_for(lambda: person.name in counter.screen_text())
        await counter.search(person.name[:1])  # F2 again: a new search
        with Session(desk.engine) as s:
            same_surname = s.exec(select(Person).where(col(Person.name).startswith(person.name[:1]))
                                  .order_by(col(Person.name), col(Person.id))).all()  # the list's order
        # The search runs in a worker as the clerk types: wait for its answer to the whole query.
        await counter.wait_for_text("#search-count", f"{len(same_surname)} person")
        await counter.wait_for(lambda: all(p.name in counter.screen_text() for p in same_surname[:5]))


async def test_person_view_shows_identity_cards_actions_and_suspended_functions(desk: Desk) -> None:
    person, lost = person_with_card_status(desk, "lost")
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        identity = counter.text("#identity")
        masked = mask_citizen_id(person.citizen_number)
        assert person.name in identity and masked in identity and person.citizen_number not in identity
        assert screen.person is not None and screen.person.birth_place in identity
        with Session(desk.engine) as s:
            cards = s.exec(select(Card).where(col(Card.person_id) == person.id)).all()
        # the cards table is filled by the record's worker: wait for it (a loaded machine answers later)
        await counter.wait_for(lambda: all(c.card_number in counter.screen_text() for c in cards))
        # select the lost card: its allowed actions and the suspended functions are listed
        table = screen.query_one("#cards-table")
        index = [c.card_number for c in screen.person.cards].index(lost.card_number)
        table.move_cursor(row=index)  # type: ignore[attr-defined]
        await counter.settle()
        detail = counter.text("#card-detail")
        line = screen.person.cards[index]
        assert line.status is CardStatus.LOST
        for action in line.actions:
            from outlet_desk.domain.card_lifecycle import CardEvent

            assert event_label(CardEvent(action)) in detail
        assert "suspended (reported lost): " + ", ".join(f.label for f in CardFunction) in detail
        # the actions are listed, not offered as keys: F5 (identity check) is the only task here
        keys = {b.binding.key for b in screen.active_bindings.values() if b.binding.show}
        assert "f5" in keys


async def test_person_trail_lists_the_opening(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        # the trail read before this opening was written is empty for a fresh active holder
        tabs = screen.query_one("#person-tabs")
        tabs.active = "trail"  # type: ignore[attr-defined]
        await counter.settle()
        counter.app.open_person(person.id or 0)  # open again: the first opening is now in the trail
        await counter.settle()
        reopened = counter.app.screen
        assert isinstance(reopened, PersonScreen) and reopened.person is not None
        assert [a.action for a in reopened.person.audit] == ["person_opened"]


async def test_enter_in_the_query_opens_one_hit_and_goes_to_the_list_for_several(desk: Desk) -> None:
    """Found in a real terminal: with several name hits, Enter in the query searched again and nothing showed."""
    with Session(desk.engine) as s:
        names = [p.name for p in s.exec(select(Person))]
    several = next(n[:1] for n in names if sum(m.startswith(n[:1]) for m in names) > 1)
    ones = sorted((n for n in names if sum(m.startswith(n) for m in names) == 1), key=len)
    async with at_the_counter(desk) as counter:
        app = counter.app
        await counter.sign_in("clerk1")
        await counter.press("f2")
        await counter.type(several)
        await counter.press("enter")  # at once, perhaps before the search has answered
        await counter.wait_for(lambda: app.focused is app.screen.query_one("#results", DataTable))
        assert isinstance(app.screen, SearchScreen)  # several: the clerk chooses, nothing opened yet
        assert "Enter or ↓: choose" in counter.text("#search-count")
        first = app.screen.query_one("#results", DataTable).get_row_at(0)[1]
        await counter.press("enter")
        await counter.wait_for_screen(PersonScreen)
        assert first in counter.screen_text()
        await counter.press("f2")
        await counter.type(ones[0])
        await counter.press("enter")
        await counter.wait_for(lambda: isinstance(app.screen, PersonScreen) and ones[0] in counter.screen_text())


async def test_the_full_citizen_number_is_shown_only_with_a_reason_and_audited(desk: Desk) -> None:
    """Ctrl+N in the record asks why; no reason, no number; with one, the number is shown in full and the
    reason is in the audit event of that read (by the operator who gave it)."""
    from textual.widgets import Input

    from outlet_desk.screens.full_number import FullNumberScreen

    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, size=(120, 40)) as counter:
        app = counter.app
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.wait_for(lambda: person.name in counter.text("#identity"))
        assert person.citizen_number not in counter.text("#identity")
        assert person.phone not in counter.text("#identity") and mask_phone(person.phone) in counter.text("#identity")
        assert len(person.address) > 6 and person.address not in counter.text("#identity")  # cut after the district
        assert person.address[:6] + "***" in counter.text("#identity")
        await counter.press("ctrl+n")
        await counter.wait_for(lambda: isinstance(app.screen, FullNumberScreen))
        await counter.press("enter")  # no reason given
        await counter.wait_for(lambda: "Give the reason" in counter.text("#full-number-message"))
        assert isinstance(app.screen, FullNumberScreen)
        app.screen.query_one("#full-number-reason", Input).value = "holder checks the number on a form"
        await counter.press("enter")
        await counter.wait_for(lambda: isinstance(app.screen, PersonScreen))
        await counter.wait_for(lambda: person.citizen_number in counter.text("#identity"))
        # the phone and the address in full too, by the same audited read
        assert person.phone in counter.text("#identity") and person.address in counter.text("#identity")
    with Session(desk.engine) as s:
        shown = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "citizen_number_shown")).all()
    assert [(e.person_id, "holder checks the number on a form" in (e.after or "")) for e in shown] == [
        (person.id, True)]
    assert all(person.citizen_number not in (e.after or "") for e in shown)


async def test_escape_leaves_the_number_masked_and_nothing_audited(desk: Desk) -> None:
    from outlet_desk.screens.full_number import FullNumberScreen

    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, size=(120, 40)) as counter:
        app = counter.app
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.wait_for(lambda: person.name in counter.text("#identity"))
        await counter.press("ctrl+n")
        await counter.wait_for(lambda: isinstance(app.screen, FullNumberScreen))
        await counter.press("escape")
        await counter.wait_for(lambda: isinstance(app.screen, PersonScreen))
        assert person.citizen_number not in counter.text("#identity")
    with Session(desk.engine) as s:
        assert s.exec(select(AuditEvent).where(col(AuditEvent.action) == "citizen_number_shown")).all() == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_identity_lines_fit_an_80_column_terminal(make_desk: DeskFactory, language: Language) -> None:
    """At 80x24 no identity line wraps (the phone once ran onto a line of its own), in both languages."""
    desk = make_desk(language)
    person, _card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, size=(80, 24)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        await counter.wait_for(lambda: person.name in counter.text("#identity"))
        lines = counter.text("#identity").splitlines()
        assert len(lines) == 4 and mask_phone(person.phone) in lines[2], lines  # name, number, phone, address
        assert counter.app.screen.query_one("#identity").size.height == 4  # none of them wrapped
