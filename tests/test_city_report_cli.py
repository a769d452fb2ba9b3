"""``outlet-desk report city``: a city supervisor's report of the outlets of their city, as a table, CSV
(day and city on every row, money in yuan), JSON and PDF (read back with pdftotext; the province report
too); a clerk is refused (exit 2); a broken chain at this desk's outlet is a finding (exit 1)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from outlet_desk.config import load_settings
from outlet_desk.domain.roles import Role
from outlet_desk.services import demo, operators
from outlet_desk.services.bootstrap import open_desk
from tests.cli_outlet import run

pytestmark = pytest.mark.usefixtures("english")

PW = "correct horse battery"
CHIEF = {"OUTLET_DESK_USER": "citychief", "OUTLET_DESK_PASSWORD": PW}


@pytest.fixture
def city_config(config: Path) -> Path:
    """The command-line outlet (CLI001, Beijing Chaoyang), seeded, with a city supervisor bound to it."""
    desk = open_desk(load_settings(config))
    try:
        demo.seed_training(desk, persons=20)
        admin = operators.authenticate(desk, "admin", demo.training_password("admin"))
        operators.add_operator(desk, admin, "citychief", "City chief", Role.CITY_SUPERVISOR, PW)
    finally:
        desk.engine.dispose()
    return config


def test_the_city_report_as_json_csv_and_table(city_config: Path) -> None:
    as_json = run(city_config, "report", "city", "--date", "2026-11-25", "--format", "json", env=CHIEF)
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["city"] == {"code": "1101", "name": "北京市", "province": "北京市"}
    assert [o["code"] for o in data["outlets"]] == ["CLI001"]
    assert data["outlets"][0]["chain"]["verified_here"] is True and data["outlets"][0]["chain"]["intact"] is True
    assert data["totals"]["fees_taken_yuan"] == data["outlets"][0]["figures"]["fees_taken_yuan"]

    as_csv = run(city_config, "report", "city", "--date", "2026-11-25", "--format", "csv", "--bom", env=CHIEF)
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout.removeprefix("\ufeff"))))
    assert [(r["day"], r["city"], r["outlet"]) for r in rows] == [("2026-11-25", "1101", "CLI001"),
                                                                   ("2026-11-25", "1101", "")]
    assert rows[0]["fees_taken_yuan"].count(".") == 1 and len(rows[0]["fees_taken_yuan"].split(".")[1]) == 2

    table = run(city_config, "report", "city", "--date", "2026-11-25", env=CHIEF)
    assert table.exit_code == 0, table.output
    assert "City report 1101 北京市 (北京市), 2026-11-25" in table.stdout
    assert "Total" in table.stdout
    assert "CLI001 CLI test outlet (朝阳区): day open; audit chain intact, verified now." in table.stdout


def test_a_clerk_has_no_city_report(city_config: Path) -> None:
    clerk = {"OUTLET_DESK_USER": "clerk1", "OUTLET_DESK_PASSWORD": demo.training_password("clerk1")}
    refused = run(city_config, "report", "city", env=clerk)
    assert refused.exit_code == 2
    assert "may not view the reports of every outlet of the city" in refused.stderr


def test_a_broken_chain_at_this_desk_is_a_finding(city_config: Path) -> None:
    db = sqlite3.connect(city_config.parent / "data" / "outlet.db")
    with db:
        db.execute("UPDATE audit_event SET entity_id = 'forged' WHERE seq = (SELECT MAX(seq) FROM audit_event)")
    db.close()
    found = run(city_config, "report", "city", "--format", "json", env=CHIEF)
    assert found.exit_code == 1, found.output
    assert "CLI001: the audit chain is broken" in found.stderr
    assert json.loads(found.stdout)["outlets"][0]["chain"]["intact"] is False


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) must be installed under CI")
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


FIGURES = ("loss_reports", "reissues", "collections", "fees_taken_yuan", "fees_waived_yuan", "uncollected",
           "pending_temporary_losses", "disagreements")


def test_the_city_report_as_pdf_reads_back_with_the_tables_figures(city_config: Path, tmp_path: Path) -> None:
    data = json.loads(run(city_config, "report", "city", "--date", "2026-11-25", "--format", "json",
                          env=CHIEF).stdout)
    target = tmp_path / "city.pdf"
    written = run(city_config, "report", "city", "--date", "2026-11-25", "--format", "pdf", "--output",
                  str(target), env=CHIEF)
    assert written.exit_code == 0, written.output
    assert f"Report written to {target}" in written.stdout
    text = _pdf_text(target)
    assert "City report 1101 北京市 (北京市), 2026-11-25" in text
    rows = [line.split() for line in text.splitlines()
            if line.split()[:1] in (["CLI001"], ["Total"]) and ":" not in line]  # not the outlet's chain line
    figures = [str(data["totals"][key]) for key in FIGURES]
    assert rows == [["CLI001", *figures], ["Total", *figures]]  # the JSON's figures, one outlet and the total
    assert "day open; audit chain intact, verified now." in text


def test_the_province_report_as_pdf_goes_to_the_reports_folder(city_config: Path) -> None:
    desk = open_desk(load_settings(city_config))
    try:
        admin = operators.authenticate(desk, "admin", demo.training_password("admin"))
        operators.add_operator(desk, admin, "provchief", "Province chief", Role.PROVINCE_SUPERVISOR, PW)
    finally:
        desk.engine.dispose()
    chief = {"OUTLET_DESK_USER": "provchief", "OUTLET_DESK_PASSWORD": PW}
    written = run(city_config, "report", "province", "--date", "2026-11-25", "--format", "pdf", env=chief)
    assert written.exit_code == 0, written.output
    text = _pdf_text(city_config.parent / "data" / "reports" / "province-11-2026-11-25.pdf")
    assert "Province report 11" in text and "2026-11-25" in text
    assert any(line.strip().startswith("1101") for line in text.splitlines())
