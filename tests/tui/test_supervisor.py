"""The supervisor's screens mounted on a minimal App (the desk app wires them in): the report shows the
very figures of the JSON report, cash-up signs a count, the day close refuses without a reason and
then closes, and the supervisor's home decides approvals and opens the other screens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static
from typer.testing import CliRunner

from benchmarks.activity import Activity, desk_for, drive_days
from outlet_desk.cli import app as cli
from outlet_desk.i18n import Language, set_language
from outlet_desk.screens.cashup import CashUpScreen
from outlet_desk.screens.day_close import DayCloseScreen
from outlet_desk.screens.report import ReportScreen
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.services.approvals import decisions
from outlet_desk.services.cashup import cash_lines
from outlet_desk.services.day_close import day_is_closed
from outlet_desk.services.report_export import shown
from tests.tui.conftest import settle, type_text

FIRST = date(2026, 10, 1)


class Host(App[None]):
    """A minimal app that shows one screen."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


@pytest.fixture
def act(tmp_path: Path) -> Iterator[Activity]:
    set_language("en")
    desk = desk_for(f"sqlite:///{tmp_path}/outlet.db", tmp_path)
    activity = drive_days(desk, FIRST, 1)  # one day: payments, so cash to count
    yield activity
    desk.engine.dispose()


