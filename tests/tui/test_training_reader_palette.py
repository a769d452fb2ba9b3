"""A trainer works the training reader from the command palette (ctrl+p): the card of the person on screen
goes in (built from the record), a blank card for an instant reissue, and the card comes out again."""

from __future__ import annotations

from sqlmodel import Session, col, select
from textual.command import Command, CommandList, CommandPalette

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.roles import Action
from outlet_desk.screens.card_tasks.write_card import WriteCardScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.services.context import Desk
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import Counter, at_the_counter, lost_without_request
from tests.tui.slots import training_slot

WIDE = (100, 30)
"""The palette's command titles are long: a wider terminal shows them whole."""


async def palette(counter: Counter, query: str) -> list[str]:
    """Open the palette, type ``query``; the commands it offers, best first."""
    await counter.press("ctrl+p")
    await counter.wait_for_screen(CommandPalette)
    await counter.type(query)
    await counter.settle()
    await counter.pilot.pause(0.3)  # the palette searches after a short debounce
    return _offered(counter)


def _offered(counter: Counter) -> list[str]:
    options = counter.app.screen.query_one(CommandList).options
    return [str(o.hit.text) for o in options if isinstance(o, Command)]


async def run_command(counter: Counter, query: str, title: str) -> None:
    """Open the palette, type ``query`` and run the command called ``title`` (it must be offered first)."""
    await palette(counter, query)
    # On a loaded machine the palette's search can answer after its debounce: wait for the command.
    for _ in range(300):
        if _offered(counter)[:1] == [title]:
            break
        await counter.pilot.pause(0.05)
    assert _offered(counter)[:1] == [title], _offered(counter)
    await counter.press("enter")
    await counter.settle()


async def _holders_card_in_from_the_palette(counter: Counter, person: Person, card: Card, status: str) -> None:
    """On the holder's record, the palette puts ``card`` (in ``status``, in words) into the training reader."""
    await counter.open_person(person)
    await run_command(counter, card.card_number,
                      f"Training reader: insert {person.name}'s card {card.card_number} ({status})")
    await counter.wait_for(lambda: f"Reader: card {card.card_number}" in counter.screen_text())


async def test_the_persons_ready_card_goes_in_from_the_palette_and_comes_out_again(desk: Desk) -> None:
    person, card = person_with_card_status(desk, "ready")
    training, reader = training_slot()
    async with at_the_counter(desk, (training, reader), size=WIDE) as counter:
        await counter.sign_in("clerk1")
        await _holders_card_in_from_the_palette(counter, person, card, "ready for collection")
        await counter.wait_for(lambda: f"Reader: card {card.card_number} · {person.name}" in counter.screen_text())
        assert isinstance(counter.app.screen, PersonScreen) and counter.app.screen.person_id == person.id
        chip = training.reader.card_in()
        assert chip is not None and chip.data is not None
        assert (chip.data.card_number, chip.data.citizen_number) == (card.card_number, person.citizen_number)
        await run_command(counter, "take the card out", "Training reader: take the card out")
        await counter.wait_for(lambda: "Reader: no card" in counter.screen_text())
        assert training.reader.card_in() is None
        assert person.name not in counter.screen_text().splitlines()[-3]  # the holder left with the card


async def test_a_blank_card_from_the_palette_takes_the_place_of_the_card_in_the_reader(desk: Desk) -> None:
    """A blank card (for an instant reissue) goes in; the card that was in the reader comes out first."""
    person, card = person_with_card_status(desk, "active")
    training, reader = training_slot()
    async with at_the_counter(desk, (training, reader), size=WIDE) as counter:
        await counter.sign_in("clerk1")
        await _holders_card_in_from_the_palette(counter, person, card, "active")
        await run_command(counter, "blank card", "Training reader: insert a blank card")
        await counter.wait_for(lambda: "Reader: card unreadable" in counter.screen_text())  # nothing written yet
        chip = training.reader.card_in()
        assert chip is not None and chip.data is None
        assert isinstance(counter.app.screen, PersonScreen) and counter.app.screen.person_id == person.id


async def test_an_instant_reissue_writes_the_blank_card_put_in_from_the_palette(make_desk: DeskFactory) -> None:
    desk = make_desk("en", '\n[reissue]\nproduction_mode = "instant"\n')
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, training_slot(), size=WIDE) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.press("f9")
        await counter.close_receipt()  # the payment's receipt, then the screen that writes the blank card
        await counter.wait_for_screen(WriteCardScreen)
        await run_command(counter, "blank card", "Training reader: insert a blank card")
        await counter.wait_for(lambda: "Reader: card unreadable" in counter.screen_text())
        await counter.press("f9")
        await counter.wait_for_screen(PersonScreen)
        said = next(n for n in counter.notifications() if "is written and read back" in n)
        assert person.name in said and "identification code" in said  # what the chip holds now
        # the written card is the card in the reader: no "card unreadable" until it is put in again
        await counter.wait_for(lambda: "Reader: card T" in counter.screen_text())
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).one()
        new = s.get(Card, request.new_card_id)
    assert new is not None and (request.status, new.status) == ("ready", "ready")


async def test_the_palette_offers_no_training_cards_without_the_training_reader(desk: Desk) -> None:
    person, _card = person_with_card_status(desk, "ready")
    async with at_the_counter(desk, size=WIDE) as counter:  # no reader at all: nothing to put a training card into
        await counter.sign_in("clerk1")
        await counter.open_person(person)
        offered = await palette(counter, "training reader")
        assert not any(title.startswith("Training reader") for title in offered), offered


async def test_training_cards_block_their_pin_after_the_regions_number_of_wrong_entries(
    make_desk: DeskFactory,
) -> None:
    """``[collection] pin_tries = 5``: the chips the palette puts in (as on record, or blank) allow 5 wrong
    entries, as the region's real cards do, not the emulator's default 3."""
    desk = make_desk("en", "pin_tries = 5\n")  # the test outlet.toml ends in its [collection] section
    person, card = person_with_card_status(desk, "ready")
    training, reader = training_slot()
    async with at_the_counter(desk, (training, reader), size=WIDE) as counter:
        await counter.sign_in("clerk1")
        await _holders_card_in_from_the_palette(counter, person, card, "ready for collection")
        chip = training.reader.card_in()
        assert chip is not None and chip.tries_left == 5
        await run_command(counter, "blank card", "Training reader: insert a blank card")
        await counter.wait_for(lambda: "Reader: card unreadable" in counter.screen_text())
        blank = training.reader.card_in()
        assert blank is not None and blank.data is None and blank.tries_left == 5
