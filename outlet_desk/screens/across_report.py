"""What the city and the province report screens share: a heading, a table (one row per outlet or city, then
the total), lines under it and the message line, filled by a worker for the day shown (``[ ] t`` move it)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Generic, TypeVar

from textual import work
from textual.binding import BindingType
from textual.widget import Widget

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.supervision_base import DAY_KEYS, DayScreen
from outlet_desk.services.errors import ServiceError
from outlet_desk.widgets.plain import DataTable, Static

R = TypeVar("R")


class AcrossReportLoaded(Answer[object]):
    """The report of the day, or why it could not be made."""


@dataclass(frozen=True)
class AcrossView:
    """A report as the screen shows it."""

    heading: str
    columns: list[str]
    rows: list[list[str]]
    lines: list[str]
    problems: tuple[str, ...]
    all_agree: str
    """The message when every figure agrees."""


class AcrossReportScreen(DayScreen, Generic[R]):
    """A report across outlets for one day; a subclass says how it is made (``make``) and shown (``view``)."""

    TABLE_ID = "across"
    LINES_ID = "lines"
    DEFAULT_CSS = DayScreen.DEFAULT_CSS + """
    AcrossReportScreen #heading { height: 1; padding: 0 1; text-style: bold; }
    AcrossReportScreen .lines { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = DAY_KEYS

    report: R | None = None

    @abstractmethod
    def make(self, day: date) -> R:
        """The report for ``day`` (called off the UI thread)."""

    @abstractmethod
    def view(self, report: R) -> AcrossView:
        """What the screen shows of ``report``."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Loading…"), id="heading")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield Static("", id=self.LINES_ID, classes="lines")

    def on_mount(self) -> None:
        self.load(self.day)

    @work(thread=True, exclusive=True, group="across")
    def load(self, day: date) -> None:
        try:
            self.post_message(AcrossReportLoaded(self.make(day)))
        except (DomainError, ServiceError) as error:
            self.post_message(AcrossReportLoaded(None, error.message))

    def on_across_report_loaded(self, message: AcrossReportLoaded) -> None:
        if message.value is None:
            self.say(message.problem)
            return
        report: R = message.value  # type: ignore[assignment]  # the value this screen's make() returned
        self.report = report
        shown = self.view(report)
        self.query_one("#heading", Static).update(shown.heading)
        table = self.query_one(f"#{self.TABLE_ID}", DataTable)
        if not table.columns:
            table.add_columns(*shown.columns)
        table.clear()
        for row in shown.rows:
            table.add_row(*row)
        self.query_one(f"#{self.LINES_ID}", Static).update("\n".join(shown.lines))
        if shown.problems:
            self.say(" ".join(shown.problems))
        else:
            self.say(shown.all_agree, ok=True)
