"""The supervisor's operators: who may sign in, who is locked out; add one, reset a password, unlock,
take out of service or back in (with a reason). Every change is a service call, audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Select

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Role, role_label
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.supervision_base import SupervisorScreen
from outlet_desk.services import operators, supervision
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import DataTable


class OperatorsScreen(SupervisorScreen):
    TITLE_MSGID = N_("Operators")
    DEFAULT_CSS = SupervisorScreen.DEFAULT_CSS + """
    OperatorsScreen #operator-form { height: auto; }
    OperatorsScreen #operator-form Input, OperatorsScreen #operator-form Select { width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "add", N_("Add"), key_display="F5"),
        Binding("f6", "password", N_("Set password"), key_display="F6"),
        Binding("f7", "unlock", N_("Unlock"), key_display="F7"),
        Binding("f8", "toggle_active", N_("In/out of service"), key_display="F8"),
        Binding("escape", "back", N_("Back")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield DataTable(id="operators", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="operator-form"):
            yield Input(placeholder=_("User name"), id="op-username", max_length=32)
            yield Input(placeholder=_("Display name"), id="op-name", max_length=100)
            yield Select([(role_label(r), r.value) for r in Role], value=Role.CLERK.value, allow_blank=False,
                         id="op-role", compact=True)
        with Horizontal(id="operator-form-2"):
            yield Input(placeholder=_("Password (at least 12 characters)"), password=True, id="op-password")
            yield Input(placeholder=_("Reason (out of service, or back)"), id="op-reason", max_length=200)

    def on_mount(self) -> None:
        table = self.query_one("#operators", DataTable)
        for label in (_("User name"), _("Name"), _("Role"), _("In service"), _("Locked until")):
            table.add_column(label)
        self.refresh_list()
        table.focus()

    def refresh_list(self) -> None:
        table = self.query_one("#operators", DataTable)
        table.clear()
        try:
            listed = supervision.operators_overview(self.desk, self.actor)
        except (DomainError, ServiceError) as error:
            self.say(error.message)
            return
        now = self.desk.now()
        for op in listed:
            locked = local_time(op.locked_until, self.desk.tz) if op.locked_until and op.locked_until > now else ""
            table.add_row(op.username, op.display_name, role_label(op.role), _("yes") if op.active else _("no"),
                          locked, key=op.username)

    def selected(self) -> str | None:
        table = self.query_one("#operators", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def _do(self, call: Callable[[], object], done: str) -> None:
        try:
            call()
        except (DomainError, ServiceError) as error:
            self.say(error.message)
            return
        self.query_one("#op-password", Input).value = ""
        self.query_one("#op-reason", Input).value = ""
        self.refresh_list()
        self.say(done, ok=True)

    def action_add(self) -> None:
        username, name = self._value("op-username"), self._value("op-name")
        role = Role(str(self.query_one("#op-role", Select).value))
        self._do(lambda: operators.add_operator(self.desk, self.actor, username, name, role,
                                                self._value("op-password")),
                 _("Operator {u} added.").format(u=username.strip().lower()))

    def action_password(self) -> None:
        username = self.selected()
        if username is not None:
            self._do(lambda: operators.change_password(self.desk, self.actor, username, self._value("op-password")),
                     _("Password of {u} changed.").format(u=username))

    def action_unlock(self) -> None:
        username = self.selected()
        if username is not None:
            self._do(lambda: operators.unlock(self.desk, self.actor, username),
                     _("Operator {u} unlocked.").format(u=username))

    def action_toggle_active(self) -> None:
        username = self.selected()
        if username is None:
            return
        current = next((op for op in operators.list_operators(self.desk) if op.username == username), None)
        if current is None:
            return
        reason = self._value("op-reason")
        if current.active:
            self._do(lambda: supervision.deactivate(self.desk, self.actor, username, reason),
                     _("{u} is out of service.").format(u=username))
        else:
            self._do(lambda: supervision.reactivate(self.desk, self.actor, username, reason),
                     _("{u} is back in service.").format(u=username))
