"""The desk's main tasks: one registry drives the F-keys, the footer, the command palette and role checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

from outlet_desk.domain.card_lifecycle import CardEvent, CardStatus, allowed_events
from outlet_desk.domain.pin_reset import pin_resettable
from outlet_desk.domain.roles import COUNTER_TASKS, Action, Role, can
from outlet_desk.i18n import N_, _

if TYPE_CHECKING:
    from outlet_desk.services.persons import CardLine


#: Keys the desk names in words or by their sign (Textual's names for them are neither).
_KEY_NAMES = {"escape": "Esc", "enter": "Enter", "space": "Space", "tab": "Tab",
              "left_square_bracket": "[", "right_square_bracket": "]"}


def key_label(key: str) -> str:
    """A key as the desk, its footer's own labels and the clerk's guide write it: ``F6``, ``Ctrl+U``, ``Esc``,
    ``[``; a letter as it is typed."""
    if key.startswith("ctrl+"):
        return "Ctrl+" + key_label(key[5:]).upper()
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    return key.upper() if key[:1] == "f" and key[1:].isdigit() else key


@dataclass(frozen=True)
class Task:
    id: str
    key: str
    action: str
    """The app action (``app.<action>`` is run)."""
    title: str
    help: str
    needs: tuple[Action, ...] = ()
    """The role must allow at least one of these (none: every signed-in operator)."""

    def allowed(self, role: Role) -> bool:
        return not self.needs or any(can(role, a) for a in self.needs)

    @property
    def key_label(self) -> str:
        """The key as the desk shows it (``F6``, ``Ctrl+U``)."""
        return key_label(self.key)

    def binding(self, show: bool = True) -> Binding:
        """The key binding; the main tasks pass ``show=False``: the task bar shows them, not the footer."""
        return Binding(self.key, self.action, self.title, id=self.id, tooltip=self.help, show=show,
                       key_display=self.key_label, priority=self.id == "lock")


TASKS: tuple[Task, ...] = (
    Task("search", "f2", "search", N_("Search"),
         N_("Find a card holder by citizen number, card number or name"), (Action.OPEN_PERSON,)),
    Task("home", "f3", "home", N_("Home"), N_("My day: counts, cards ready, losses lapsing, overdue")),
    Task("back", "f4", "go_back", N_("Back"), N_("Back to the previous screen")),
    Task("hotline", "f6", "hotline", N_("Hotline loss"),
         N_("A caller reports a lost card: suspend it until the lapse date"), (Action.REPORT_LOSS_HOTLINE,)),
    Task("daily_report", "f7", "daily_report", N_("Report"),
         N_("The day's figures, reconciled with the audit, and the 30-day trend"), (Action.VIEW_REPORTS,)),
    Task("city_report", "f8", "city_report", N_("City"),
         N_("Every outlet of the city side by side, with the city's totals"), (Action.VIEW_CITY_REPORTS,)),
    Task("supervisor", "f11", "supervisor", N_("Supervisor"),
         N_("Approvals, cash-up, daily report, day close"), (Action.APPROVE, Action.CASH_UP, Action.CLOSE_DAY)),
    Task("lock", "f10", "lock", N_("Lock"), N_("Lock the screen; the work in progress is kept")),
    Task("logout", "f12", "logout", N_("Log out"), N_("Log out; unfinished work is discarded")),
)

#: The main task an operator of each role most likely wants from anywhere; the others' is the search.
LIKELIEST_TASK: dict[Role, str] = {Role.HOTLINE: "hotline", Role.AUDITOR: "daily_report", Role.ADMIN: "supervisor"}


def tasks_for_palette(role: Role) -> tuple[Task, ...]:
    """The main tasks in the palette's order: the role's likeliest first, Back last (Enter on an untouched
    palette must never leave the task at hand)."""
    first = LIKELIEST_TASK.get(role, "search")
    return tuple(sorted(TASKS, key=lambda task: (task.id != first, task.id == "back")))


@dataclass(frozen=True)
class CardTask(Task):
    """A counter task on the selected card of a person's record: one use case (its :class:`Action` is the task's
    id, its app action and its role check), offered only when the card's life cycle allows the event the task
    fires on it, or, for a task that changes no status (the PIN reset), when its own rule allows it."""

    fires: CardEvent | None = CardEvent.REPORT_LOST
    offered_when: Callable[[CardStatus], bool] | None = None
    """The task's own rule for a card's status, for a task that fires no life-cycle event."""

    @property
    def use_case(self) -> Action:
        return Action(self.id)

    def offered_for(self, card: CardLine) -> bool:
        if self.offered_when is not None:
            return self.offered_when(card.status)
        return self.fires in allowed_events(card.status)


def _card_task(use_case: Action, fires: CardEvent | None, key: str, title: str, help: str,
               offered_when: Callable[[CardStatus], bool] | None = None) -> CardTask:
    return CardTask(use_case.value, key, use_case.value, title, help, (use_case,), fires, offered_when)


#: On a person's record, for the selected card; each starts with the identity check for its task.
CARD_TASKS: tuple[CardTask, ...] = (
    _card_task(Action.REPORT_LOSS_COUNTER, CardEvent.REPORT_LOST, "f6", N_("Report lost"),
               N_("Formal loss report at the counter (a hotline report becomes formal)")),
    _card_task(Action.WITHDRAW_LOSS, CardEvent.WITHDRAW_LOSS, "f7", N_("Card found"),
               N_("Withdraw the loss report: the found card goes into the reader")),
    _card_task(Action.APPLY_REISSUE, CardEvent.REPLACE, "f8", N_("Reissue"),
               N_("Apply for a new card: reason, fee, payment")),
    _card_task(Action.COLLECT_CARD, CardEvent.ACTIVATE, "f9", N_("Collect"),
               N_("Hand over the new card: chip check, PIN change, activation")),
    _card_task(Action.RESET_PIN, None, "ctrl+u", N_("PIN reset"),
               N_("Reset or unblock the PIN: the holder in person, the card in the reader, a new PIN; free"),
               pin_resettable),
    _card_task(Action.CANCEL_CARD, CardEvent.CANCEL, "ctrl+k", N_("Cancel cards"),
               N_("The holder died or emigrated, or holds a duplicate card: cancel and block the cards")),
)


def card_task(use_case: Action) -> CardTask:
    """The counter task of ``use_case``."""
    return next(task for task in CARD_TASKS if task.id == use_case)

#: Shown only on a person's record; a role may do the check if it may do one of the counter tasks.
IDENTITY_TASK = Task("identity_check", "f5", "identity_check", N_("ID check"),
                     N_("Check the identity of the person at the counter"), tuple(COUNTER_TASKS))


def task_title(task: Task) -> str:
    return _(task.title)


def task_help(task: Task) -> str:
    return _(task.help)
