"""The supervisor's stock screen, by keyboard, in both languages: S on the supervisor's home opens it; a manifest
with a bad line is refused with its line number and nothing recorded; a good one is imported by typing its path;
each card put into the reader (the training reader) is scanned in to the selected batch, a chip that disagrees
listed as a discrepancy; each discrepancy resolved with a reason; Ctrl+S closes the batch with its receipt.
The day close takes the stock counted on the shelf: a count that differs needs its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select
from textual.pilot import Pilot

from outlet_desk.app import DeskApp, make_app
from outlet_desk.db.tables import StockBatch, StockItem
from outlet_desk.i18n import Language, _
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.day_close import DayCloseScreen
from outlet_desk.screens.stock import StockScreen
from outlet_desk.services.context import Desk
from outlet_desk.services.stock_count import stock_count
from outlet_desk.widgets.plain import DataTable
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.services.stock_builders import lines_for, manifest_csv
from tests.tui.conftest import DeskFactory, screen_text, settle, sign_in, static_text, type_text, wait_for


def stored_lines(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return int(s.exec(select(func.count()).select_from(StockItem).where(col(StockItem.blank).is_(False))).one())


async def open_stock(pilot: Pilot[None], app: DeskApp) -> None:
    await sign_in(pilot, "super1")
    await pilot.press("f11")
    await settle(pilot)
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, StockScreen)
                   and _("Stock: {figures}").split("{")[0] in static_text(app, "#stock-count"))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_a_batch_imported_scanned_in_resolved_and_closed_by_keyboard(
        make_desk: DeskFactory, tmp_path: Path, language: Language) -> None:
    desk = make_desk(language)
    lines = lines_for(desk, 3)
    bad = tmp_path / "bad.csv"
    bad.write_text(manifest_csv("B-BAD", lines).replace(lines[1].card_number, "NOT-A-CARD"), encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(manifest_csv("B-GOOD", lines), encoding="utf-8")
    training = TrainingReader()
    app = make_app(desk, reader=SupervisedReader(training, poll_s=0.05))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_stock(pilot, app)
        await pilot.press("ctrl+o")
        await type_text(pilot, str(bad))
        await pilot.press("enter")
        await wait_for(pilot, lambda: _("line {n}: {problem}").format(n=3, problem="")[:6]
                       in static_text(app, "#message"))
        assert stored_lines(desk) == 0  # refused whole: nothing of the batch recorded

        app.screen.query_one("#manifest").value = ""  # type: ignore[attr-defined]
        await type_text(pilot, str(good))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "B-GOOD" in static_text(app, "#batch-detail"))
        assert stored_lines(desk) == 3

        training.insert(VirtualCard(lines[0].chip()))
        await wait_for(pilot, lambda: lines[0].card_number in static_text(app, "#message"))
        training.remove()
        training.insert(VirtualCard(lines[1].chip(name="张冒名")))
        await wait_for(pilot, lambda: app.screen.query_one("#discrepancies", DataTable).row_count == 2)
        training.remove()
        await settle(pilot)
        assert "M70000001" in screen_text(app) and "M70000002" in screen_text(app)  # mismatched, missing

        await pilot.press("tab")  # from the batches to the discrepancies
        for left in (1, 0):
            await pilot.press("enter")
            await type_text(pilot, "sent back")
            await pilot.press("enter")
            await wait_for(pilot, lambda left=left: app.screen.query_one("#discrepancies", DataTable).row_count
                           == left)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, StockScreen))  # the stock receipt is shown
    with Session(desk.engine) as s:
        assert s.exec(select(StockBatch.status).where(col(StockBatch.manifest_ref) == "B-GOOD")).one() == "closed"


async def test_the_day_close_refuses_a_stock_count_that_differs_without_its_reason(desk: Desk) -> None:
    recorded = stock_count(desk, desk.outlet_code)[0].as_dict()
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "super1")
        await pilot.press("f11")
        await settle(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DayCloseScreen)
                       and "Stock on record" in static_text(app, "#stock-recorded"))
        assert f"ready for collection {recorded['ready']}" in static_text(app, "#stock-recorded")
        app.screen.query_one("#stock-ready").value = str(recorded["ready"] + 1)  # type: ignore[attr-defined]
        app.screen.query_one("#reason").value = "closing for the test"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "give the reason" in static_text(app, "#message"))
        assert "The stock counted differs from the record" in static_text(app, "#message")
        app.screen.query_one("#stock-reason").value = "one card on the counter"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "closed" in static_text(app, "#message"), seconds=60)
