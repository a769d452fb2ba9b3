"""The stock counted by hand at the day close: the outlet's count on record (read from the service), a field
for each figure a supervisor can count on the shelf, and the reason when a count differs (the rule is the
service's: ``domain.counted``)."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from outlet_desk.domain.counted import parse_count
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.stock import StockFigure
from outlet_desk.i18n import _
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.stock_count import stock_count
from outlet_desk.widgets.plain import Static


class StockCountEntry(Vertical):
    """The count on record and the fields to count the cards on the shelf (each left empty: not counted)."""

    DEFAULT_CSS = """
    StockCountEntry { height: auto; }
    StockCountEntry #stock-recorded { height: auto; padding: 0 1; }
    StockCountEntry Horizontal { height: auto; }
    """
    COUNTED: ClassVar[tuple[StockFigure, ...]] = (StockFigure.IN_STOCK, StockFigure.READY, StockFigure.BLANK)
    """The figures a supervisor counts on the shelf."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        yield Static(_("Reading the stock count…"), id="stock-recorded")
        with Horizontal():
            for figure in self.COUNTED:
                yield Input(placeholder=figure.label, id=f"stock-{figure.value}")  # the line above says: count
        yield Input(placeholder=_("Reason for a stock count difference"), id="stock-reason")

    def on_mount(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="stock-count")
    def _read(self) -> None:
        try:
            counts = stock_count(self.desk, self.desk.outlet_code)
        except (DomainError, ServiceError) as error:
            self.app.call_from_thread(self.query_one("#stock-recorded", Static).update, error.message)
            return
        figures = counts[0].figures if counts else {}
        text = _("Stock on record: {figures}. Count the cards on the shelf (a field left empty is not "
                 "counted).").format(figures=", ".join(f"{f.label} {figures.get(f, 0)}" for f in StockFigure))
        self.app.call_from_thread(self.query_one("#stock-recorded", Static).update, text)

    def counted(self) -> dict[StockFigure, int]:
        """The figures typed (raises the domain's refusal for one that is not a count)."""
        found = {}
        for figure in self.COUNTED:
            n = parse_count(self.query_one(f"#stock-{figure.value}", Input).value, figure.label)
            if n is not None:
                found[figure] = n
        return found

    def reason(self) -> str:
        return self.query_one("#stock-reason", Input).value
