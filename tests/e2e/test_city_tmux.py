"""The city report screen in a real terminal, by keyboard alone: a city supervisor signs in at the desk of
the outlet they are bound to, F8 shows the city's outlets with the city's total, [ goes a day back; then
the command line's JSON city report gives the same figures as the screen's total row. A province supervisor
goes on with P to the province report, whose city row and total equal the command line's province JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.cli import app as cli
from outlet_desk.config import load_settings
from outlet_desk.domain.roles import Role
from outlet_desk.i18n import set_language
from outlet_desk.services import demo, operators
from outlet_desk.services.bootstrap import open_desk
from tests.e2e.test_journey_tmux import ROOT, Terminal, tmux, wait_until_open  # noqa: F401

pytestmark = pytest.mark.slow

PW = "correct horse battery"


def _desk_with(start: Callable[[str, str], Terminal], tmp_path: Path, name: str, username: str,
               role: Role) -> tuple[Terminal, Path]:
    """The training desk running in tmux, with an operator of ``role`` added by the administrator."""
    set_language("en")
    config = tmp_path / "outlet.toml"
    text = (ROOT / "outlet.toml").read_text(encoding="utf-8").replace('language = "zh_CN"', 'language = "en"')
    config.write_text(text.replace('mode = "pcsc"', 'mode = "virtual"'), encoding="utf-8")
    term = start(name, f"cd {ROOT} && {sys.executable} -m outlet_desk --config {config}; sleep 60")
    wait_until_open(term)  # the training outlet is seeded at its first start
    desk = open_desk(load_settings(config))
    admin = operators.authenticate(desk, "admin", demo.training_password("admin"))
    operators.add_operator(desk, admin, username, username.title(), role, PW)
    desk.engine.dispose()
    term.type(username)
    term.keys("Enter")
    term.type(PW)
    term.keys("Enter", pause=1.5)
    term.wait_for("F8 City")
    return term, config


def _cli_totals(config: Path, username: str, *args: str) -> list[str]:
    """The report's totals from the command line's JSON, in the table's order."""
    result = CliRunner().invoke(cli, ["--config", str(config), "report", *args, "--format", "json"],
                                env={"OUTLET_DESK_USER": username, "OUTLET_DESK_PASSWORD": PW})
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)["totals"]
    return [str(totals["loss_reports"]), str(totals["reissues"]), str(totals["collections"]),
            totals["fees_taken_yuan"], totals["fees_waived_yuan"], str(totals["uncollected"]),
            str(totals["pending_temporary_losses"]), str(totals["disagreements"])]


def test_the_city_report_by_keyboard(tmux: Callable[[str, str], Terminal], tmp_path: Path) -> None:  # noqa: F811
    term, config = _desk_with(tmux, tmp_path, "city-report", "citychief", Role.CITY_SUPERVISOR)
    term.keys("F8", pause=1.0)
    screen = term.wait_for("City report 1101", "Total", "day open; audit chain intact, verified now.")
    assert "Province" not in screen  # P is the province's role's
    total = next(line.split() for line in screen.splitlines() if line.strip().startswith("Total"))
    today = next(line for line in screen.splitlines() if "City report 1101" in line and "," in line).split(", ")[-1]
    term.keys("[", pause=1.0)
    term.wait_for("City report 1101")
    assert today.strip() not in term.screen().split("City report 1101")[-1].splitlines()[0]  # a day back

    assert total[1:] == _cli_totals(config, "citychief", "city", "--date", today.strip())


def test_the_province_report_by_keyboard(tmux: Callable[[str, str], Terminal], tmp_path: Path) -> None:  # noqa: F811
    term, config = _desk_with(tmux, tmp_path, "province-report", "provchief", Role.PROVINCE_SUPERVISOR)
    term.keys("F8", pause=1.0)
    term.wait_for("City report 1101", "p Province")
    term.keys("p", pause=1.0)
    screen = term.wait_for("Province report 11", "Total", "1 city; every figure agrees with the tables.")
    [city] = [line.split() for line in screen.splitlines() if line.strip().startswith("1101")]
    total = next(line.split() for line in screen.splitlines() if line.strip().startswith("Total"))
    assert city[-8:] == total[-8:] == _cli_totals(config, "provchief", "province")
    term.keys("Escape", pause=1.0)
    term.wait_for("City report 1101")
