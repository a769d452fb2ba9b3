"""A trainer works the training reader from the command palette (ctrl+p): the card of the person on screen
goes in (built from the record), a blank card for an instant reissue, and the card comes out again."""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.command import Command, CommandList, CommandPalette
from textual.pilot import Pilot

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import Card, ReissueRequest
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.screens.card_tasks.write_card import WriteCardScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.tui.conftest import DeskFactory, person_with_card_status, screen_text, settle, sign_in, type_text, wait_for
from tests.tui.test_journey_screens import close_receipt, lost_without_request, open_task


def training_app(desk: Desk) -> tuple[DeskApp, TrainingReader]:
    training = TrainingReader()
    return make_app(desk, reader=SupervisedReader(training, poll_s=0.05)), training


async def palette(pilot: Pilot[None], query: str) -> list[str]:
    """Open the palette, type ``query``; the commands it offers, best first."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await type_text(pilot, query)
    await settle(pilot)
    await pilot.pause(0.3)  # the palette searches after a short debounce
    return _offered(pilot)


def _offered(pilot: Pilot[None]) -> list[str]:
    options = pilot.app.screen.query_one(CommandList).options
    return [str(o.hit.text) for o in options if isinstance(o, Command)]


async def run_command(pilot: Pilot[None], query: str, title: str) -> None:
    """Open the palette, type ``query`` and run the command called ``title`` (it must be offered first)."""
    await palette(pilot, query)
    # On a loaded machine the palette's search can answer after its debounce: wait for the command.
    for _ in range(300):
        if _offered(pilot)[:1] == [title]:
            break
        await pilot.pause(0.05)
    assert _offered(pilot)[:1] == [title], _offered(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_persons_ready_card_goes_in_from_the_palette_and_comes_out_again(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "ready")
    app, training = training_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        title = f"Training reader: insert {person.name}'s card {card.card_number} (ready for collection)"
        await run_command(pilot, card.card_number, title)
        await wait_for(pilot, lambda: f"Reader: card {card.card_number} · {person.name}" in screen_text(app))
        assert isinstance(app.screen, PersonScreen) and app.screen.person_id == person.id
        chip = training.card_in()
        assert chip is not None and chip.data is not None
        assert (chip.data.card_number, chip.data.citizen_number) == (card.card_number, person.citizen_number)
        await run_command(pilot, "take the card out", "Training reader: take the card out")
        await wait_for(pilot, lambda: "Reader: no card" in screen_text(app))
        assert training.card_in() is None
        assert person.name not in screen_text(app).splitlines()[-3]  # the holder left with the card


async def test_a_blank_card_from_the_palette_takes_the_place_of_the_card_in_the_reader(desk: Desk) -> None:
    """A blank card (for an instant reissue) goes in; the card that was in the reader comes out first."""
    person, card = person_with_card_status(desk, "active")
    app, training = training_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        await run_command(pilot, card.card_number,
                          f"Training reader: insert {person.name}'s card {card.card_number} (active)")
        await wait_for(pilot, lambda: f"Reader: card {card.card_number}" in screen_text(app))
        await run_command(pilot, "blank card", "Training reader: insert a blank card")
        await wait_for(pilot, lambda: "Reader: card unreadable" in screen_text(app))  # nothing written on it yet
        chip = training.card_in()
        assert chip is not None and chip.data is None
        assert isinstance(app.screen, PersonScreen) and app.screen.person_id == person.id


async def test_an_instant_reissue_writes_the_blank_card_put_in_from_the_palette(make_desk: DeskFactory) -> None:
    desk = make_desk("en", '\n[reissue]\nproduction_mode = "instant"\n')
    person, card = lost_without_request(desk)
    app, _training = training_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        await open_task(pilot, app, person, card, "f8")
        await pilot.press("f9")
        await close_receipt(pilot, app)  # the payment's receipt, then the screen that writes the blank card
        await wait_for(pilot, lambda: isinstance(app.screen, WriteCardScreen))
        await run_command(pilot, "blank card", "Training reader: insert a blank card")
        await wait_for(pilot, lambda: "Reader: card unreadable" in screen_text(app))
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        assert any("is written and ready" in n.message for n in app._notifications)
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
        new = s.get(Card, request.new_card_id)
    assert new is not None and (request.status, new.status) == ("ready", "ready")


async def test_the_palette_offers_no_training_cards_without_the_training_reader(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "ready")
    app = make_app(desk)  # no reader at all: nothing to put a training card into
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        offered = await palette(pilot, "training reader")
        assert not any(title.startswith("Training reader") for title in offered), offered


async def test_training_cards_block_their_pin_after_the_regions_number_of_wrong_entries(
    make_desk: DeskFactory,
) -> None:
    """``[collection] pin_tries = 5``: the chips the palette puts in (as on record, or blank) allow 5 wrong
    entries, as the region's real cards do, not the emulator's default 3."""
    desk = make_desk("en", "pin_tries = 5\n")  # the test outlet.toml ends in its [collection] section
    person, card = person_with_card_status(desk, "ready")
    app, training = training_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "clerk1")
        app.open_person(person.id or 0)
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        await run_command(pilot, card.card_number,
                          f"Training reader: insert {person.name}'s card {card.card_number} (ready for collection)")
        await wait_for(pilot, lambda: f"Reader: card {card.card_number}" in screen_text(app))
        chip = training.card_in()
        assert chip is not None and chip.tries_left == 5
        await run_command(pilot, "blank card", "Training reader: insert a blank card")
        await wait_for(pilot, lambda: "Reader: card unreadable" in screen_text(app))
        blank = training.card_in()
        assert blank is not None and blank.data is None and blank.tries_left == 5
