"""The training reader's cards, from the command palette (ctrl+p): a trainer puts in the card of the person
on screen (built from the record, so the desk reads what a real chip would hold), a blank card for an
instant reissue, or takes the card out. Offered only while the desk's reader is the training reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from outlet_desk.domain.card_lifecycle import status_label
from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.emulation import PREFERENCE, card_data_for
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.widgets.shell import DeskShell, shell


@dataclass(frozen=True)
class TrainingCommand:
    title: str
    help: str
    run: Callable[[], object]


def cards_to_insert(person: PersonDetail) -> list[CardLine]:
    """The person's cards that exist as a chip (the ready one first, then the one in use, then the others)."""
    rank = {status: i for i, status in enumerate(PREFERENCE)}
    return sorted((c for c in person.cards if c.status in rank and c.identification_code),
                  key=lambda c: (rank[c.status], -c.id))


def put_in(slot: TrainingReader, card: VirtualCard) -> None:
    """The card goes into the training reader; one already in it comes out first."""
    slot.remove()
    slot.insert(card)


def insert_from_record(app: App[Any], slot: TrainingReader, citizen_number: str, card_number: str) -> None:
    """(In a worker.) The chip of that card as on record goes into the training reader."""
    try:
        data = card_data_for(shell(app).desk, citizen_number, card_number)
    except (DomainError, ServiceError) as error:
        app.call_from_thread(app.notify, error.message, severity="error")
        return
    put_in(slot, VirtualCard(data, max_tries=shell(app).desk.settings.collection.pin_tries))


class TrainingCardCommands(Provider):
    """The palette's "Training reader: ..." commands."""

    @property
    def desk_app(self) -> DeskShell:
        return shell(self.app)

    def _pin_tries(self) -> int:
        """The region's wrong PIN entries before the chip blocks it (``[collection] pin_tries``)."""
        return self.desk_app.desk.settings.collection.pin_tries

    def commands(self) -> Iterator[TrainingCommand]:
        app = self.desk_app
        slot = app.reader.training_slot if app.reader is not None else None
        if slot is None:
            return
        person = getattr(self.screen, "person", None)
        if isinstance(person, PersonDetail) and app.desk_is_open:
            for card in cards_to_insert(person):
                yield TrainingCommand(
                    _("Training reader: insert {name}'s card {card} ({status})").format(
                        name=person.name, card=card.card_number, status=status_label(card.status)),
                    _("The card's chip as on record, read by the desk as from a real reader."),
                    partial(self._insert, slot, person.citizen_number, card.card_number))
        yield TrainingCommand(_("Training reader: insert a blank card"),
                              _("A card whose chip is not written yet, for an instant reissue."),
                              partial(put_in, slot, VirtualCard(None, max_tries=self._pin_tries())))
        if slot.card_in() is not None:
            yield TrainingCommand(_("Training reader: take the card out"),
                                  _("As if the card were pulled out of the reader."), partial(slot.remove))

    def _insert(self, slot: TrainingReader, citizen_number: str, card_number: str) -> None:
        app = self.app
        app.run_worker(partial(insert_from_record, app, slot, citizen_number, card_number), thread=True,
                       group="training-card", exit_on_error=False)

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, text=command.title, help=command.help)
