"""The top line of every screen: outlet, operator and role, the outlet's local date."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from outlet_desk.domain.roles import role_label
from outlet_desk.domain.text import visible
from outlet_desk.i18n import N_, _
from outlet_desk.services.context import Actor
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import shell

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday(day: date) -> str:
    return _(WEEKDAYS[day.weekday()])


def header_text(outlet: str, actor: Actor | None, day: date, title: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {visible(outlet)} ", style="bold")
    if title:
        text.append(f"│ {visible(title)} ")
    if actor is not None:
        text.append(f"│ {visible(actor.display_name)} ({role_label(actor.role)}) ")
    text.append(f"│ {day.isoformat()} {weekday(day)}")
    return text


class DeskHeader(Static):
    """Outlet name │ task │ operator (role) │ date; the task title comes from the screen."""

    def __init__(self, title: str = "") -> None:
        super().__init__(id="desk-header")
        self.title = title

    def on_mount(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        app = shell(self.app)
        if not app.desk_is_open:  # the first fraction of a second: the settings are still being read
            self.update(header_text(_("Outlet Desk"), None, date.today(), self.title))
            return
        self.update(header_text(app.desk.settings.outlet.name, app.actor, app.local_today(), self.title))
