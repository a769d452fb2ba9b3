"""The supervisor's list of cards kept past the retention period, and their return to the issuing centre:
Enter on a card asks, Enter again returns it, Escape leaves it."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.widget import Widget

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import N_, _
from outlet_desk.screens.supervision_base import SupervisorScreen
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.uncollected import UncollectedCard, cards_due_for_return, return_uncollected
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns


class UncollectedScreen(SupervisorScreen):
    TITLE_MSGID = N_("Uncollected cards past the retention period")

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self._cards: dict[int, UncollectedCard] = {}
        self._asked: int | None = None
        """The card the supervisor was asked about (Enter again returns it)."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Kept {days} days for their holders, then returned to the issuing centre. "
                       "Enter on a card, then Enter again, returns it.").format(
            days=self.desk.settings.collection.retention_days), id="uncollected-rule")
        yield DataTable(id="uncollected", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#uncollected", DataTable)
        add_keyed_columns(table, ((_("Card"), "card"), (_("Holder"), "holder"), (_("Citizen number"), "number"),
                                  (_("Ready since"), "ready-since"), (_("Days waiting"), "days")))
        table.focus()
        self._read()

    @work(thread=True, exclusive=True, group="uncollected")
    def _read(self, said: str = "") -> None:
        """The list read again (off the UI thread); ``said`` is what the supervisor just did, kept in sight."""
        try:
            cards = cards_due_for_return(self.desk, self.actor)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.say, error.message)
            return
        self.app.call_from_thread(self._show, cards, said)

    def _show(self, cards: list[UncollectedCard], said: str = "") -> None:
        table = self.query_one("#uncollected", DataTable)
        table.clear()
        self._cards = {c.card_id: c for c in cards}
        for c in cards:
            table.add_row(c.card_number, c.holder, c.citizen_number_masked, c.ready_on.isoformat(),
                          str(c.days_waiting), key=str(c.card_id))
        if said:
            self.say(said, ok=True)
        elif not cards:
            self.say(_("No card has waited past the retention period."), ok=True)

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
        if self._asked != card.card_id:
            self._asked = card.card_id
            self.say(_("Return card {card} of {holder}, waiting since {day}, to the issuing centre? Enter again "
                       "returns it; Escape leaves it.").format(card=card.card_number, holder=card.holder,
                                                               day=card.ready_on.isoformat()))
            return
        self._asked = None
        self._return(card)

    @work(thread=True, exclusive=True, group="uncollected-return")
    def _return(self, card: UncollectedCard) -> None:
        try:
            done = return_uncollected(self.desk, self.actor, card.card_id, card.version)
        except (DomainError, ServiceError) as error:  # another supervisor was first, say: the list as it is now
            self.app.call_from_thread(self._read)
            self.app.call_from_thread(self.say, error.message)
            return
        said = _("Card {card} of {holder} is returned; its reissue request is cancelled.").format(
            card=done.card_number, holder=done.holder)
        self.app.call_from_thread(self._read, said)

    def action_back(self) -> None:
        if self._asked is not None:  # Escape first takes back the question
            self._asked = None
            self.say("")
            return
        super().action_back()
