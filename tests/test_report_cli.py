"""``outlet-desk report daily``: the same report as JSON (schema asserted), CSV (parsed), a table and a
PDF (text read back with pdftotext); exit 1 when the records disagree, 2 for bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from benchmarks.activity import Activity, desk_for, drive_days
from outlet_desk.cli import app
from outlet_desk.i18n import set_language
from outlet_desk.services import demo

DAY = date(2026, 10, 3)
OUTLET_NAME = "朝阳区社保卡服务网点"


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture(scope="module")
def outlet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Activity]]:
    folder = tmp_path_factory.mktemp("cli-report")
    desk = desk_for(f"sqlite:///{folder}/outlet.db", folder, name=OUTLET_NAME)
    activity = drive_days(desk, date(2026, 10, 1), 4)
    desk.engine.dispose()
    yield folder / "outlet.toml", activity


SUPERVISOR = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": demo.training_password("super1")}


def run(config: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """``report daily`` signed in as the supervisor ``super1`` unless ``env`` says otherwise."""
    return CliRunner().invoke(app, ["--config", str(config), "report", "daily", *args],
                              env=SUPERVISOR if env is None else env)


def report_json(config: Path, day: date = DAY) -> dict[str, Any]:
    result = run(config, "--date", day.isoformat(), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_json_keys_and_types_are_the_documented_ones(outlet: tuple[Path, Activity]) -> None:
    data = report_json(outlet[0])
    assert set(data) == {"schema", "outlet", "day", "generated_at", "loss_reports", "reissues", "collections",
                         "chip_check_failures", "blocked_cards_presented", "fees", "clerks", "uncollected_cards",
                         "pending_temporary_losses", "trend", "reconciliation", "audit_chain", "close", "after_close",
                         "spoiled_cards", "counter_services"}
    assert set(data["counter_services"]) == {"cancellations.death", "cancellations.emigration",
                                             "cancellations.duplicate", "pin_resets.reset", "pin_resets.unblock"}
    assert data["schema"] == "outlet-desk/daily-report/1" and data["day"] == DAY.isoformat()
    assert data["outlet"] == {"code": "TST001", "name": OUTLET_NAME, "timezone": "Asia/Shanghai"}
    assert set(data["loss_reports"]) == {"hotline", "counter", "made_formal", "lapsed", "withdrawn"}
    assert set(data["reissues"]["by_reason"]) == {"lost", "damaged", "expired", "info_change"}
    assert data["reissues"]["total"] == sum(data["reissues"]["by_reason"].values())
    assert set(data["collections"]) == {"holder", "proxy"}
    assert set(data["fees"]) == {"taken_fen", "taken_yuan", "waived_fen", "waived_yuan", "by_method_fen",
                                 "by_method_yuan"}
    assert set(data["fees"]["by_method_fen"]) == {"cash", "wechat", "alipay", "bank_card"}
    assert sum(data["fees"]["by_method_fen"].values()) == data["fees"]["taken_fen"]  # each fee under its method
    assert isinstance(data["fees"]["taken_fen"], int) and data["fees"]["taken_fen"] > 0
    assert data["fees"]["taken_yuan"] == f"{data['fees']['taken_fen'] // 100}.{data['fees']['taken_fen'] % 100:02d}"
    assert set(data["uncollected_cards"]) == {"0-7", "8-30", "31-90", "over_90", "total"}
    for line in data["clerks"]:
        assert set(line) == {"operator_id", "username", "display_name", "transactions", "timed_transactions",
                             "avg_handling_seconds"}
        assert isinstance(line["transactions"], int)
        assert line["avg_handling_seconds"] is None or isinstance(line["avg_handling_seconds"], float)
    assert len(data["trend"]["days"]) == 30 and data["trend"]["days"][-1] == DAY.isoformat()
    for series in ("transactions", "loss_reports", "reissues", "collections"):
        assert len(data["trend"][series]) == 30 and all(isinstance(n, int) for n in data["trend"][series])
    recon = data["reconciliation"]
    assert recon["agrees"] is True and recon["disagreements"] == []
    assert {c["status"] for c in recon["checks"]} == {"agree"}
    assert all(set(c) == {"key", "audit", "table", "status"} for c in recon["checks"])
    assert data["audit_chain"]["intact"] is True and data["audit_chain"]["broken_seq"] is None
    assert data["close"] is None
    for key in ("chip_check_failures", "blocked_cards_presented", "pending_temporary_losses", "spoiled_cards"):
        assert isinstance(data[key], int)


def test_csv_carries_the_same_figures_as_json(outlet: tuple[Path, Activity]) -> None:
    config, activity = outlet
    data = report_json(config)
    result = run(config, "--date", DAY.isoformat(), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["fees.taken_yuan"]["value"] == data["fees"]["taken_yuan"]  # yuan, two decimals: not fen
    assert "fees.taken_fen" not in rows
    assert int(rows["reissues.total"]["value"]) == data["reissues"]["total"]
    for channel, n in data["loss_reports"].items():
        row = rows[f"loss_reports.{channel}"]
        assert (int(row["value"]), int(row["audit"]), int(row["table"]), row["reconciliation"]) == (n, n, n, "agree")
    for clerk in data["clerks"]:
        assert int(rows[f"clerks.{clerk['username']}.transactions"]["value"]) == clerk["transactions"]
        assert activity.tally[DAY].counts[f"clerks.{clerk['username']}.transactions"] == clerk["transactions"]
    assert rows["audit_chain.intact"]["value"] == "1"
    assert rows[f"trend.{DAY.isoformat()}.transactions"]["value"] == str(data["trend"]["transactions"][-1])


def test_every_csv_row_names_the_day_and_the_outlet_and_money_is_in_yuan(outlet: tuple[Path, Activity]) -> None:
    data = report_json(outlet[0])
    result = run(outlet[0], "--date", DAY.isoformat(), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("\ufeff")  # no byte-order mark unless asked
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {(r["day"], r["outlet"]) for r in rows} == {(DAY.isoformat(), "TST001")}
    taken = next(r for r in rows if r["key"] == "fees.taken_yuan")
    assert taken["value"] == taken["audit"] == taken["table"] == data["fees"]["taken_yuan"]
    assert "." in taken["value"] and len(taken["value"].split(".")[1]) == 2


def test_bom_starts_the_csv_for_spreadsheets_that_need_it(outlet: tuple[Path, Activity]) -> None:
    result = run(outlet[0], "--date", DAY.isoformat(), "--format", "csv", "--bom")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith("\ufeff".encode())
    first = next(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert first[:3] == ["day", "outlet", "key"]


def test_an_unknown_outlet_exits_2_with_one_message(outlet: tuple[Path, Activity]) -> None:
    result = run(outlet[0], "--date", DAY.isoformat(), "--outlet", "NOPE99")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "There is no outlet NOPE99 in this database; give the code of one that is."]


def test_table_is_the_default_and_names_the_reconciliation(outlet: tuple[Path, Activity]) -> None:
    result = run(outlet[0], "--date", DAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "Daily report of" in result.stdout and "Fees taken (yuan)" in result.stdout
    assert "agree on all" in result.stdout and "intact" in result.stdout


def test_pdf_is_written_and_reads_back(outlet: tuple[Path, Activity], tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) must be installed under CI")
        pytest.skip("pdftotext (poppler-utils) not installed")
    data = report_json(outlet[0])
    target = tmp_path / "day.pdf"
    result = run(outlet[0], "--date", DAY.isoformat(), "--format", "pdf", "--output", str(target))
    assert result.exit_code == 0, result.output
    extracted = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                               check=True).stdout
    assert OUTLET_NAME in extracted and DAY.isoformat() in extracted
    assert data["fees"]["taken_yuan"] in extracted and "Fees taken (yuan)" in extracted
    assert "agree on all" in extracted
    assert all(head in extracted for head in ("Figure", "Value", "Audit / tables"))  # the columns are headed
    trend = " ".join(str(n) for n in data["trend"]["transactions"])
    assert "Trend: transactions per day" in extracted and trend in " ".join(extracted.split())


def test_pdf_goes_to_the_reports_folder_by_default(outlet: tuple[Path, Activity]) -> None:
    result = run(outlet[0], "--date", DAY.isoformat(), "--format", "pdf", "--no-verify")
    assert result.exit_code == 0, result.output
    assert (outlet[0].parent / "data" / "reports" / f"daily-TST001-{DAY.isoformat()}.pdf").stat().st_size > 1000


def test_bad_date_exits_2(outlet: tuple[Path, Activity]) -> None:
    result = run(outlet[0], "--date", "25.11.2026")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_a_clerk_is_refused_with_exit_2(outlet: tuple[Path, Activity]) -> None:
    env = {"OUTLET_DESK_PASSWORD": demo.training_password("clerk1")}
    result = run(outlet[0], "--date", DAY.isoformat(), "--as", "clerk1", env=env)
    assert result.exit_code == 2 and "may not view reports" in result.output
    env = {"OUTLET_DESK_PASSWORD": demo.training_password("super1")}
    assert run(outlet[0], "--date", DAY.isoformat(), "--as", "super1", env=env).exit_code == 0


def test_disagreement_exits_1_naming_the_figure_and_still_prints_the_report(tmp_path: Path) -> None:
    desk = desk_for(f"sqlite:///{tmp_path}/outlet.db", tmp_path)
    activity = drive_days(desk, date(2026, 10, 1), 1)
    with desk.engine.begin() as conn:
        conn.execute(text("UPDATE payment SET amount_fen = 1 WHERE id = (SELECT min(id) FROM payment)"))
    desk.engine.dispose()
    result = run(tmp_path / "outlet.toml", "--date", activity.days[0].isoformat(), "--format", "json")
    assert result.exit_code == 1
    assert "fees.taken_fen" in result.stderr
    data = json.loads(result.stdout)
    assert data["reconciliation"]["disagreements"][0] == "fees.taken_fen"  # then the method's own figure
    assert len(data["reconciliation"]["disagreements"]) == 2


def test_the_day_close_files_and_the_report_pdf_never_share_a_name(tmp_path: Path) -> None:
    from outlet_desk.services.cashup import cash_lines, cash_up
    from outlet_desk.services.day_close import close_day

    desk = desk_for(f"sqlite:///{tmp_path}/outlet.db", tmp_path)
    activity = drive_days(desk, date(2026, 10, 1), 1)
    day, sup = activity.days[0], activity.actors["super1"]
    for line in cash_lines(desk, day):
        cash_up(desk, sup, line.username, line.expected_fen, day=day)
    closed = close_day(desk, sup)
    desk.engine.dispose()
    kept = closed.pdf_path.read_bytes(), closed.csv_path.read_bytes()
    result = run(tmp_path / "outlet.toml", "--date", day.isoformat(), "--format", "pdf")
    assert result.exit_code == 0, result.output
    report_pdf = tmp_path / "data" / "reports" / f"daily-TST001-{day.isoformat()}.pdf"
    assert report_pdf.stat().st_size > 1000
    assert closed.pdf_path.name == f"day-close-TST001-{day.isoformat()}.pdf" != report_pdf.name
    assert (closed.pdf_path.read_bytes(), closed.csv_path.read_bytes()) == kept  # the close's files untouched
