"""Collecting a new card: card in the reader -> chip compared with the record -> the holder changes the PIN
-> hand-over."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.pin import INITIAL_PIN, PIN_LENGTH, PinRefused, check_new_pin, pin_change_required
from outlet_desk.domain.roles import Action
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.errors import PinBlocked
from outlet_desk.screens.card_tasks.base import CardTaskScreen
from outlet_desk.screens.flow_support import card_ops
from outlet_desk.services.collection import (
    ChipComparison,
    CollectionRefused,
    CollectionResult,
    PendingCollection,
    change_holder_pin,
    check_chip,
    complete_collection,
    pending_collection,
)
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.widgets.plain import DataTable, Label, Static


def _in_lines(value: str, width: int = 16) -> str:
    """A value too long to stand beside another on 80 columns (the 32-character chip identification code) in
    lines of ``width``, every character shown: the clerk compares it whole, never cut off."""
    if len(value) <= 18:
        return value
    return "\n".join(value[i:i + width] for i in range(0, len(value), width))


class CollectScreen(CardTaskScreen):
    """Card in the reader -> chip compared with the record -> the holder changes the PIN -> hand-over."""

    TITLE_MSGID = N_("Collect the new card")
    TASK_ID = Action.COLLECT_CARD
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "confirm", N_("Hand over"), key_display="F9")]
    takes_cards = True

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card, check)
        self.chip: CardData | None = None
        self.comparison: ChipComparison | None = None
        self.pin_changed = False
        self.pin_blocked = False
        self.request_id: int | None = None
        self.version = 0

    def compose_task(self) -> Iterable[Widget]:
        yield Static(_("Step 1: put the new card {card} into the reader.").format(card=self.card.card_number),
                     id="collect-step")
        yield DataTable(id="chip-table", cursor_type="none")
        with Vertical(id="pin-box"):
            yield Label(_("Step 2: the holder types the current PIN ({pin} on a new card)").format(pin=INITIAL_PIN))
            yield Input(id="pin-old", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
            yield Label(_("then a new PIN, twice"))
            yield Input(id="pin-new", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
            yield Input(id="pin-again", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*")
        yield Static(_("F9: hand the card over once the chip matches and the PIN is changed"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#pin-box").display = False
        self.query_one("#chip-table").display = False
        desk = self.desk_app.desk
        self.run(lambda: pending_collection(desk, self.card.id), self._pending)

    def card_in_reader(self, card: CardData) -> None:
        if self.request_id is None or self.busy:
            return
        self.chip = card
        desk, actor, request_id = self.desk_app.desk, self.operator, self.request_id
        self.outcome(_("Comparing the chip with the record…"))
        self.run(lambda: check_chip(desk, actor, request_id, card), self._compared, self._not_compared)

    def on_chip_gone(self) -> None:
        self.card_removed()

    def card_removed(self) -> None:
        """The card was pulled out: nothing was handed over; the step repeats when it comes back."""
        if self.chip is None:
            return
        self.chip = None
        self.comparison = None
        self.query_one("#collect-step", Static).update(Text(
            _("The card was taken out: put it back into the reader; nothing was handed over."), style="bold red"))

    def _show_comparison(self, comparison: ChipComparison) -> None:
        table: DataTable[str] = self.query_one("#chip-table", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Field"), _("On record"), _("On the chip"), "")
        for f in comparison.fields:
            record, chip = (_in_lines(value) for value in f.shown)
            table.add_row(f.label, record, chip,
                          Text("✓", style="bold green") if f.matches else Text("✗", style="bold red"),
                          height=max(record.count("\n"), chip.count("\n")) + 1)
        table.display = True

    def _pending(self, pending: PendingCollection) -> None:
        self.request_id, self.version = pending.request_id, pending.version
        ops = card_ops(self.desk_app)
        last = ops.last_card() if ops is not None else None
        if last is not None:
            self.card_in_reader(last)

    def _pending_again(self, pending: PendingCollection) -> None:
        self.request_id, self.version = pending.request_id, pending.version

    def _compared(self, comparison: ChipComparison) -> None:
        self.comparison = comparison
        self._show_comparison(comparison)
        if self.pin_blocked:
            self._say_pin_blocked()
            return
        if self.pin_changed:
            self.query_one("#collect-step", Static).update(Text(
                _("The chip matches and the PIN was already changed: F9 hands the card over."),
                style="bold green"))
            return
        self.query_one("#collect-step", Static).update(Text(
            _("The chip matches the record."), style="bold green"))
        self.query_one("#pin-box").display = True
        self.query_one("#pin-old", Input).focus()
        if not self.pin_change_required:
            self.outcome(_("A proxy may leave the initial PIN: F9 hands the card over now, and the holder changes the "
                           "PIN later at any terminal (or the PIN is changed here first)."))
            return
        self.outcome(_("Step 2: the holder types the PIN on the keyboard (it is not shown)."))

    def _not_compared(self, error: Exception) -> None:
        if isinstance(error, CollectionRefused) and error.comparison is not None:
            self._show_comparison(error.comparison)  # side by side: what does not match, and why it stops
            self.query_one("#collect-step", Static).update(Text(
                _("Do not hand this card over."), style="bold red"))

    def _pin_done(self, _nothing: None) -> None:
        self.pin_changed = True
        self.query_one("#pin-box").display = False
        self.outcome(_("PIN changed on the chip. F9 hands the card over."), "bold green")

    def _pin_refused(self, error: Exception) -> None:
        if isinstance(error, PinBlocked):
            self.pin_blocked = True
            self.query_one("#pin-box").display = False
            self._say_pin_blocked()
            self.refresh_bindings()
            return
        for name in ("pin-old", "pin-new", "pin-again"):
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#pin-old", Input).focus()

    def _collected(self, result: CollectionResult) -> None:
        say = _("Card {card} is active and handed over.").format(card=result.card_number)
        if result.replaced_card_number:
            say += " " + _("The old card {old} is replaced and no longer works.").format(
                old=result.replaced_card_number)
        if not result.pin_changed:
            say += " " + _("The card still has its initial PIN: the holder changes it at any terminal.")
        self.outcome(say, "bold green")
        self.finish(result.receipt, say)

    def _say_pin_blocked(self) -> None:
        self.query_one("#collect-step", Static).update(Text(
            _("The PIN of this card is blocked: do not hand it over. The holder must have it unblocked in person "
              "at the counter first."), style="bold red"))

    def record_reloaded(self, applies: bool) -> None:
        """Another counter changed the request: the card still waiting is collected with the request as it is
        now; a card handed over meanwhile is not handed over again (F9 is disabled)."""
        if applies:
            desk = self.desk_app.desk
            self.run(lambda: pending_collection(desk, self.card.id), self._pending_again)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and self.pin_blocked:
            return None
        return super().check_action(action, parameters)

    @on(Input.Submitted, "#pin-old")
    def _pin_old(self) -> None:
        self.query_one("#pin-new", Input).focus()

    @on(Input.Submitted, "#pin-new")
    def _pin_new(self) -> None:
        self.query_one("#pin-again", Input).focus()

    @on(Input.Submitted, "#pin-again")
    def _pin_again(self) -> None:
        old, new, again = (self.query_one(f"#{n}", Input).value for n in ("pin-old", "pin-new", "pin-again"))
        try:
            check_new_pin(old, new, again)  # said at once; the service checks it again before the chip is changed
        except PinRefused as refused:
            self.refuse(refused.message)
            if refused.rule == "differ":
                self.query_one("#pin-new", Input).value = ""
                self.query_one("#pin-again", Input).value = ""
                self.query_one("#pin-new", Input).focus()
            return
        ops = card_ops(self.desk_app)
        if ops is None:
            self.refuse(_("There is no card reader."))
            return
        self.outcome(_("Changing the PIN on the chip…"))
        self.run(lambda: change_holder_pin(ops, old, new, again), self._pin_done, self._pin_refused)

    @property
    def pin_change_required(self) -> bool:
        """Whether the PIN must be changed before the hand-over (a proxy may leave it where the outlet allows)."""
        return pin_change_required(self.check.presenter == Presenter.PROXY,
                                   self.desk_app.desk.settings.collection.proxy_keeps_initial_pin)

    def action_confirm(self) -> None:
        if self.request_id is None or self.comparison is None or self.chip is None:
            self.refuse(_("Put the new card into the reader first."))
            return
        if not self.pin_changed and self.pin_change_required:
            self.refuse(_("The holder must change the initial PIN first (step 2)."))
            return
        desk, actor, chip, pin_changed = self.desk_app.desk, self.operator, self.chip, self.pin_changed
        request_id, version = self.request_id, self.version
        self.outcome(_("Handing over…"))
        self.run(lambda: complete_collection(desk, actor, request_id, version, self.check.check_id, chip,
                                             pin_changed=pin_changed), self._collected)
