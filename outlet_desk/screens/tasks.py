"""The desk's main tasks: one registry drives the F-keys, the footer, the command palette and role checks."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from outlet_desk.domain.roles import Action, Role, can
from outlet_desk.i18n import N_, _

#: Tasks the identity check can be for; a role may do the check if it may do one of them.
COUNTER_ACTIONS = (Action.REPORT_LOSS_COUNTER, Action.WITHDRAW_LOSS, Action.APPLY_REISSUE, Action.COLLECT_CARD)


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

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.title, id=self.id, tooltip=self.help,
                       key_display=self.key.upper(), priority=self.id == "lock")


TASKS: tuple[Task, ...] = (
    Task("search", "f2", "search", N_("Search"),
         N_("Find a card holder by citizen number, card number or name"), (Action.OPEN_PERSON,)),
    Task("home", "f3", "home", N_("Home"), N_("My day: counts, cards ready, losses lapsing, overdue")),
    Task("back", "f4", "go_back", N_("Back"), N_("Back to the previous screen")),
    Task("lock", "f10", "lock", N_("Lock"), N_("Lock the screen; the work in progress is kept")),
    Task("logout", "f12", "logout", N_("Log out"), N_("Log out; unfinished work is discarded")),
)

#: Shown only on a person's record.
IDENTITY_TASK = Task("identity_check", "f5", "identity_check", N_("ID check"),
                     N_("Check the identity of the person at the counter"), COUNTER_ACTIONS)


def task_title(task: Task) -> str:
    return _(task.title)


def task_help(task: Task) -> str:
    return _(task.help)
