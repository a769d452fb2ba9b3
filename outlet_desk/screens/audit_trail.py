"""The audit viewer for supervisors and auditors (``services.audit_trail``): the outlet's events newest first,
filtered by day, operator, action, card or citizen number, a page at a time; the selected event with its
values before and after in words, its seal and the receipt it sealed; the filtered events exported as CSV
and JSON into the reports folder. Text from the events is shown as data, never as markup."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Select

from outlet_desk.domain.audit_actions import AuditAction, SealStatus
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.fees import format_yuan
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.supervision_base import SupervisorScreen
from outlet_desk.services.audit.event_words import entity_words
from outlet_desk.services.audit_trail import PAGE_SIZE, TrailEvent, TrailFilter, TrailPage, all_events, trail_page
from outlet_desk.services.audit_trail_export import change_text, write_export
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns

DAY_INPUTS = ("first-day", "last-day")


class NotADay(ValueError):
    """A day field that is not YYYY-MM-DD."""


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotADay(_("{value} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25.").format(value=text)) from None


class AuditTrailScreen(SupervisorScreen):
    TITLE_MSGID = N_("Audit trail")
    DEFAULT_CSS = SupervisorScreen.DEFAULT_CSS + """
    AuditTrailScreen .filters { height: 1; margin: 0 1; }
    AuditTrailScreen .filters Input { width: 1fr; margin-right: 1; }
    AuditTrailScreen .filters Select { width: 2fr; }
    AuditTrailScreen #event-detail { height: auto; max-height: 8; padding: 0 1; }
    """
    MAIN_ACTION = "filters"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket", "page(1)", N_("Older")),
        Binding("left_square_bracket", "page(-1)", N_("Newer")),
        Binding("f", "filters", N_("Filter")),
        Binding("e", "export", N_("Export")),
        Binding("escape", "back", N_("Back")),
    ]

    def __init__(self, desk: Desk, actor: Actor, page_size: int = PAGE_SIZE) -> None:
        super().__init__(desk, actor)
        self.page_size = page_size
        self._pages: list[int | None] = [None]
        """The ``before_seq`` of each page read so far (the newest first): the last is the one shown."""
        self._older: int | None = None
        self._events: dict[int, TrailEvent] = {}
        self._filter = TrailFilter()

    def compose_body(self) -> Iterable[Widget]:
        today = self.desk.local_now().date().isoformat()
        with Horizontal(classes="filters"):
            yield Input(today, placeholder=_("From (YYYY-MM-DD)"), id="first-day", compact=True)
            yield Input(today, placeholder=_("To (YYYY-MM-DD)"), id="last-day", compact=True)
            yield Input(placeholder=_("Operator"), id="operator", compact=True)
            yield Select([(a.label, a.value) for a in AuditAction], prompt=_("Any action"), id="action",
                         compact=True)
        with Horizontal(classes="filters"):
            yield Input(placeholder=_("Card number"), id="card", compact=True)
            yield Input(placeholder=_("Citizen number (audited)"), id="citizen", compact=True)
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Static("", id="event-detail")

    def on_mount(self) -> None:
        add_keyed_columns(self.query_one("#events", DataTable), (
            (_("No."), "seq"), (_("Time"), "at"), (_("Operator"), "operator"), (_("Action"), "action"),
            (_("Seal"), "seal"), (_("Receipt"), "receipt")))
        self._apply()

    def _wanted(self) -> TrailFilter:
        value = self.query_one("#action", Select).value
        return TrailFilter(
            first_day=_day(self.query_one("#first-day", Input).value),
            last_day=_day(self.query_one("#last-day", Input).value),
            operator=self.query_one("#operator", Input).value, action=AuditAction(value) if isinstance(value, str)
            else None, card_number=self.query_one("#card", Input).value,
            citizen_number=self.query_one("#citizen", Input).value)

    @on(Input.Submitted)
    @on(Select.Changed)
    def _apply(self) -> None:
        """Read the filters and show the newest page they select."""
        try:
            self._filter = self._wanted()
        except NotADay as error:
            self.say(str(error))
            return
        self._pages = [None]
        self._load(self._filter, None)

    def action_page(self, step: int) -> None:
        if step > 0 and self._older is None:
            self.say(_("No older events."))
            return
        if step < 0 and len(self._pages) == 1:
            self.say(_("This is the newest page."))
            return
        if step > 0:
            self._pages.append(self._older)
        else:
            self._pages.pop()
        self._load(self._filter, self._pages[-1])

    def action_filters(self) -> None:
        self.query_one("#first-day", Input).focus()

    @work(thread=True, exclusive=True, group="trail")
    def _load(self, wanted: TrailFilter, before: int | None) -> None:
        try:
            page = trail_page(self.desk, self.actor, wanted, before_seq=before, size=self.page_size)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.say, error.message)
            return
        self.app.call_from_thread(self._show, page)

    def _show(self, page: TrailPage) -> None:
        self._older = page.older
        self._events = {e.seq: e for e in page.events}
        table = self.query_one("#events", DataTable)
        table.clear()
        one_day = self._filter.first_day is not None and self._filter.first_day == self._filter.last_day
        for e in page.events:
            at = local_time(e.at, self.desk.tz)
            table.add_row(str(e.seq), at[-5:] if one_day else at, e.operator or "-", e.action_words,
                          SealStatus.label_of(e.seal.status), e.receipt.code if e.receipt else "", key=str(e.seq))
        if not page.events:
            self.say(_("No event matches."))
        elif not page.intact:
            broken = next(e for e in page.events if e.seal.status is SealStatus.BROKEN)
            self.say(_("The seal of event {seq} is broken: {problem}").format(seq=broken.seq,
                                                                              problem=broken.seal.problem))
        else:
            self.say(_("{n} events, page {page}; every seal shown is intact.").format(
                n=len(page.events), page=len(self._pages)), ok=True)
        self._show_detail()

    @on(DataTable.RowHighlighted, "#events")
    def _show_detail(self) -> None:
        table = self.query_one("#events", DataTable)
        event = None
        if table.row_count:
            event = self._events.get(int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)))
        self.query_one("#event-detail", Static).update("" if event is None else self._detail(event))

    def _detail(self, e: TrailEvent) -> str:
        lines = [_("Event {seq}: {action} ({entity} {id})").format(
            seq=e.seq, action=e.action_words, entity=entity_words(e.entity), id=e.entity_id or "-")]
        lines += [change_text(c) for c in e.changes]
        if e.seal.problem:
            lines.append(_("Seal: {problem}").format(problem=e.seal.problem))
        if e.receipt is not None:
            lines.append(_("Receipt {code}: {title}, card {card}, fee {fee}").format(
                code=e.receipt.code, title=e.receipt.title, card=e.receipt.card_number or "-",
                fee=format_yuan(e.receipt.fee_fen)))
        return "\n".join(lines)

    def action_export(self) -> None:
        self._export(self._filter)

    @work(thread=True, exclusive=True, group="export")
    def _export(self, wanted: TrailFilter) -> None:
        stem = "audit-trail-" + self.desk.local_now().strftime("%Y%m%d-%H%M%S")
        try:
            events = list(all_events(self.desk, self.actor, wanted))
            csv_path, json_path = write_export(self.desk.settings.reports_dir(), stem, events, self.desk.tz)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.say, error.message)
            return
        except OSError as error:
            self.app.call_from_thread(self.say, _("The export could not be written: {error}").format(error=error))
            return
        self.app.call_from_thread(self.say, _("{n} events exported to {csv} and {json}").format(
            n=len(events), csv=csv_path, json=json_path), True)
