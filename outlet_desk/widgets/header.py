"""The top line of every screen: outlet (or, while a visit is open, whose it is), operator and role, the
outlet's local date."""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len, set_cell_size
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


def header_text(outlet: str, actor: Actor | None, day: date, title: str, width: int | None = None,
                visit: str = "") -> Text:
    """Outlet │ title │ operator (role) │ date; while a visit is open, whose it is (``visit``) stands in the
    outlet's place, highlighted (the outlet is the same all day, the person at the counter is not). Narrower
    than that (``width``): the weekday goes first, then the role, then the first part is shortened; the task's
    title and the operator's name always show."""
    parts = _HeaderParts(visible(visit or outlet), visible(title), actor, day, highlighted=bool(visit))
    for fitted in (parts, parts.without_weekday(), parts.without_role()):
        text = fitted.text()
        if width is None or text.cell_len <= width:
            return text
    shortest = parts.without_role()
    others = shortest.text().cell_len - cell_len(shortest.outlet)
    return shortest.text(outlet_width=max(4, (width or 0) - others))


class _HeaderParts:
    def __init__(self, outlet: str, title: str, actor: Actor | None, day: date, weekday: bool = True,
                 role: bool = True, highlighted: bool = False) -> None:
        self.outlet, self.title, self.actor, self.day = outlet, title, actor, day
        self.weekday, self.role, self.highlighted = weekday, role, highlighted

    def without_weekday(self) -> _HeaderParts:
        return _HeaderParts(self.outlet, self.title, self.actor, self.day, weekday=False, role=self.role,
                            highlighted=self.highlighted)

    def without_role(self) -> _HeaderParts:
        return _HeaderParts(self.outlet, self.title, self.actor, self.day, weekday=False, role=False,
                            highlighted=self.highlighted)

    def text(self, outlet_width: int | None = None) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        outlet = self.outlet
        if outlet_width is not None and cell_len(outlet) > outlet_width:
            outlet = set_cell_size(outlet, outlet_width - 1).rstrip() + "…"
        text.append(f" {outlet} ", style="bold reverse" if self.highlighted else "bold")
        if self.title:
            text.append(f"│ {self.title} ")
        if self.actor is not None:
            role = f" ({role_label(self.actor.role)})" if self.role else ""
            text.append(f"│ {visible(self.actor.display_name)}{role} ")
        text.append(f"│ {self.day.isoformat()}" + (f" {weekday(self.day)}" if self.weekday else ""))
        return text


class DeskHeader(Static):
    """Outlet name (or the open visit) │ task │ operator (role) │ date; the task title comes from the screen.
    Drawn for the width it has (:func:`header_text`)."""

    def __init__(self, title: str = "") -> None:
        super().__init__(id="desk-header")
        self.title = title
        self._parts: tuple[str, Actor | None, date, str] | None = None

    def on_mount(self) -> None:
        self.refresh_text()

    def on_resize(self) -> None:
        self._draw()

    def refresh_text(self) -> None:
        app = shell(self.app)
        if not app.desk_is_open:  # the first fraction of a second: the settings are still being read
            self._parts = (_("Outlet Desk"), None, date.today(), "")
        else:
            visit = app.session.visit if app.session is not None else None
            line = visit_line(visit) if visit is not None and visit_open(app.desk, visit) else ""
            self._parts = (app.desk.settings.outlet.name, app.actor, app.local_today(), line)
        self._draw()

    def _draw(self) -> None:
        if self._parts is not None:
            outlet, actor, day, visit = self._parts
            self.update(header_text(outlet, actor, day, self.title, self.content_region.width or None, visit))
