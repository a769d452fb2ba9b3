"""The supervisor's stock screen: the stock count, a manifest imported (its path typed, the progress shown, a
bad line refused with its line number), the open batches, each card of the selected batch scanned in by
putting it into the reader (its chip compared with its manifest line by the service), the batch's
discrepancies resolved with a reason, and the batch closed with its stock receipt. Rules and the store stay
in the services; the screen asks them in thread workers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, ProgressBar

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.stock import StockFigure, StockStatus
from outlet_desk.i18n import N_, _
from outlet_desk.reader.card_data import CardData
from outlet_desk.screens.flow_support import ChipGone, ChipRead, show_receipt
from outlet_desk.screens.supervision_base import SupervisorScreen
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.manifest_file import read_manifest
from outlet_desk.services.receipts import ReceiptData
from outlet_desk.services.stock_batches import (
    BatchView,
    OpenBatch,
    batch_view,
    close_batch,
    open_batches,
    resolve_discrepancy,
)
from outlet_desk.services.stock_count import stock_count
from outlet_desk.services.stock_import import import_manifest
from outlet_desk.services.stock_scan import scan_in
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.table_columns import add_keyed_columns

REFUSED = (DomainError, ServiceError)


class StockScreen(SupervisorScreen):
    TITLE_MSGID = N_("Card stock")
    MAIN_ACTION = "close_batch"
    DEFAULT_CSS = SupervisorScreen.DEFAULT_CSS + """
    StockScreen #stock-count { height: auto; padding: 0 1; }
    StockScreen #import-progress { height: 1; padding: 0 1; display: none; }
    StockScreen #import-progress.running { display: block; }
    StockScreen #batches { height: 5; }
    StockScreen #batch-detail { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "close_batch", N_("Close the batch"), priority=True),
        Binding("ctrl+o", "to_manifest", N_("Import a manifest")),
        Binding("escape", "back", N_("Back")),
    ]

    takes_cards = True
    """Each card put into the reader here is scanned in to the selected batch (the app hands it over)."""

    def awaited_card_number(self) -> str:
        return ""  # no one card: any card goes through the blocked-card check first, then comes here

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self._batches: list[OpenBatch] = []
        self._view: BatchView | None = None
        """The selected batch, as last read."""
        self._wanted: int | None = None
        """The batch to select at the next reading (the one just imported)."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="stock-count")
        yield Input(placeholder=_("Manifest file (.csv or .json): type its path, Enter imports it"), id="manifest")
        yield ProgressBar(id="import-progress", show_eta=False)
        yield DataTable(id="batches", cursor_type="row", zebra_stripes=True)
        yield Static("", id="batch-detail")
        yield DataTable(id="discrepancies", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder=_("Reason: what was done with the selected discrepancy (Enter resolves it)"),
                    id="resolve-reason")

    def on_mount(self) -> None:
        add_keyed_columns(self.query_one("#batches", DataTable), (
            (_("Batch"), "batch"), (_("Cards"), "lines"), (_("Scanned in"), "scanned"),
            (_("Not accounted for"), "open"), (_("Announced"), "at")))
        add_keyed_columns(self.query_one("#discrepancies", DataTable), (
            (_("No."), "id"), (_("Discrepancy"), "kind"), (_("Line"), "line"), (_("Card"), "card"),
            (_("Note"), "note")))
        self.query_one("#batches", DataTable).focus()
        self.say(_("Select a batch and put each of its cards into the reader to scan it in."), ok=True)
        self.read_again()

    # -- reading -----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="stock-read")
    def read_again(self, said: str = "", ok: bool = True) -> None:
        """The count, the open batches and the selected batch read again off the UI thread; ``said`` is what
        was just done, kept in sight."""
        try:
            counts = stock_count(self.desk, self.desk.outlet_code)
            batches = open_batches(self.desk)
            chosen = self._chosen_id(batches)
            view = batch_view(self.desk, chosen) if chosen is not None else None
        except REFUSED as error:
            self.app.call_from_thread(self.say, error.message)
            return
        figures = counts[0].figures if counts else {}
        line = "  ".join(_("{figure}: {n}").format(figure=f.label, n=figures.get(f, 0)) for f in StockFigure)
        self.app.call_from_thread(self._show, line, batches, view, said, ok)
        self._wanted = None

    def _chosen_id(self, batches: list[OpenBatch]) -> int | None:
        ids = [b.batch_id for b in batches]
        current = self._view.batch_id if self._view is not None else None
        for batch_id in (self._wanted, current):
            if batch_id in ids:
                return batch_id
        return ids[0] if ids else None

    def _show(self, count_line: str, batches: list[OpenBatch], view: BatchView | None, said: str, ok: bool) -> None:
        self.query_one("#stock-count", Static).update(_("Stock: {figures}").format(figures=count_line))
        self._batches, self._view = batches, view
        table = self.query_one("#batches", DataTable)
        with self.prevent(DataTable.RowHighlighted):
            table.clear()
            for b in batches:
                table.add_row(b.batch_number, str(b.lines), str(b.scanned), str(b.open_lines),
                              b.received_at.strftime("%Y-%m-%d %H:%M"), key=str(b.batch_id))
            if view is not None:
                table.move_cursor(row=[b.batch_id for b in batches].index(view.batch_id))
        self._show_batch(view)
        if said:
            self.say(said, ok=ok)
        elif not batches:
            self.say(_("No batch is open: type a manifest's path above and press Enter to import it."), ok=True)

    def _show_batch(self, view: BatchView | None) -> None:
        """The selected batch's lines by status, and its discrepancies to resolve (nothing without a batch)."""
        table = self.query_one("#discrepancies", DataTable)
        table.clear()
        self.query_one("#batch-detail", Static).update(self._batch_words(view) if view is not None else "")
        for d in view.discrepancies if view is not None else ():
            table.add_row(str(d.item_id), d.kind.label, str(d.line_no or ""), d.card_number, d.note,
                          key=str(d.item_id))

    @staticmethod
    def _batch_words(view: BatchView) -> str:
        by_status = ", ".join(f"{StockStatus.label_of(st)} {n}" for st, n in sorted(view.by_status.items()))
        return _("Batch {batch}: {n} lines ({statuses}). Discrepancies: {d}.").format(
            batch=view.batch_number, n=view.lines, statuses=by_status, d=len(view.discrepancies))

    @on(DataTable.RowHighlighted, "#batches")
    def _batch_moved(self, event: DataTable.RowHighlighted) -> None:
        chosen = int(str(event.row_key.value))
        if self._view is None or self._view.batch_id != chosen:
            self._read_batch(chosen)

    @work(thread=True, exclusive=True, group="stock-batch")
    def _read_batch(self, batch_id: int) -> None:
        try:
            view = batch_view(self.desk, batch_id)
        except REFUSED as error:
            self.app.call_from_thread(self.say, error.message)
            return
        self.app.call_from_thread(self._batch_read, view)

    def _batch_read(self, view: BatchView) -> None:
        self._view = view
        self._show_batch(view)

    # -- import ------------------------------------------------------------------------------------
    def action_to_manifest(self) -> None:
        self.query_one("#manifest", Input).focus()

    @on(Input.Submitted, "#manifest")
    def _import_asked(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.say(_("Type the path of the manifest file first."))
            return
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("running")
        self.say(_("Checking and recording the manifest"), ok=True)
        self._import(Path(path).expanduser())

    @work(thread=True, exclusive=True, group="stock-import")
    def _import(self, path: Path) -> None:
        bar = self.query_one("#import-progress", ProgressBar)

        def moved(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total, progress=done)

        try:
            manifest = read_manifest(path, self.desk.local_now().date())
            done = import_manifest(self.desk, self.actor, manifest, moved)
        except REFUSED as error:
            self.app.call_from_thread(self._imported, None, error.message)
            return
        said = _("Batch {batch} announced: {n} cards, {r} of them for a reissue request waiting. Put each card "
                 "into the reader to scan it in.").format(batch=done.batch_number, n=done.lines, r=done.with_request)
        self.app.call_from_thread(self._imported, done.batch_id, said)

    def _imported(self, batch_id: int | None, said: str) -> None:
        self.query_one("#import-progress", ProgressBar).remove_class("running")
        if batch_id is None:
            self.say(said)
            self.query_one("#manifest", Input).focus()
            return
        self.query_one("#manifest", Input).value = ""
        self._wanted = batch_id  # the batch just imported is the one to scan in
        self.query_one("#batches", DataTable).focus()
        self.read_again(said)

    # -- scan-in -----------------------------------------------------------------------------------
    def on_chip_read(self, message: ChipRead) -> None:
        if self._view is None:
            self.say(_("No batch is open to scan card {card} into: import its manifest first.").format(
                card=message.card.card_number))
            return
        self.say(_("Reading card {card}…").format(card=message.card.card_number), ok=True)
        self._scan(self._view.batch_id, message.card)

    def on_chip_gone(self, _message: ChipGone) -> None:
        """The card taken out: nothing to do (each card is scanned once, when it goes in)."""

    @work(thread=True, group="stock-scan")
    def _scan(self, batch_id: int, chip: CardData) -> None:
        try:
            result = scan_in(self.desk, self.actor, batch_id, chip)
        except REFUSED as error:
            self.app.call_from_thread(self.read_again, error.message, False)
            return
        self.app.call_from_thread(self.read_again, result.message(), result.outcome is StockStatus.RECEIVED)

    # -- discrepancies and the close ---------------------------------------------------------------
    @on(DataTable.RowSelected, "#discrepancies")
    def _to_reason(self) -> None:
        self.query_one("#resolve-reason", Input).focus()

    @on(Input.Submitted, "#resolve-reason")
    def _resolve_asked(self, event: Input.Submitted) -> None:
        table = self.query_one("#discrepancies", DataTable)
        if table.row_count == 0:
            self.say(_("The batch has no discrepancy to resolve."))
            return
        item_id = int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
        self._resolve(item_id, event.value)

    @work(thread=True, exclusive=True, group="stock-resolve")
    def _resolve(self, item_id: int, reason: str) -> None:
        try:
            status = resolve_discrepancy(self.desk, self.actor, item_id, reason)
        except REFUSED as error:
            self.app.call_from_thread(self.say, error.message)
            return
        self.app.call_from_thread(self._resolved, _("Stock line {id}: {status}.").format(id=item_id,
                                                                                         status=status.label))

    def _resolved(self, said: str) -> None:
        self.query_one("#resolve-reason", Input).value = ""
        self.query_one("#discrepancies", DataTable).focus()
        self.read_again(said)

    def action_close_batch(self) -> None:
        if self._view is None:
            self.say(_("No batch is open."))
            return
        self._close(self._view.batch_id)

    @work(thread=True, exclusive=True, group="stock-close")
    def _close(self, batch_id: int) -> None:
        try:
            receipt = close_batch(self.desk, self.actor, batch_id)
        except REFUSED as error:
            self.app.call_from_thread(self.say, error.message)
            return
        said = _("Batch {batch} closed; stock receipt {code}.").format(batch=receipt.batch_number, code=receipt.code)
        self.app.call_from_thread(self._batch_closed, receipt, said)

    def _batch_closed(self, receipt: ReceiptData, said: str) -> None:
        self._view = None
        self.read_again(said)
        show_receipt(self.app, receipt, said)
