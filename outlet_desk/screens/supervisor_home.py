"""The supervisor's home: what waits today (approvals, uncounted cash, the day's state), the approvals
to decide, and the keys to the report, the cash-up and the day close."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.approvals import ApprovalKind
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Action, can
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.audit_trail import AuditTrailScreen
from outlet_desk.screens.cashup import CashUpScreen
from outlet_desk.screens.day_close import DayCloseScreen
from outlet_desk.screens.operators import OperatorsScreen
from outlet_desk.screens.report import ReportScreen
from outlet_desk.screens.stock import StockScreen
from outlet_desk.screens.supervision_base import SupervisorScreen
from outlet_desk.screens.uncollected import UncollectedScreen
from outlet_desk.services.approvals import decisions
from outlet_desk.services.cashup import uncounted
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_close import day_is_closed
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.uncollected import cards_due_for_return
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns, cells_left, shorten

REASON_CELLS = 16
"""The approvals list shows the start of a reason; the detail line under it the whole."""
REFRESH_SECONDS = 3.0
"""How often the list of approvals waiting is read again (clerks send requests from their counters)."""


class SupervisorHomeScreen(SupervisorScreen):
    TITLE_MSGID = N_("Supervisor")
    BINDINGS: ClassVar[list[BindingType]] = [
        # Short words: eight keys and the palette's fit one footer line at 80 columns in English.
        Binding("a", "decide(True)", N_("Approve")),
        Binding("x", "decide(False)", N_("Reject")),
        Binding("r", "open('report')", N_("Report")),
        Binding("c", "open('cashup')", N_("Cash")),
        Binding("d", "open('close')", N_("Close")),
        Binding("o", "open('operators')", N_("Staff")),
        Binding("l", "open('audit')", N_("Audit")),
        Binding("s", "open('stock')", N_("Stock")),
        Binding("u", "open('uncollected')", N_("Uncollected"), show=False),  # offered in the overview when due
        Binding("g", "refresh", N_("Refresh"), show=False),  # the list is read again every few seconds anyway
        Binding("escape", "back", N_("Back"), show=False),  # as on every screen; its place goes to the tasks
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self._views: dict[int, decisions.ApprovalView] = {}
        """The approvals listed, by number."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="overview")
        yield DataTable(id="approvals", cursor_type="row", zebra_stripes=True)
        yield Static("", id="approval-detail")
        yield Input(placeholder=_("Reason (needed to reject)"), id="decision-reason")

    def on_mount(self) -> None:
        table = self.query_one("#approvals", DataTable)
        add_keyed_columns(table, ((_("No."), "id"), (_("Action"), "action"), (_("Asked by"), "maker"),
                                  (_("Concerning"), "subject"), (_("Reason"), "reason"), (_("Asked at"), "at")))
        self.action_refresh()
        table.focus()
        self.set_interval(REFRESH_SECONDS, self._look_again)

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self._read_overview()

    @work(thread=True, exclusive=True, group="overview")
    def _read_overview(self) -> None:
        """The approvals waiting, the uncounted cash and the day's state, read off the UI thread."""
        try:
            waiting = decisions.pending_approvals(self.desk, self.actor)
            today = self.desk.local_now().date()
            cash = uncounted(self.desk, today)
            closed = day_is_closed(self.desk, today)
            due = cards_due_for_return(self.desk, self.actor) if can(self.actor.role, Action.RECEIVE_STOCK) else []
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.say, error.message)
            return
        text = _("{day}: {state}. Approvals waiting: {a}. Clerks whose cash is not counted: {c}.").format(
            day=today.isoformat(), state=_("closed") if closed else _("open"), a=len(waiting), c=len(cash))
        if due:
            text += " " + _("Cards kept past {days} days for their holders: {n} (U lists them).").format(
                days=self.desk.settings.collection.retention_days, n=len(due))
        self.app.call_from_thread(self._overview_read, text, waiting)

    def _overview_read(self, text: str, waiting: list[decisions.ApprovalView]) -> None:
        self.query_one("#overview", Static).update(text)
        self._show(waiting)

    def _show(self, waiting: list[decisions.ApprovalView]) -> None:
        """Fill the list, keeping the cursor on the approval it was on (never silently on another one)."""
        table = self.query_one("#approvals", DataTable)
        selected = self._selected_id()
        self._views = {item.id: item for item in waiting}
        table.clear()
        # What it concerns and why are cut with "…" to the width left: the line under the list has them whole.
        headings = [str(column.label) for column in table.columns.values()]
        lines = [(str(item.id), ApprovalKind.label_of(item.action), item.maker, item.subject,
                  shorten(item.reason, REASON_CELLS), local_time(item.created_at, self.desk.tz)) for item in waiting]
        subject_cells = cells_left(table, [[headings[i], *(line[i] for line in lines)] for i in (0, 1, 2, 4, 5)])
        for item, (number, action, maker, subject, reason, at) in zip(waiting, lines, strict=True):
            table.add_row(number, action, maker, shorten(subject, subject_cells), reason, at, key=str(item.id))
        ids = [item.id for item in waiting]
        if selected in ids:
            table.move_cursor(row=ids.index(selected))
        self._show_detail()
        self.refresh_bindings()  # Approve and Reject apply only while an approval waits

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide":
            try:
                return self._selected_id() is not None or None  # greyed, not gone: the footer keeps its place
            except NoMatches:
                return None
        return True

    @on(DataTable.RowHighlighted, "#approvals")
    def _show_detail(self) -> None:
        """The selected approval in full, whatever the width: who asks, for what, concerning whom, and why."""
        item = self._views.get(self._selected_id() or 0)
        text = "" if item is None else _("{maker} asks: {action}. {subject}. Reason: {reason}").format(
            maker=item.maker, action=ApprovalKind.label_of(item.action), subject=item.subject or "-",
            reason=item.reason)
        self.query_one("#approval-detail", Static).update(text)

    def _selected_id(self) -> int | None:
        table = self.query_one("#approvals", DataTable)
        if table.row_count == 0:
            return None
        return int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def _look_again(self) -> None:
        self._fetch_waiting()

    @work(thread=True, exclusive=True, group="approvals")
    def _fetch_waiting(self) -> None:
        try:
            waiting = decisions.pending_approvals(self.desk, self.actor)
        except (DomainError, ServiceError):
            return  # the next manual refresh says why
        self.app.call_from_thread(self._fetched, waiting)

    def _fetched(self, waiting: list[decisions.ApprovalView]) -> None:
        table = self.query_one("#approvals", DataTable)
        shown = [str(row.value) for row in table.rows]
        if shown != [str(item.id) for item in waiting]:
            self.action_refresh()  # something came in or was withdrawn: the overview's count changes too

    def action_decide(self, approve: bool) -> None:
        approval_id = self._selected_id()
        if approval_id is None:
            self.say(_("No approval is waiting."))
            return
        self._decide(approval_id, approve, self.query_one("#decision-reason", Input).value)

    @work(thread=True, exclusive=True, group="decide")
    def _decide(self, approval_id: int, approve: bool, reason: str) -> None:
        try:
            decided = decisions.decide(self.desk, self.actor, approval_id, approve=approve, reason=reason)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self._refused, error.message, approve)
            return
        self.app.call_from_thread(self._decided, decided.id, approve)

    def _refused(self, message: str, approve: bool) -> None:
        self.say(message)
        if not approve:
            self.query_one("#decision-reason", Input).focus()

    def _decided(self, approval_id: int, approve: bool) -> None:
        self.query_one("#decision-reason", Input).value = ""
        self.action_refresh()
        self.say((_("Approval {id} approved.") if approve else _("Approval {id} rejected.")).format(id=approval_id),
                 ok=True)
        self.query_one("#approvals", DataTable).focus()

    @on(Input.Submitted, "#decision-reason")
    def _reason_given(self) -> None:
        """Enter after typing the reason rejects the selected approval with it."""
        self.action_decide(False)

    def action_open(self, which: str) -> None:
        screens: dict[str, type[SupervisorScreen]] = {
            "report": ReportScreen, "cashup": CashUpScreen, "close": DayCloseScreen, "operators": OperatorsScreen,
            "uncollected": UncollectedScreen, "audit": AuditTrailScreen, "stock": StockScreen}
        self.app.push_screen(screens[which](self.desk, self.actor))
