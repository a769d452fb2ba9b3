"""The supervisor's list of cards ready for collection: how long each has waited (against the day promised and
the retention period) and the last time the outlet tried to tell its holder. Ctrl+S records a contact with the
holder of the highlighted card (how, what came of it, the day they will come, a note); Enter on a card kept past
the retention period asks, Enter again returns it to the issuing centre with the second operator signed in
below; Escape takes the question back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Select

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome, parse_coming_on
from outlet_desk.i18n import N_, _
from outlet_desk.screens.supervision_base import CoSigner, SupervisorScreen
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.holder_contacts import log_contact
from outlet_desk.services.uncollected import UncollectedCard, return_uncollected, uncollected_cards
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns


class UncollectedScreen(SupervisorScreen):
    TITLE_MSGID = N_("Cards waiting for collection")
    DEFAULT_CSS = SupervisorScreen.DEFAULT_CSS + """
    UncollectedScreen .row Select { width: 1fr; }
    UncollectedScreen #coming-on { width: 27; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *SupervisorScreen.BINDINGS, Binding("ctrl+s", "contact", N_("Log contact"), priority=True)]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self._cards: dict[int, UncollectedCard] = {}
        self._asked: int | None = None
        """The card the supervisor was asked about (Enter again returns it)."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Kept {days} days for their holders, then returned to the issuing centre with a second "
                       "operator. Ctrl+S records a contact with the holder; Enter on a card past the period, then "
                       "Enter again, returns it.").format(days=self.desk.settings.collection.retention_days),
                     id="uncollected-rule")
        yield DataTable(id="uncollected", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="row"):
            yield Select([(m.label, m.value) for m in ContactMethod], value=ContactMethod.PHONE.value,
                         allow_blank=False, id="contact-method", compact=True)
            yield Select([(o.label, o.value) for o in ContactOutcome], value=ContactOutcome.INFORMED.value,
                         allow_blank=False, id="contact-outcome", compact=True)
            yield Input(placeholder=_("Will come on (YYYY-MM-DD)"), id="coming-on", compact=True)
            yield Input(placeholder=_("Note"), id="contact-note", compact=True)
        yield CoSigner(_("Second operator (to return a card)"), compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#uncollected", DataTable)
        # The holder by name and card (the masked citizen number would push the ages past 80 columns).
        add_keyed_columns(table, ((_("Card"), "card"), (_("Holder"), "holder"), (_("Ready since"), "ready-since"),
                                  (_("Days waiting"), "days"), (_("Return from"), "return-from"),
                                  (_("Last contact"), "contact")))
        table.focus()
        self._read()

    @work(thread=True, exclusive=True, group="uncollected")
    def _read(self, said: str = "") -> None:
        """The list read again (off the UI thread); ``said`` is what the supervisor just did, kept in sight."""
        try:
            cards = uncollected_cards(self.desk, self.actor)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.say, error.message)
            return
        self.app.call_from_thread(self._show, cards, said)

    def _show(self, cards: list[UncollectedCard], said: str = "") -> None:
        table = self.query_one("#uncollected", DataTable)
        row = table.cursor_row
        table.clear()
        self._cards = {c.card_id: c for c in cards}
        for c in cards:
            table.add_row(c.card_number, c.holder, *c.ageing_cells(), key=str(c.card_id))
        if cards:
            table.move_cursor(row=min(row, len(cards) - 1))
        if said:
            self.say(said, ok=True)
        elif not cards:
            self.say(_("No card is waiting for collection."), ok=True)

    def _highlighted(self) -> UncollectedCard | None:
        table = self.query_one("#uncollected", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._cards.get(int(str(key.value)))

    @on(DataTable.RowHighlighted, "#uncollected")
    def _moved(self) -> None:
        if self._asked is not None:
            self._asked = None
            self.say("")

    @on(DataTable.RowSelected, "#uncollected")
    def _selected(self, event: DataTable.RowSelected) -> None:
        card = self._cards.get(int(str(event.row_key.value)))
        if card is None:
            return
        if not card.ageing.due_for_return:
            self.say(_("Card {card} is kept for its holder {n} more days: it can be returned from {day}.").format(
                card=card.card_number, n=card.ageing.days_to_return, day=card.ageing.return_from.isoformat()))
            return
        if self._asked != card.card_id:
            self._asked = card.card_id
            self.say(_("Return card {card} of {holder}, waiting since {day}, to the issuing centre? The second "
                       "operator signs in below; Enter again returns it; Escape leaves it.").format(
                card=card.card_number, holder=card.holder, day=card.ageing.ready_on.isoformat()))
            return
        self._asked = None
        self._return(card)

    @work(thread=True, exclusive=True, group="uncollected-return")
    def _return(self, card: UncollectedCard) -> None:
        try:
            witness = self.query_one(CoSigner).actor(self.desk)
            done = return_uncollected(self.desk, self.actor, witness, card.card_id, card.version)
        except (DomainError, ServiceError) as error:  # another supervisor was first, say: the list as it is now
            self.app.call_from_thread(self._read)
            self.app.call_from_thread(self.say, error.message)
            return
        said = _("Card {card} of {holder} is returned; its reissue request is cancelled.").format(
            card=done.card_number, holder=done.holder)
        self.app.call_from_thread(self._read, said)

    def action_contact(self) -> None:
        card = self._highlighted()
        if card is None:
            self.say(_("No card is waiting for collection."))
            return
        self._contact(card, self.query_one("#contact-method", Select).value,
                      self.query_one("#contact-outcome", Select).value,
                      self.query_one("#coming-on", Input).value, self.query_one("#contact-note", Input).value)

    @work(thread=True, exclusive=True, group="uncollected-contact")
    def _contact(self, card: UncollectedCard, method: object, outcome: object, coming_on: str, note: str) -> None:
        try:
            log_contact(self.desk, self.actor, card.card_id, ContactMethod(str(method)), ContactOutcome(str(outcome)),
                        parse_coming_on(coming_on), note)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.say, error.message)
            return
        self.app.call_from_thread(self._contact_done, card)

    def _contact_done(self, card: UncollectedCard) -> None:
        for field in ("#coming-on", "#contact-note"):
            self.query_one(field, Input).value = ""
        self._read(_("Contact with the holder of card {card} recorded.").format(card=card.card_number))

    def action_back(self) -> None:
        if self._asked is not None:  # Escape first takes back the question
            self._asked = None
            self.say("")
            return
        super().action_back()