def json_figures(config: Path, day: date) -> dict[str, Any]:
    """The CLI's JSON report flattened to the screen's figure keys."""
    import json

    result = CliRunner().invoke(cli, ["--config", str(config), "report", "daily", "--date", day.isoformat(),
                                      "--format", "json", "--no-verify"],
                           env={"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    flat: dict[str, Any] = {f"loss_reports.{k}": v for k, v in data["loss_reports"].items()}
    flat |= {f"reissues.{k}": v for k, v in data["reissues"]["by_reason"].items()}
    flat["reissues.total"] = data["reissues"]["total"]
    flat |= {f"collections.{k}": v for k, v in data["collections"].items()}
    flat |= {k: data[k] for k in ("chip_check_failures", "blocked_cards_presented", "spoiled_cards",
                                      "pending_temporary_losses")}
    flat |= {"fees.taken_fen": data["fees"]["taken_fen"], "fees.waived_fen": data["fees"]["waived_fen"]}
    flat |= {f"fees.{method}_fen": fen for method, fen in data["fees"]["by_method_fen"].items()}
    for c in data["clerks"]:
        flat[f"clerks.{c['username']}.transactions"] = c["transactions"]
        flat[f"clerks.{c['username']}.avg_handling_seconds"] = c["avg_handling_seconds"]
    flat |= {f"uncollected.{k}": v for k, v in data["uncollected_cards"].items()}
    flat |= data["counter_services"]
    flat["trend"] = data["trend"]["transactions"]
    return flat


async def test_report_screen_shows_the_json_figures_and_the_trend(act: Activity) -> None:
    day = act.days[-1]
    screen = ReportScreen(act.desk, act.actors["super1"], day)
    async with Host(screen).run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        expected = json_figures(act.desk.settings.config_path, day)
        trend = expected.pop("trend")
        assert screen.figures_shown() == {k: shown(k, v) for k, v in expected.items()}
        assert list(screen.query_one("#trend", Sparkline).data or []) == trend
        assert "intact" in str(screen.query_one("#summary", Static).render())
        assert "All checks passed" in str(screen.query_one("#message", Static).render())
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.report is not None and screen.report.day == date(2026, 9, 30)
        assert "2026-09-30" in str(screen.query_one("#heading", Static).render())
        assert screen.report.reissues_total == 0


async def test_cash_up_screen_refuses_a_bad_amount_and_signs_the_count(act: Activity) -> None:
    screen = CashUpScreen(act.desk, act.actors["super1"], act.days[-1])
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = [line for line in cash_lines(act.desk, act.days[-1]) if line.payments]
        assert screen.query_one("#cash", DataTable).row_count == len(cash_lines(act.desk, act.days[-1])) > 0
        first = lines[0]
        screen.query_one("#cash", DataTable).move_cursor(row=screen.lines.index(first))
        await pilot.press("enter")  # to the amount
        await type_text(pilot, "12x")
        await pilot.press("enter")
        assert "not an amount" in str(screen.query_one("#message", Static).render())
        await pilot.press("backspace", "backspace", "backspace")
        await type_text(pilot, f"{first.expected_fen // 100}.{first.expected_fen % 100:02d}")
        await pilot.press("ctrl+s")
        assert "signed" in str(screen.query_one("#message", Static).render())
        signed = {x.username: x for x in cash_lines(act.desk, act.days[-1])}[first.username]
        assert signed.counted and signed.difference_fen == 0 and signed.supervisor == "super1"


@pytest.mark.parametrize(("language", "not_cash"), [("en", "(not cash)"), ("zh_CN", "不计入现金")])
async def test_cash_up_counts_the_cash_and_lists_the_electronic_payments_by_reference(
        act: Activity, language: Language, not_cash: str) -> None:
    set_language(language)
    day = act.days[-1]
    line = next(x for x in cash_lines(act.desk, day) if x.electronic and x.expected_fen)  # a day of mixed methods
    screen = CashUpScreen(act.desk, act.actors["super1"], day)
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen.query_one("#cash", DataTable).move_cursor(row=screen.lines.index(line))
        await settle(pilot)
        listed = screen.query_one("#electronic", DataTable)
        references = [str(listed.get_row_at(i)[2]) for i in range(listed.row_count)]
        assert references == [p.reference for p in line.electronic] and all(references)
        assert not_cash in str(screen.query_one("#electronic-title", Static).render())
        await pilot.press("enter")  # to the amount: the cash alone, the electronic payments are not in the drawer
        await type_text(pilot, f"{line.expected_fen // 100}.{line.expected_fen % 100:02d}")
        await pilot.press("ctrl+s")
        await settle(pilot)
    signed = {x.username: x for x in cash_lines(act.desk, day)}[line.username]
    assert signed.counted and signed.difference_fen == 0 and signed.electronic == line.electronic


async def test_day_close_screen_lists_open_items_and_closes_with_a_reason(act: Activity) -> None:
    screen = DayCloseScreen(act.desk, act.actors["super1"])
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "is not counted" in str(screen.query_one("#items", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot be closed yet" in str(screen.query_one("#message", Static).render())
        assert not day_is_closed(act.desk, act.days[-1])
        screen.query_one("#reason").focus()
        await type_text(pilot, "counted tomorrow morning")
        await pilot.press("enter")
        await settle(pilot)
        assert day_is_closed(act.desk, act.days[-1])
        assert screen.result is not None and screen.result.pdf_path.exists()
        assert str(screen.result.pdf_path) in str(screen.query_one("#result", Static).render())


async def test_supervisor_home_decides_approvals_and_opens_the_report(act: Activity) -> None:
    asked = decisions.request_approval(act.desk, act.actors["clerk1"], "spoil_card", "card", 1, "chip cracked")
    screen = SupervisorHomeScreen(act.desk, act.actors["super1"])
    async with Host(screen).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Approvals waiting: 1" in str(screen.query_one("#overview", Static).render())
        assert screen.query_one("#approvals", DataTable).row_count == 1
        await pilot.press("x")
        assert "why" in str(screen.query_one("#message", Static).render())
        assert screen.focused is screen.query_one("#decision-reason")  # the reason is asked for
        await pilot.press("shift+tab")  # back to the list
        await pilot.press("a")
        assert f"Approval {asked.id} approved" in str(screen.query_one("#message", Static).render())
        assert screen.query_one("#approvals", DataTable).row_count == 0
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReportScreen)
        await pilot.press("escape")
        await pilot.press("c")
        assert isinstance(pilot.app.screen, CashUpScreen)
