"""SVG snapshots of every desk screen, in Chinese and English, on an 80x24 and a 120x40 terminal, and the same
screens checked for fit (``tests.tui.layout``: the footer and the task bar on their own line, no text cut off,
no line starting with closing punctuation, every number with its unit, the reader line in sight under a dialog,
the desk's header on every screen): one render, both checks.

Deterministic: the seeded training data, a fixed clock (2026-11-25 10:00 in Beijing), no reader, and
input cursors that do not blink. Update after a reviewed change with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from outlet_desk.app import DeskApp, make_app
from outlet_desk.i18n import Language
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.tui.conftest import DeskFactory, person_with_card_status, screen_text, settle, sign_in, type_text, wait_for
from tests.tui.layout import screen_problems

Scenario = Callable[[Pilot[None], DeskApp], Awaitable[None]]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LANGUAGES = [pytest.param("zh_CN", id="zh"), pytest.param("en", id="en")]


async def _steady(pilot: Pilot[None]) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    # A table sizes its columns on a later refresh, a relabelled tab moves its underline after a timer: on a
    # loaded machine a snapshot once caught a table before its widths, and one CI run a home screen whose
    # last changes had not been drawn. Wait until the screen stops changing: two frames 0.1 s apart alike.
    # Each round also prompts every widget to do its idle-time work (a table measures its columns then), so a
    # frame is only taken once nothing is left pending.
    previous = ""
    for _ in range(50):
        await pilot.pause(0.1)
        for table in pilot.app.screen.query(DataTable):
            table.check_idle()
        await settle(pilot, rounds=1)
        frame = pilot.app.export_screenshot()
        if frame == previous:
            return
        previous = frame
    raise AssertionError("the screen kept changing for 5 s")


async def login(pilot: Pilot[None], app: DeskApp) -> None:
    await settle(pilot)
    await type_text(pilot, "clerk1")
    await pilot.press("enter")


async def login_refused(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "clerk1", "not-my-password")


async def home(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "clerk1")


async def search_results(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "clerk1")
    await pilot.press("f2")
    await type_text(pilot, "于")


async def search_check_digit(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "clerk1")
    await pilot.press("f2")
    await type_text(pilot, "110105194912310021")


async def person(pilot: Pilot[None], app: DeskApp) -> None:
    holder, _card = person_with_card_status(app.desk, "lost")
    await sign_in(pilot, "clerk1")
    app.open_person(holder.id or 0)
    await settle(pilot)
    await pilot.press("up")  # the lost card: its suspended functions


async def identity_check(pilot: Pilot[None], app: DeskApp) -> None:
    holder, _card = person_with_card_status(app.desk, "ready")
    await sign_in(pilot, "clerk1")
    app.open_person(holder.id or 0)
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    await type_text(pilot, holder.citizen_number)  # a whole number moves on to the name by itself
    await type_text(pilot, "王小明")
    await pilot.press("enter")
    await type_text(pilot, "2035-06-30")
    await pilot.press("f8", "f9")


async def person_visit(pilot: Pilot[None], app: DeskApp) -> None:
    """The holder's identity checked (F5): the visit is open, in the header and on the record."""
    holder, _card = person_with_card_status(app.desk, "active")
    await sign_in(pilot, "clerk1")
    app.open_person(holder.id or 0)
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    await type_text(pilot, holder.citizen_number)  # a whole number moves on to the name by itself
    await type_text(pilot, holder.name)
    await pilot.press("enter")
    await type_text(pilot, "2035-06-30")
    await pilot.press("f8", "f9")
    await settle(pilot, rounds=6)


async def identity_proxy(pilot: Pilot[None], app: DeskApp) -> None:
    holder, _card = person_with_card_status(app.desk, "active")
    await sign_in(pilot, "clerk1")
    app.open_person(holder.id or 0)
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    app.screen.query_one("#presenter", Select).value = "proxy"
    await settle(pilot)
    await type_text(pilot, holder.citizen_number[:17] + ("0" if holder.citizen_number[17] != "0" else "1"))


async def lock(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "clerk1")
    await pilot.press("f10")


async def create_admin(pilot: Pilot[None], app: DeskApp) -> None:
    await settle(pilot)


