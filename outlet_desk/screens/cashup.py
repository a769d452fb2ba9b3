"""Cash-up: each clerk's expected cash for the day beside the count; the supervisor enters the counted
amount (and the reason for any difference) on the selected clerk's line and signs with Ctrl+S. The
selected clerk's electronic payments are listed below with their references, to be reconciled with the
providers' statements: they are never part of the cash."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.fees import format_yuan, parse_yuan
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.supervision_base import CoSigner, DayScreen
from outlet_desk.services.cashup import CashLine, cash_lines, cash_up
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns


class CashUpScreen(DayScreen):
    TITLE_MSGID = N_("Cash-up")
    MAIN_ACTION = "sign"
    DEFAULT_CSS = DayScreen.DEFAULT_CSS + """
    CashUpScreen #electronic-title { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "sign", N_("Sign the count"), priority=True),
        Binding("escape", "back", N_("Back")),
    ]

    def __init__(self, desk: Desk, actor: Actor, day: date | None = None) -> None:
        super().__init__(desk, actor, day)
        self.lines: list[CashLine] = []

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Cash of {day}: select a clerk, enter the counted amount, Ctrl+S signs.").format(
            day=self.day.isoformat()), id="intro")
        yield DataTable(id="cash", cursor_type="row", zebra_stripes=True)
        yield Static("", id="electronic-title")
        yield DataTable(id="electronic", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="row"):
            yield Input(placeholder=_("Counted, yuan"), id="counted")
            yield Input(placeholder=_("Reason for a difference"), id="reason")
        yield CoSigner()

    def on_mount(self) -> None:
        table = self.query_one("#cash", DataTable)
        add_keyed_columns(table, ((_("Clerk"), "clerk"), (_("Cash payments"), "payments"),
                                  (_("Expected"), "expected"), (_("Counted"), "counted"),
                                  (_("Difference"), "difference"), (_("Electronic"), "electronic"),
                                  (_("Signed by"), "signed")))
        add_keyed_columns(self.query_one("#electronic", DataTable), (
            (_("Method"), "method"), (_("Amount"), "amount"), (_("Reference"), "reference"),
            (_("Receipt"), "receipt"), (_("Time"), "time")))
        self.reload()
        table.focus()

    def reload(self) -> None:
        self.lines = cash_lines(self.desk, self.day)
        table = self.query_one("#cash", DataTable)
        table.clear()
        for line in self.lines:
            table.add_row(
                line.username, str(line.cash_payments), format_yuan(line.expected_fen),
                format_yuan(line.counted_fen) if line.counted_fen is not None else "-",
                format_yuan(line.difference_fen) if line.difference_fen is not None else "-",
                _("{n}: {yuan}").format(n=len(line.electronic), yuan=format_yuan(line.electronic_fen)),
                line.supervisor or "-", key=line.username)
        if not self.lines:
            self.say(_("No payments were taken on this day: there is no cash to count."), ok=True)
        self._list_electronic()

    @on(DataTable.RowHighlighted, "#cash")
    def _list_electronic(self) -> None:
        """The selected clerk's electronic payments, each with its reference: a list to reconcile, not cash."""
        line = self.selected()
        payments = line.electronic if line is not None else ()
        title = self.query_one("#electronic-title", Static)
        table = self.query_one("#electronic", DataTable)
        table.clear()
        if line is None:
            title.update("")
            return
        title.update(_("Electronic payments of {u}, to reconcile with the providers' statements (not cash): "
                       "{n}, {yuan} yuan").format(u=line.username, n=len(payments),
                                                  yuan=format_yuan(line.electronic_fen)))
        for p in payments:
            table.add_row(p.method.label, format_yuan(p.amount_fen), p.reference or "-", p.receipt_number,
                          local_time(p.paid_at, self.desk.tz))

    def selected(self) -> CashLine | None:
        table = self.query_one("#cash", DataTable)
        if not self.lines or table.cursor_row < 0:
            return None
        return self.lines[min(table.cursor_row, len(self.lines) - 1)]

    @on(DataTable.RowSelected, "#cash")
    def _to_amount(self) -> None:
        self.query_one("#counted", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_sign()

    def action_sign(self) -> None:
        line = self.selected()
        if line is None:
            self.say(_("Select a clerk's line first."))
            return
        try:
            counted = parse_yuan(self.query_one("#counted", Input).value)
            co_signer = self.query_one(CoSigner).actor(self.desk)
            signed = cash_up(self.desk, self.actor, line.username, counted, day=self.day,
                             reason=self.query_one("#reason", Input).value, co_signer=co_signer)
        except (DomainError, ServiceError) as error:
            self.say(error.message)
            return
        for name in ("#counted", "#reason"):
            self.query_one(name, Input).value = ""
        self.reload()
        self.say(_("Cash of {u} signed: counted {counted}, difference {diff} yuan.").format(
            u=signed.username, counted=format_yuan(counted), diff=format_yuan(signed.difference_fen or 0)), ok=True)
        self.query_one("#cash", DataTable).focus()
