"""Search: one input for a citizen number, a card number or a name (prefix)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.card_lifecycle import status_label
from outlet_desk.domain.citizen_id import Gender
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.search_query import is_exact_number, query_problem_so_far, ready_to_search
from outlet_desk.domain.text import visible
from outlet_desk.i18n import N_, _, ngettext
from outlet_desk.screens.base import DeskScreen
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.persons import SEARCH_LIMIT, PersonSummary, find_persons
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import cells_left, shorten


class SearchDone(Message):
    def __init__(self, query: str, results: list[PersonSummary] | None, error: str = "",
                 seconds: float = 0.0) -> None:
        super().__init__()
        self.query = query
        self.results = results
        self.error = error
        self.seconds = seconds


class SearchScreen(DeskScreen):
    TITLE_MSGID = N_("Search")
    SHOW_FOOTER = False
    CSS_PATH = "search.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "results", N_("Results"), show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.last_query = ""
        self.enter_pending = False  # Enter pressed before this query's results came: act on them when they do

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Citizen number, card number or name:"), classes="hint", id="search-label")
        yield Input(id="query", placeholder=_("e.g. 11010519491231002X, A12345678 or 王"), max_length=40)
        yield Static("", id="search-problem", classes="problem")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="search-count", classes="hint")

    @staticmethod
    def COLUMNS() -> tuple[str, ...]:
        return (_("Citizen number"), _("Name"), _("Gender"), _("Card"), _("Card status"))

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_columns(*self.COLUMNS())
        self.focus_query()

    def focus_query(self, clear: bool = False) -> None:
        """Back to the input; ``clear`` (F2 pressed again) starts a new search."""
        query = self.query_one("#query", Input)
        if clear:
            query.value = ""
        query.focus()

    def action_results(self) -> None:
        self.query_one("#results", DataTable).focus()

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        text = event.value
        self.enter_pending = False  # typing after Enter: the Enter was for the query before
        problem = query_problem_so_far(text, self.desk_app.local_today())
        self.query_one("#search-problem", Static).update(problem or "")
        if problem is None and ready_to_search(text):
            self.search(text)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter on the query: one person found opens the record, several go to the list (Enter there opens
        the highlighted one); a query whose results are not in yet is searched, and Enter acts when they are."""
        if not event.value.strip():
            return
        if event.value == self.last_query:
            self.enter_on_results()
            return
        self.enter_pending = True
        self.search(event.value)

    def enter_on_results(self) -> None:
        table = self.query_one("#results", DataTable)
        if table.row_count == 1:
            self.desk_app.open_person(int(table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value or 0))
        elif table.row_count > 1:
            table.focus()

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str) -> None:
        started = time.perf_counter()
        try:
            found = find_persons(self.desk_app.desk, query)
        except (DomainError, ServiceError) as error:
            self.post_message(SearchDone(query, None, error.message))
            return
        self.post_message(SearchDone(query, found, seconds=time.perf_counter() - started))

    @staticmethod
    def _row(p: PersonSummary) -> tuple[str, ...]:
        """A person's line in the results, as text (no birth date: with the masked number it would narrow the
        citizen number down, docs/data-key.md)."""
        return (p.masked_number, p.name, Gender.label_of(p.gender), p.card_number or "",
                status_label(p.card_status) if p.card_status else _("no card"))

    def on_search_done(self, message: SearchDone) -> None:
        if message.query != self.query_one("#query", Input).value:
            return  # the clerk typed on; a newer search is on its way
        self.last_query = message.query
        table = self.query_one("#results", DataTable)
        # Columns made anew each time; the name column as wide as this list's widest name in terminal cells
        # (a CJK character takes two), so a three-character name is never cut to two.
        table.clear(columns=True)
        labels = self.COLUMNS()
        rows = [self._row(p) for p in message.results or ()]
        names = [visible(row[1]) for row in rows]
        for i, label in enumerate(labels):
            width = max([cell_len(label), *(cell_len(n) for n in names)]) if i == 1 else None
            table.add_column(label, width=width)
        # The card status takes what is left of the width (cut with "…" on a narrow terminal: the record says it)
        status_cells = cells_left(
            table, [[label, *(visible(row[i]) for row in rows)] for i, label in enumerate(labels[:-1])])
        count = self.query_one("#search-count", Static)
        if message.results is None:
            self.enter_pending = False
            self.query_one("#search-problem", Static).update(message.error)
            count.update("")
            return
        self.query_one("#search-problem", Static).update("")
        for p in message.results:
            *cells, status = self._row(p)
            table.add_row(*cells, shorten(status, status_cells), key=str(p.id))
        n = len(message.results)
        text = ngettext("{n} person found", "{n} persons found", n).format(n=n)
        if n >= SEARCH_LIMIT:
            text += " " + _("(the first {n}; type more of the name)").format(n=SEARCH_LIMIT)
        if n == 1:
            text += "  " + _("Enter: open")
        elif n > 1:
            text += "  " + _("Enter or ↓: choose, then Enter: open")
        count.update(text if n else _("Nobody found for {query}.").format(query=message.query.strip()))
        query = message.query.strip()
        if self.enter_pending:
            self.enter_pending = False
            self.enter_on_results()
        elif n == 1 and is_exact_number(query):
            table.focus()  # an exact number found its one holder: Enter opens the record

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.desk_app.open_person(int(event.row_key.value or 0))
