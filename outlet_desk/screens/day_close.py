"""Closing the day: the open items are listed; Ctrl+S closes (with the reason typed here when items
remain) and shows where the day's report was written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.stock import StockFigure
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.supervision_base import CoSigner, DayScreen
from outlet_desk.services.context import Actor
from outlet_desk.services.day_close import Blocker, CloseResult, LapsingLoss, OpenItems, close_day, open_items
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.stock_count_entry import StockCountEntry


class BlockersLoaded(Answer[OpenItems]):
    """The day's open items (no blockers: the day closes), or why they could not be listed."""


class Closed(Answer[CloseResult]):
    """The day was closed, with where its report was written; or why not."""


class DayCloseScreen(DayScreen):
    TITLE_MSGID = N_("Close the day")
    MAIN_ACTION = "close_day"
    DEFAULT_CSS = DayScreen.DEFAULT_CSS + """
    DayCloseScreen #items { height: 1fr; padding: 0 1; }
    DayCloseScreen #result { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "close_day", N_("Close the day"), priority=True),
        Binding("escape", "back", N_("Back")),
    ]

    items: tuple[Blocker, ...] | None = None
    """The open items, once listed."""
    result: CloseResult | None = None
    """The closing, once done."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Checking the day {day}…").format(day=self.day.isoformat()), id="items")
        yield Input(placeholder=_("Reason for closing with open items"), id="reason")
        yield CoSigner()
        yield StockCountEntry(self.desk)
        yield Static("", id="result")

    def on_mount(self) -> None:
        self.check()

    @work(thread=True, exclusive=True)
    def check(self) -> None:
        try:
            self.post_message(BlockersLoaded(open_items(self.desk, self.day)))
        except (DomainError, ServiceError) as error:
            self.post_message(BlockersLoaded(None, error.message))

    def on_blockers_loaded(self, message: BlockersLoaded) -> None:
        text = self.query_one("#items", Static)
        if message.value is None:
            text.update(message.problem)
            return
        self.items = message.value.blockers
        lapsing = self._lapsing_lines(message.value.lapsing)
        if self.items:
            text.update("\n".join([_("Open items on {day}:").format(day=self.day.isoformat()),
                                   *(f"- {b.message}" for b in self.items),
                                   _("Resolve them, or give the reason for closing anyway."), *lapsing]))
            self.query_one("#reason", Input).focus()
        else:
            text.update("\n".join([
                _("Nothing is open on {day}: Ctrl+S closes the day.").format(day=self.day.isoformat()), *lapsing]))

    def _lapsing_lines(self, lapsing: tuple[LapsingLoss, ...]) -> list[str]:
        """The temporary losses lapsing tomorrow: listed for the next day's counter, not a reason to wait."""
        if not lapsing:
            return []
        return [_("Temporary losses lapsing tomorrow (for information; the day closes all the same):"),
                *(f"- {x.card_number} {x.masked_name} {local_time(x.lapses_at, self.desk.tz)}" for x in lapsing)]

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_close_day()

    def action_close_day(self) -> None:
        if self.result is not None:
            self.say(_("The day is closed."), ok=True)
            return
        stock = self.query_one(StockCountEntry)
        try:
            counted = stock.counted()
            co_signer = self.query_one(CoSigner).actor(self.desk)
        except (DomainError, ServiceError) as error:
            self.say(error.message)
            return
        self.say(_("Closing the day: verifying the audit chain and writing the report…"), ok=True)
        self.close(self.query_one("#reason", Input).value, co_signer, counted, stock.reason())

    @work(thread=True, exclusive=True, group="close")
    def close(self, reason: str, co_signer: Actor | None, counted: dict[StockFigure, int] | None = None,
              stock_reason: str = "") -> None:
        """The close verifies the whole chain and writes the PDF: seconds on a large store, off the UI."""
        try:
            self.post_message(Closed(close_day(self.desk, self.actor, self.day, reason=reason, co_signer=co_signer,
                                               stock_counted=counted, stock_reason=stock_reason)))
        except (DomainError, ServiceError) as error:
            self.post_message(Closed(None, error.message))
        except FileNotFoundError as missing:  # the CJK font: the close is recorded, the PDF is not
            self.post_message(Closed(None, str(missing)))

    def on_closed(self, message: Closed) -> None:
        if message.value is None:
            self.say(message.problem)
            return
        self.result = message.value
        self.query_one("#result", Static).update(_("Report written: {pdf}\nand {csv}").format(
            pdf=self.result.pdf_path, csv=self.result.csv_path))
        self.say(_("Day {day} closed.").format(day=self.day.isoformat()), ok=True)
