"""Home: the clerk's day at a glance. Each queue line opens its person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.base import DeskScreen
from outlet_desk.services.context import Actor
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.home import HomeView, clerk_home
from outlet_desk.widgets.plain import DataTable, Static


class HomeLoaded(Answer[HomeView]):
    """What the clerk's home shows, or why it could not be read."""


class HomeScreen(DeskScreen):
    TITLE_MSGID = N_("Home")
    SHOW_FOOTER = False
    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('to-collect')", N_("Ready"), show=False),
        Binding("2", "tab('lapsing')", N_("Lapsing"), show=False),
        Binding("3", "tab('overdue')", N_("Overdue"), show=False),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Loading…"), id="counts")
        with TabbedContent(id="queues"):
            with TabPane(_("Ready for collection"), id="to-collect"):
                yield DataTable(id="to-collect-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Losses lapsing in 48 h"), id="lapsing"):
                yield DataTable(id="lapsing-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Past due date"), id="overdue"):
                yield DataTable(id="overdue-table", cursor_type="row", zebra_stripes=True)

    def on_screen_resume(self) -> None:
        """Shown (the first time too) or come back to: the counts and queues are read once each time. (A load
        on mount as well read them twice, and the second fill redrew the tables under the first.)"""
        self.reload()

    def reload(self) -> None:
        """Refresh the counts and queues (on coming back here); nothing once the operator has gone."""
        actor = self.desk_app.actor
        if actor is not None and not (self.desk_app.session and self.desk_app.session.locked):
            self.load(actor)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab}-table", DataTable).focus()

    @work(thread=True, exclusive=True)
    def load(self, actor: Actor) -> None:
        try:
            self.post_message(HomeLoaded(clerk_home(self.desk_app.desk, actor)))
        except (DomainError, ServiceError) as error:
            self.post_message(HomeLoaded(None, error.message))

    def on_home_loaded(self, message: HomeLoaded) -> None:
        counts = self.query_one("#counts", Static)
        view = message.value
        if view is None:
            counts.update(message.problem)
            return
        done = "  ".join(_("{action} ×{count}").format(action=AuditAction.label_of(c.action), count=c.count)
                         for c in view.counts)
        tz = self.desk_app.desk.tz
        today = _("Today: {counts}").format(counts=done or _("nothing yet"))
        if view.closed_at is not None:
            today += "\n" + _("The day was closed at {time}: only loss reports can be recorded until tomorrow.").format(
                time=f"{view.closed_at.astimezone(tz):%H:%M}")
        counts.update(today)
        self._fill("to-collect", [_("Name"), _("Citizen number"), _("New card"), _("Due")],
                   [(r.person_id, (r.name, r.masked_number, r.card_number,
                                   r.due_date.isoformat() if r.due_date else "")) for r in view.ready])
        self._fill("lapsing", [_("Name"), _("Citizen number"), _("Card"), _("Lapses at")],
                   [(x.person_id, (x.name, x.masked_number, x.card_number, local_time(x.lapses_at, tz)))
                    for x in view.lapsing])
        self._fill("overdue", [_("Name"), _("Citizen number"), _("Status"), _("Due")],
                   [(o.person_id, (o.name, o.masked_number, RequestStatus.label_of(o.status), o.due_date.isoformat()))
                    for o in view.overdue])
        tabs = self.query_one(TabbedContent)
        for pane, title, n in (("to-collect", _("Ready for collection"), len(view.ready)),
                               ("lapsing", _("Losses lapsing in 48 h"), len(view.lapsing)),
                               ("overdue", _("Past due date"), len(view.overdue))):
            tabs.get_tab(pane).label = f"{title} ({n})"
        if not view.lists_shown:
            tabs.display = False
        else:
            self.query_one(f"#{tabs.active}-table", DataTable).focus()

    def _fill(self, name: str, columns: list[str], rows: list[tuple[int, tuple[str, ...]]]) -> None:
        table = self.query_one(f"#{name}-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        for index, (person_id, cells) in enumerate(rows):
            table.add_row(*cells, key=f"{person_id}:{index}")

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        self.desk_app.open_person(int(key.split(":")[0]))
