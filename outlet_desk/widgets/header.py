"""The top line of every screen: outlet, operator and role, the outlet's local date."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from outlet_desk.domain.roles import role_label
from outlet_desk.domain.text import visible
from outlet_desk.i18n import N_, _
from outlet_desk.services.context import Actor
from outlet_desk.services.visit import visit_line, visit_open
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import shell

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday(day: date) -> str:
    return _(WEEKDAYS[day.weekday()])


def header_text(outlet: str, actor: Actor | None, day: date, title: str, visit: str = "") -> Text:
    """The header's line; while a visit is open, whose it is stands in the outlet's place (the outlet is the
    same all day, the person at the counter is not)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if visit:
        text.append(f" {visible(visit)} ", style="bold reverse")
    else:
        text.append(f" {visible(outlet)} ", style="bold")
    if title:
        text.append(f"│ {visible(title)} ")
    if actor is not None:
        text.append(f"│ {visible(actor.display_name)} ({role_label(actor.role)}) ")
    text.append(f"│ {day.isoformat()} {weekday(day)}")
    return text


class DeskHeader(Static):
    """Outlet name (or the open visit) │ task │ operator (role) │ date; the task title comes from the screen."""

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
        visit = app.session.visit if app.session is not None else None
        line = visit_line(visit) if visit is not None and visit_open(app.desk, visit) else ""
        self.update(header_text(app.desk.settings.outlet.name, app.actor, app.local_today(), self.title, line))
