"""The supervisor's home says how many cards were kept past the retention period; U lists the cards waiting
for collection; Ctrl+S records a contact with a holder (shown as the card's last contact); Enter, Enter returns a
card kept past the period to the issuing centre, only with a second operator signed in (Escape takes the question
back). The training outlet, by keyboard, in both languages."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select
from textual.widgets import DataTable, Input

from outlet_desk.app import make_app
from outlet_desk.db.tables import Card
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome
from outlet_desk.i18n import Language, _
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.screens.uncollected import UncollectedScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.demo import training_password
from tests.clock import FakeClock
from tests.tui.conftest import DeskFactory, settle, sign_in, static_text, type_text, wait_for


def statuses(desk: Desk) -> dict[str, str]:
    with Session(desk.engine) as s:
        cards = s.exec(select(Card).where(col(Card.status).in_(["ready", "returned"])))
        return {c.card_number: c.status for c in cards}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_supervisor_logs_a_contact_and_returns_a_card_with_a_second_operator(
        make_desk: DeskFactory, clock: FakeClock, language: Language) -> None:
    desk = make_desk(language)
    ready = [n for n, status in statuses(desk).items() if status == "ready"]
    assert ready
    clock.advance(days=181)  # every card ready today has now waited past the training outlet's 180 days
    app = make_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "super1")
        await pilot.press("f11")
        await wait_for(pilot, lambda: isinstance(app.screen, SupervisorHomeScreen))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, UncollectedScreen)
                       and app.screen.query_one("#uncollected", DataTable).row_count == len(ready))
        table = app.screen.query_one("#uncollected", DataTable)
        first = str(table.get_row_at(0)[0])
        assert str(table.get_row_at(0)[5]) == _("none yet")

        await pilot.press("ctrl+s")  # the contact form's first choices: a phone call, the holder informed
        await wait_for(pilot, lambda: first in static_text(app, "#message")
                       and ContactOutcome.INFORMED.label in str(table.get_row_at(0)[5]))
        assert ContactMethod.PHONE.label in str(table.get_row_at(0)[5])

        await pilot.press("enter")
        await settle(pilot)
        assert first in static_text(app, "#message")  # asked first
        await pilot.press("escape")  # takes the question back, stays on the list
        await settle(pilot)
        assert isinstance(app.screen, UncollectedScreen) and static_text(app, "#message") == ""
        await pilot.press("enter", "enter")  # no second operator signed in: refused, nothing changes
        await wait_for(pilot, lambda: static_text(app, "#message") == _(
            "A card is returned to the card centre with a second operator beside you: they sign in at this counter."))
        assert statuses(desk)[first] == "ready"

        app.screen.query_one("#co-user", Input).focus()
        await type_text(pilot, "clerk2")
        app.screen.query_one("#co-password", Input).focus()
        await type_text(pilot, training_password("clerk2"))
        table.focus()
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: table.row_count == len(ready) - 1)
        assert first in static_text(app, "#message")
    assert statuses(desk)[first] == "returned"
