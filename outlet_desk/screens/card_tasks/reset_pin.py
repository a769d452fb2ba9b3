"""Resetting or unblocking the PIN at the counter: the holder in person, the card in the reader, a new PIN typed
twice, F9; free of charge, with a receipt."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.pin import PIN_LENGTH, PinRefused, check_chosen_pin
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.card_tasks.base import CardTaskScreen
from outlet_desk.screens.flow_support import card_ops
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.services.pin_reset import (
    PinResetAllowed,
    PinResetResult,
    outlet_issuer,
    pin_reset_allowed,
    reset_card_pin,
)
from outlet_desk.widgets.plain import Label, Static


class ResetPinScreen(CardTaskScreen):
    """The card in the reader -> the holder types a new PIN twice -> F9 resets (or unblocks) it on the chip."""

    TITLE_MSGID = N_("Reset the PIN")
    TASK_ID = Action.RESET_PIN
    takes_cards = True
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Reset PIN"), key_display="F9")]

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.done = False
        """The PIN was reset, or may not be: F9 is off."""
        self.allowed: PinResetAllowed | None = None
        self.chip: CardData | None = None

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("Checking whether this card's PIN may be reset…"), id="reset-allowed")
        yield Static(_("Step 1: put card {card} into the reader.").format(card=self.card.card_number),
                     id="reset-step")
        yield Label(_("Step 2: the holder types a new PIN, twice"))
        yield Input(id="pin-new", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
        yield Input(id="pin-again", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
        yield Static(_("F9: reset the PIN on the chip (free of charge)"), classes="hint")

    def on_mount(self) -> None:
        desk, card_id = self.desk_app.desk, self.card.id
        self.run(lambda: pin_reset_allowed(desk, card_id), self._allowed, self._not_allowed)
        ops = card_ops(self.desk_app)
        last = ops.last_card() if ops is not None else None
        if last is not None:
            self.card_in_reader(last)
        self.query_one("#pin-new", Input).focus()

    def _allowed(self, allowed: PinResetAllowed) -> None:
        self.allowed = allowed
        self.query_one("#reset-allowed", Static).update(_(
            "Free of charge. This card's PIN was reset {done} times in the last {days} days (at most {limit}).").format(
                done=allowed.done_in_period, days=allowed.period_days, limit=allowed.limit))

    def _not_allowed(self, error: Exception) -> None:
        self.done = True  # nothing to do here: F9 is off, the reason stays on screen
        self.query_one("#reset-allowed", Static).update(Text(str(getattr(error, "message", error)), style="bold red"))
        self.refresh_bindings()

    def card_in_reader(self, card: CardData) -> None:
        self.chip = card
        self.query_one("#reset-step", Static).update(
            _("Card {card} is in the reader.").format(card=card.card_number))

    def on_chip_gone(self) -> None:
        self.chip = None
        self.query_one("#reset-step", Static).update(Text(
            _("The card was taken out: put card {card} back into the reader.").format(card=self.card.card_number),
            style="bold yellow"))

    @on(Input.Submitted, "#pin-new")
    def _pin_new(self) -> None:
        self.query_one("#pin-again", Input).focus()

    @on(Input.Submitted, "#pin-again")
    def _pin_again(self) -> None:
        self.action_confirm()

    def _clear_pins(self) -> None:
        for name in ("pin-new", "pin-again"):
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#pin-new", Input).focus()

    def action_confirm(self) -> None:
        if self.done:
            return
        new, again = (self.query_one(f"#{n}", Input).value for n in ("pin-new", "pin-again"))
        try:
            check_chosen_pin(new, again)  # said at once; the service checks it again before the chip is changed
        except PinRefused as refused:
            self.refuse(refused.message)
            self._clear_pins()
            return
        ops = card_ops(self.desk_app)
        if ops is None:
            self.refuse(_("There is no card reader."))
            return
        if self.chip is None:
            self.refuse(_("Put card {card} into the reader first.").format(card=self.card.card_number))
            return
        desk, actor, card, check_id = self.desk_app.desk, self.operator, self.card, self.check.check_id
        self.outcome(_("Resetting the PIN on the chip…"))
        self.run(lambda: reset_card_pin(desk, actor, ops, outlet_issuer(desk), card.id, card.version, check_id,
                                        new, again), self._reset, lambda _error: self._clear_pins())

    def _reset(self, result: PinResetResult) -> None:
        self.done = True
        self.refresh_bindings()
        if result.unblocked:
            say = _("The PIN of card {card} is unblocked: the holder's new PIN works now.")
        else:
            say = _("The PIN of card {card} is reset: the holder's new PIN works now.")
        say = say.format(card=result.card_number)
        self.outcome(say, "bold green")
        self.finish(result.receipt, say)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and self.done:
            return None
        return super().check_action(action, parameters)
