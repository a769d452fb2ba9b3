"""What every counter task on a card shares: who and which card it acts on, the worker that runs each step
with its typed outcome, the record read again when another counter changed it, and the way back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import work
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget

from outlet_desk.domain.card_lifecycle import status_label
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.request_status import request_status_label
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.flow_support import REFUSALS, ChipRead, refusal_text, show_receipt
from outlet_desk.screens.person_text import presenter_words
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.services.receipts import ReceiptData
from outlet_desk.services.records import CardNow, card_now
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.tasks import CardTask, card_task, task_title

T = TypeVar("T")

Refused = Callable[[Exception], None]
"""What a screen does after a step was refused (the refusal is already shown): go back to an earlier step."""


class StepDone(Message):
    """A worker's step succeeded: ``show`` is the screen's handler for that step, bound to its typed result."""

    def __init__(self, show: Callable[[], None]) -> None:
        super().__init__()
        self.show = show


class StepRefused(Message):
    """A worker's step was refused: the error, its message for the clerk, and what the screen does next."""

    def __init__(self, error: Exception, then: Refused | None) -> None:
        super().__init__()
        self.error = error
        self.refusal = refusal_text(error)
        self.then = then


class CardScreen(DeskScreen):
    """Work on ``card`` of ``person``: the worker that runs each step, its outcome, the record read again when
    another counter changed it, and the way back to the person's record."""

    DEFAULT_CSS = """
    .task-box { height: auto; padding: 0 1; }
    .task-box Label { margin: 1 0 0 0; color: $text-muted; }
    #task-outcome { margin: 1 0 0 0; height: auto; }
    #chip-table { height: auto; max-height: 8; }
    """
    takes_cards = False
    MAIN_ACTION = "confirm"
    TASK_ID: ClassVar[Action | None] = None
    """The person view's task (``widgets.tasks.CARD_TASKS``) this screen does: whether it still applies to the
    card after another counter changed it."""

    def __init__(self, person: PersonDetail, card: CardLine) -> None:
        super().__init__()
        self.person = person
        self.card = card
        self.busy = False
        self.replaced_by: int | None = None
        """A reissue request applied for this card meanwhile (read again after another counter changed it)."""

    def awaited_card_number(self) -> str:
        return self.card.card_number

    @property
    def card_task(self) -> CardTask | None:
        return None if self.TASK_ID is None else card_task(self.TASK_ID)

    def task_applies(self) -> bool:
        """The task still applies to the card as it is now (its status; no reissue applied for meanwhile)."""
        task = self.card_task
        return task is None or task.offered_for(self.card)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and not self.task_applies():
            return None  # shown, but disabled: the record changed and the task no longer applies
        return True

    def summary(self) -> Text:
        text = Text()
        text.append(f"{self.person.name}  {mask_citizen_id(self.person.citizen_number)}\n", style="bold")
        text.append(_("Card {number}: {status}").format(number=self.card.card_number,
                                                        status=status_label(self.card.status)))
        return text

    def compose_body(self) -> Iterable[Widget]:
        with Vertical(classes="task-box"):
            yield Static(self.summary(), id="task-summary")
            yield from self.compose_task()
            yield Static("", id="task-outcome")

    def compose_task(self) -> Iterable[Widget]:
        return ()

    def outcome(self, text: str, style: str = "bold") -> None:
        self.query_one("#task-outcome", Static).update(Text(text, style=style))

    def refuse(self, text: str) -> None:
        self.busy = False
        self.outcome(text, "bold red")

    # -- the worker: one step at a time, its result handed to the step's own handler ---------------------
    def run(self, call: Callable[[], T], done: Callable[[T], None], refused: Refused | None = None) -> None:
        """Run ``call`` (a service or reader operation) in a worker; ``done`` gets its result, or the refusal is
        shown (then ``refused`` gets the error, unless another counter changed the record: it is read again)."""
        if self.busy:
            return
        self.busy = True
        self._worker(lambda: partial(done, call()), refused)

    @work(thread=True, exclusive=True)
    def _worker(self, step: Callable[[], Callable[[], None]], refused: Refused | None) -> None:
        try:
            self.post_message(StepDone(step()))
        except REFUSALS as error:
            self.post_message(StepRefused(error, refused))

    def on_step_done(self, message: StepDone) -> None:
        self.busy = False
        message.show()

    def on_step_refused(self, message: StepRefused) -> None:
        self.refuse(message.refusal)
        if isinstance(message.error, RecordChanged):
            self._reload()
        elif message.then is not None:
            message.then(message.error)

    # -- another counter changed the record: read it again and say what changed -----------------------------
    def _reload(self) -> None:
        desk, card_id = self.desk_app.desk, self.card.id
        self.busy = False
        self.run(lambda: card_now(desk, card_id), self._reloaded)

    def _reloaded(self, now: CardNow) -> None:
        before, self.card = self.card, now.card
        if now.replacing_request_id is not None and now.replacing_request_id != self.replaced_by:
            self.replaced_by = now.replacing_request_id
        self.query_one("#task-summary", Static).update(self.summary())
        if before.status is now.card.status:
            say = _("Another counter changed card {card} a moment ago; it is still {status}.").format(
                card=now.card.card_number, status=status_label(now.card.status))
        else:
            say = _("Another counter changed card {card} a moment ago: it was {before}, it is now {status}.").format(
                card=now.card.card_number, before=status_label(before.status), status=status_label(now.card.status))
        if self.replaced_by is not None and now.replacing_request_status is not None:
            say += " " + _("A new card has been applied for (request {id}: {status}).").format(
                id=self.replaced_by, status=request_status_label(now.replacing_request_status))
        applies = self.task_applies()
        task = self.card_task
        if applies:
            say += " " + _("Nothing was saved here: check it and try again.")
        elif task is not None:
            say += " " + _("\"{task}\" no longer applies to it: nothing was saved here. F4 goes back to the "
                          "record.").format(task=task_title(task))
        self.refresh_bindings()
        self.outcome(say, "bold yellow" if applies else "bold red")
        self.record_reloaded(applies)

    def record_reloaded(self, applies: bool) -> None:
        """The card was read again after another counter changed it; override to refresh more of the task."""

    def finish(self, receipt: ReceiptData, say: str = "", *, offer_rules: bool = False) -> None:
        """Show the receipt (``offer_rules``: with the rules sheet offered), then the person's record again,
        reloaded."""
        show_receipt(self.app, receipt, say, lambda _result: self._back_to_person(), offer_rules=offer_rules)

    def _back_to_person(self) -> None:
        self.app.pop_screen()  # the person view reads the record again when it comes back (PersonScreen)

    def on_chip_read(self, message: ChipRead) -> None:
        self.card_in_reader(message.card)

    def card_in_reader(self, card: CardData) -> None:
        """A card was read while this task waits for one."""


class CardTaskScreen(CardScreen):
    """One task on ``card`` of ``person``, standing on the identity check ``check``."""

    def __init__(self, person: PersonDetail, card: CardLine, check: IdentityCheckResult) -> None:
        super().__init__(person, card)
        self.check = check

    def summary(self) -> Text:
        text = super().summary()
        who = presenter_words(self.check)
        text.append("\n" + _("At the counter: {who}; identity check no. {id}").format(who=who, id=self.check.check_id),
                    style="green")
        return text