async def hotline(pilot: Pilot[None], app: DeskApp) -> None:
    holder, _card = person_with_card_status(app.desk, "active")
    await sign_in(pilot, "hotline1")
    await pilot.press("f6")
    await settle(pilot)
    await type_text(pilot, holder.citizen_number)
    await pilot.press("enter")  # an Enter after a whole number still moves on, for whoever presses it


async def report(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "super1")
    await pilot.press("f7")
    await settle(pilot, rounds=6)  # the figures, then the chain's verification


async def cash_up(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


async def day_close(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot, rounds=6)


async def reissue(pilot: Pilot[None], app: DeskApp) -> None:
    from tests.tui.test_journey_screens import lost_without_request, open_task

    person, card = lost_without_request(app.desk)
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, person, card, "f8")
    await settle(pilot)


async def supervisor_home(pilot: Pilot[None], app: DeskApp) -> None:
    from outlet_desk.domain.fees import ReissueReason
    from outlet_desk.services import operators
    from outlet_desk.services.approvals import waiver
    from tests.tui.test_journey_screens import lost_without_request

    _person, card = lost_without_request(app.desk)
    clerk = operators.authenticate(app.desk, "clerk1", "training-clerk1")
    waiver.request_waiver(app.desk, clerk, card.id or 0, ReissueReason.LOST, "low-income certificate no. 42")
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot)


def _training(app: DeskApp) -> TrainingReader:
    slot = app.reader.training_slot if app.reader is not None else None
    assert slot is not None
    return slot


async def _insert(pilot: Pilot[None], app: DeskApp, citizen_number: str, card_number: str) -> None:
    from outlet_desk.services.emulation import card_data_for

    _training(app).insert(VirtualCard(card_data_for(app.desk, citizen_number, card_number)))
    await settle(pilot, rounds=6)
    for _ in range(20):  # the supervisor's poll, the read, the message to the screen
        await pilot.pause(0.05)


async def collection(pilot: Pilot[None], app: DeskApp) -> None:
    """The chip compared with the record, field by field, and the PIN change waiting."""
    from tests.tui.test_journey_screens import open_task

    holder, card = person_with_card_status(app.desk, "ready")
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, holder, card, "f9")
    await _insert(pilot, app, holder.citizen_number, card.card_number)


async def withdrawal(pilot: Pilot[None], app: DeskApp) -> None:
    """The found card in the reader, compared with the reported card."""
    from tests.tui.test_journey_screens import open_task

    holder, card = person_with_card_status(app.desk, "suspended")
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, holder, card, "f7")
    await _insert(pilot, app, holder.citizen_number, card.card_number)


async def blocked_card(pilot: Pilot[None], app: DeskApp) -> None:
    """A lost card put in on the home screen: its status, its holder, what to do with it."""
    holder, card = person_with_card_status(app.desk, "lost")
    await sign_in(pilot, "clerk1")
    await _insert(pilot, app, holder.citizen_number, card.card_number)


async def uncollected(pilot: Pilot[None], app: DeskApp) -> None:
    """Cards kept past the retention period, one asked about."""
    from tests.clock import FakeClock

    assert isinstance(app.desk.clock, FakeClock)
    app.desk.clock.advance(days=181)
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot, rounds=6)
    await pilot.press("u")
    await settle(pilot, rounds=6)
    await pilot.press("enter")
    await settle(pilot)


async def stock(pilot: Pilot[None], app: DeskApp) -> None:
    """The stock screen with a batch just announced: the count, the batch, its lines not scanned in yet."""
    from outlet_desk.services import operators
    from outlet_desk.services.stock_import import import_manifest
    from tests.services.stock_builders import lines_for, manifest

    supervisor = operators.authenticate(app.desk, "super1", "training-super1")
    lines = lines_for(app.desk, 3)
    import_manifest(app.desk, supervisor, manifest(app.desk, "B2026-0042", lines))
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot, rounds=6)
    await pilot.press("s")
    await settle(pilot, rounds=6)
    # Once caught on a loaded machine with the discrepancies' columns as wide as their headings ("M700"): the
    # picture is of every card number in full.
    await wait_for(pilot, lambda: all(line.card_number in screen_text(app) for line in lines))


