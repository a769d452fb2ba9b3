"""The formal loss report at the counter: the card stays blocked for good."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget

from outlet_desk.domain.roles import Action
from outlet_desk.i18n import N_, _
from outlet_desk.screens.card_tasks.base import CardTaskScreen
from outlet_desk.services.loss import LossResult, report_loss_counter
from outlet_desk.widgets.plain import Static


class ReportLostScreen(CardTaskScreen):
    TITLE_MSGID = N_("Report the card lost")
    TASK_ID = Action.REPORT_LOSS_COUNTER
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Report lost"), key_display="F9")]

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("The card is reported lost for good: it stays blocked, with all its functions, until a "
                       "new card is collected or the card is found and the report withdrawn."))
        yield Static(_("F9: report the card lost"), classes="hint")

    def action_confirm(self) -> None:
        desk, actor = self.desk_app.desk, self.operator
        self.outcome(_("Saving…"))
        self.run(lambda: report_loss_counter(desk, actor, self.card.id, self.card.version, self.check.check_id),
                 self._reported)

    def _reported(self, result: LossResult) -> None:
        say = _("Card {card} is now reported lost. A new card can be applied for now (F8 on the record).").format(
            card=result.card_number)
        if result.became_formal:
            say += " " + _("The hotline's temporary report was made formal.")
        self.outcome(say, "bold green")
        self.finish(result.receipt, say, offer_rules=True)
