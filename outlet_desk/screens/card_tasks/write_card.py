"""An instant reissue, paid for: the holder's data written on a blank card at the counter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget

from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.card_tasks.base import CardScreen
from outlet_desk.screens.flow_support import card_ops
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.services.reissue import ReceivedCard, complete_instant_issue, instant_card_data
from outlet_desk.widgets.plain import Static


class WriteCardScreen(CardScreen):
    """An instant reissue, paid for: a blank card goes into the reader and F9 writes the holder's data on it.
    Opened after the application's receipt, or later from the person's record (F8 on the old card) when the
    write failed or the clerk left: the application is not taken again."""

    TITLE_MSGID = N_("Write the new card")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Write card"), key_display="F9")]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, request_id: int) -> None:
        super().__init__(person, card)
        self.request_id = request_id
        self.written = False

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("Request {id} is paid for: put a blank card into the reader, then F9 writes the holder's data "
                       "on it.").format(id=self.request_id), id="write-step")
        yield Static(_("F9: write the new card"), classes="hint")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and self.written:
            return None
        return super().check_action(action, parameters)

    def action_confirm(self) -> None:
        ops = card_ops(self.desk_app)
        if ops is None:
            self.refuse(_("There is no card reader: the blank card cannot be written."))
            return
        desk, actor, request_id = self.desk_app.desk, self.operator, self.request_id

        def write() -> tuple[ReceivedCard, CardData]:
            data = instant_card_data(desk, request_id)
            written = ops.personalise(data, desk.settings.issuer_key_path())  # read back from the chip
            return complete_instant_issue(desk, actor, request_id, written), written

        self.outcome(_("Writing the new card…"))
        self.run(write, self._written, self._not_written)

    def _written(self, value: tuple[ReceivedCard, CardData]) -> None:
        received, chip = value
        self.written = True
        self.refresh_bindings()
        say = _("The new card {card} is written and read back: {name}, citizen number {number}, identification "
                "code {code}. It stays in the reader: collect it now (F9 on the record).").format(
            card=received.card_number, name=chip.full_name, number=mask_citizen_id(chip.citizen_number),
            code=chip.identification_code)
        self.outcome(say, "bold green")
        self.app.notify(say)
        self._back_to_person()

    def _not_written(self, _error: Exception) -> None:
        self.query_one("#write-step", Static).update(Text(
            _("The card was not written; request {id} stays paid for. Put a blank card into the reader and press F9 "
              "again, or come back to it later from the record (F8 on card {card}).").format(
                id=self.request_id, card=self.card.card_number), style="bold yellow"))