async def _card_task(pilot: Pilot[None], app: DeskApp, status: str, key: str) -> None:
    """The clerk on the record of a holder whose card has ``status``, the task of ``key`` open after the check."""
    from tests.tui.test_journey_screens import open_task

    holder, card = person_with_card_status(app.desk, status)
    await sign_in(pilot, "clerk1")
    await open_task(pilot, app, holder, card, key)
    await settle(pilot)


async def report_lost(pilot: Pilot[None], app: DeskApp) -> None:
    """F6 on a card the hotline suspended: the loss made formal at the counter."""
    await _card_task(pilot, app, "suspended", "f6")


async def exchange(pilot: Pilot[None], app: DeskApp) -> None:
    """F8 on an active card for changed personal data: the form of the corrected data."""
    from outlet_desk.domain.fees import ReissueReason

    await _card_task(pilot, app, "active", "f8")
    app.screen.query_one("#reissue-reason", Select).value = ReissueReason.INFO_CHANGE.value
    await settle(pilot)


async def pin_reset(pilot: Pilot[None], app: DeskApp) -> None:
    """Ctrl+U on an active card: the card awaited in the reader, then the new PIN."""
    await _card_task(pilot, app, "active", "ctrl+u")


async def cancellation(pilot: Pilot[None], app: DeskApp) -> None:
    """Ctrl+K on an active card: why the cards are cancelled."""
    await _card_task(pilot, app, "active", "ctrl+k")


async def _supervisor_key(pilot: Pilot[None], key: str) -> None:
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot, rounds=6)
    await pilot.press(key)
    await settle(pilot, rounds=6)


async def audit_trail(pilot: Pilot[None], app: DeskApp) -> None:
    """The audit trail from the supervisor's home (l): the day's events, the newest selected."""
    await _supervisor_key(pilot, "l")


async def operators(pilot: Pilot[None], app: DeskApp) -> None:
    """The operators of the outlet, from the supervisor's home (o)."""
    await _supervisor_key(pilot, "o")


async def city_report(pilot: Pilot[None], app: DeskApp) -> None:
    """The city supervisor's F8: every outlet of the city side by side."""
    await sign_in(pilot, "city1")
    await pilot.press("f8")
    await settle(pilot, rounds=6)


#: Scenarios with the training reader attached (a card goes in); the others have no reader.
WITH_READER = {"collection", "withdrawal", "blocked_card"}

SCENARIOS: dict[str, Scenario] = {
    "login": login,
    "login_refused": login_refused,
    "create_admin": create_admin,
    "home": home,
    "search_results": search_results,
    "search_check_digit": search_check_digit,
    "person": person,
    "person_visit": person_visit,
    "identity_check_refused": identity_check,
    "identity_check_proxy": identity_proxy,
    "lock": lock,
    "hotline": hotline,
    "report": report,
    "cash_up": cash_up,
    "day_close": day_close,
    "reissue": reissue,
    "supervisor_home": supervisor_home,
    "collection": collection,
    "withdrawal": withdrawal,
    "blocked_card": blocked_card,
    "uncollected": uncollected,
    "stock": stock,
    "report_lost": report_lost,
    "exchange": exchange,
    "pin_reset": pin_reset,
    "cancellation": cancellation,
    "audit_trail": audit_trail,
    "operators": operators,
    "city_report": city_report,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_screen(snap_compare: Any, make_desk: DeskFactory, name: str, language: Language,
                size: tuple[int, int]) -> None:
    desk = make_desk(language, empty=name == "create_admin")
    reader = SupervisedReader(TrainingReader(), poll_s=0.05) if name in WITH_READER else None
    app = make_app(desk, reader=reader)
    app.animation_level = "none"  # a picture of where things are, not of where they are moving to

    misfits: list[str] = []

    async def run_before(pilot: Pilot[None]) -> None:
        await SCENARIOS[name](pilot, app)
        await _steady(pilot)
        if problems := screen_problems(app):
            misfits.extend([*problems, screen_text(app)])

    assert snap_compare(app, terminal_size=size, run_before=run_before)
    assert not misfits, "\n".join(misfits)
