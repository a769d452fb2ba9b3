"""A screen driver for the Pilot tests: what the clerk does at the counter, in the counter's words.

``async with at_the_counter(desk) as counter:`` runs the desk in a test terminal (80 x 24 unless told) and
hands back a :class:`Counter`: sign in, search, open a holder's record, start a counter task on a card,
fill the identity check, put a card into the reader, read what the screen says and which notifications
were shown. The key sequences live here once; the tests say what happens at the counter and what the
clerk is told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel import Session, col, select
from textual.pilot import Pilot

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.screens.hotline import HotlineLossScreen
from outlet_desk.screens.identity_check import IdentityCheckScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from outlet_desk.widgets.reader_feed import SupervisedReader
from outlet_desk.widgets.tasks import IDENTITY_TASK, TASKS, card_task
from tests.tui.conftest import screen_text, settle, sign_in, static_text, type_text, wait_for
from tests.tui.slots import Slot

SEARCH_KEY = next(task.key for task in TASKS if task.id == "search")
"""The key of the search (F2), from the one registry of task keys."""

VALID_EXPIRY = "2035-06-30"
"""An expiry date of the holder's resident ID card that is years away."""


class Counter:
    """One desk in a test terminal, driven as the clerk drives it."""

    def __init__(self, pilot: Pilot[None], app: DeskApp, slot: Slot | None = None,
                 shown: list[str] | None = None) -> None:
        self.pilot = pilot
        self.app = app
        self.slot = slot
        self._shown = shown

    # What the clerk sees.

    def notifications(self) -> list[str]:
        """Every notification the desk showed since it started, oldest first."""
        assert self._shown is not None, "start the desk with at_the_counter() to see its notifications"
        return list(self._shown)

    def text(self, selector: str) -> str:
        """The text of one Static on the current screen."""
        return static_text(self.app, selector)

    def screen_text(self) -> str:
        """The whole screen as plain text."""
        return screen_text(self.app)

    async def settle(self) -> None:
        await settle(self.pilot)

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        await wait_for(self.pilot, condition)

    async def wait_for_text(self, selector: str, text: str) -> None:
        """Until the Static ``selector`` on the current screen says ``text``."""
        await wait_for(self.pilot, lambda: text in static_text(self.app, selector))

    async def wait_for_screen(self, screen: type[object]) -> None:
        await wait_for(self.pilot, lambda: isinstance(self.app.screen, screen))

    # What the clerk does.

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await type_text(self.pilot, text)

    async def sign_in(self, username: str, password: str | None = None) -> None:
        await sign_in(self.pilot, username, password)

    async def search(self, query: str) -> None:
        """F2 and type ``query`` into the search (it searches as the clerk types)."""
        await self.pilot.press(SEARCH_KEY)
        await type_text(self.pilot, query)

    async def open_person(self, person: Person) -> PersonScreen:
        """Open the holder's record (as the search's Enter does) and wait until it shows their cards."""
        self.app.open_person(person.id or 0)
        app = self.app
        await wait_for(self.pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        screen = app.screen
        assert isinstance(screen, PersonScreen) and screen.person is not None
        return screen

    async def select_card(self, card: Card) -> None:
        """Move the record's card list to ``card``."""
        screen = self.app.screen
        assert isinstance(screen, PersonScreen) and screen.person is not None
        row = next(i for i, c in enumerate(screen.person.cards) if c.id == card.id)
        screen.query_one("#cards-table").move_cursor(row=row)  # type: ignore[attr-defined]
        await settle(self.pilot)

    async def start_task(self, use_case: Action) -> None:
        """Press the counter task's key on the selected card."""
        await self.pilot.press(card_task(use_case).key)
        await settle(self.pilot)

    async def start_identity_check(self) -> None:
        """Press the identity check's key on the holder's record."""
        await self.pilot.press(IDENTITY_TASK.key)
        await settle(self.pilot)

    async def fill_in(self, *texts: str) -> None:
        """Type each text into the focused input, Enter moving on to the next one between them (unless the
        field moved on by itself, as a whole citizen number does)."""
        typed_into = None
        for i, text in enumerate(texts):
            if i and self.app.focused is typed_into:
                await self.pilot.press("enter")
            typed_into = self.app.focused
            await type_text(self.pilot, text)
            await settle(self.pilot)

    async def fill_identity_check(self, number: str, name: str, expiry: str = VALID_EXPIRY) -> None:
        """Type the document's number, name and expiry date (Enter moves on, as the clerk reads the card)."""
        await self.fill_in(number, name, expiry)

    async def confirm_face_and_record(self) -> None:
        """F8: the face matches; F9: record the identity check."""
        await self.pilot.press("f8", "f9")
        await settle(self.pilot)

    async def pass_identity_check(self, person: Person) -> None:
        """The holder shows their own resident ID card and it passes."""
        assert isinstance(self.app.screen, IdentityCheckScreen), type(self.app.screen)
        await self.fill_identity_check(person.citizen_number, person.name)
        await self.confirm_face_and_record()

    async def open_task(self, person: Person, card: Card, use_case: Action) -> None:
        """Open the holder, select ``card``, start the task and pass the identity check as the holder."""
        await self.open_person(person)
        await self.select_card(card)
        await self.start_task(use_case)
        await self.pass_identity_check(person)

    async def take_hotline_report(self, number: str, name: str, fact: str) -> None:
        """F6 at the hotline: the caller's citizen number, name and one fact on file, F9."""
        await self.pilot.press("f6")
        await settle(self.pilot)
        assert isinstance(self.app.screen, HotlineLossScreen), type(self.app.screen)
        await self.fill_in(number, name, fact)
        await self.pilot.press("f9")

    async def type_pins(self, current: str, new: str, again: str) -> None:
        """The holder types the current PIN, the new one and the new one again on the PIN pad."""
        for pin in (current, new, again):
            await type_text(self.pilot, pin)
            await self.pilot.press("enter")

    async def insert_card(self, card: VirtualCard) -> None:
        """Put ``card`` into the reader's slot."""
        assert self.slot is not None, "this desk runs without a reader slot"
        await asyncio.to_thread(self.slot.insert, card)

    async def remove_card(self) -> None:
        """Take the card out of the reader."""
        assert self.slot is not None, "this desk runs without a reader slot"
        await asyncio.to_thread(self.slot.remove)

    async def close_receipt(self) -> str:
        """Wait for the receipt, wait until it is saved, close it: the receipt's text."""
        await wait_for(self.pilot, lambda: isinstance(self.app.screen, ReceiptScreen)
                       and bool(self.app.screen.query("#receipt-text")))  # drawn, not only pushed
        text = static_text(self.app, "#receipt-text")
        await self.wait_for_text("#receipt-saved", _("Saved: {path}").split(":")[0].split("：")[0])
        await self.pilot.press("enter")
        await settle(self.pilot)
        return text


@asynccontextmanager
async def at_the_counter(desk: Desk, slot: tuple[Slot, SupervisedReader] | None = None,
                         size: tuple[int, int] = (80, 24), **app_options: Any) -> AsyncIterator[Counter]:
    """The desk running in a test terminal of ``size`` (with the reader of ``slot``), driven by a :class:`Counter`."""
    if slot is not None:
        app_options["reader"] = slot[1]
    app = make_app(desk, **app_options)
    shown = remember_notifications(app)
    async with app.run_test(size=size) as pilot:
        yield Counter(pilot, app, slot[0] if slot is not None else None, shown)


def remember_notifications(app: DeskApp) -> list[str]:
    """The messages of the notifications ``app`` shows from now on (its ``notify``, wrapped), oldest first."""
    shown: list[str] = []
    notify = app.notify

    def remembered(message: str, **options: Any) -> None:
        shown.append(message)
        notify(message, **options)

    app.notify = remembered  # type: ignore[method-assign]
    return shown


async def open_task(pilot: Pilot[None], app: DeskApp, person: Person, card: Card, key: str) -> None:
    """Open the person, select ``card``, press the task's key and pass the identity check as the holder (for
    tests that drive the app themselves)."""
    counter = Counter(pilot, app)
    await counter.open_person(person)
    await counter.select_card(card)
    await pilot.press(key)
    await settle(pilot)
    await counter.pass_identity_check(person)


def lost_without_request(desk: Desk) -> tuple[Person, Card]:
    """A holder whose card is formally lost with no new card applied for: (holder, card)."""
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.old_card_id).is_not(None))
        card = s.exec(select(Card).where(col(Card.status) == "lost", col(Card.id).not_in(taken))).first()
        assert card is not None
        person = s.get(Person, card.person_id)
        assert person is not None
        return person, card


def status_of(desk: Desk, card_id: int | None) -> str:
    """The card's status as the store holds it now."""
    with Session(desk.engine) as s:
        card = s.get(Card, card_id)
        assert card is not None
        return card.status
