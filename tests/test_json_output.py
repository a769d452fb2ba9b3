"""Every command that prints something a script reads has ``--json`` (or ``--format json``), and its output
parses and matches its schema in ``docs/json/`` (one test a command, checked with jsonschema).

The commands are discovered from the Typer app, so a command added later is caught: one that prints data
without a JSON option fails :func:`test_every_command_has_json_or_a_reason` unless :data:`NO_JSON` names it
with the reason; one with a JSON option needs its schema and a run in :data:`RUNS`."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer.main
from jsonschema import Draft202012Validator
from typer._click.core import Command
from typer.core import TyperGroup

from outlet_desk.cli import app
from outlet_desk.i18n import set_language
from tests.cli_outlet import OUTLET, run

pytestmark = pytest.mark.usefixtures("english")

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "json"

NO_JSON: dict[str, str] = {
    "run": "opens the desk (a terminal application)",
    "operator add": "a confirmation only; the exit code is the answer (operator list --json shows the operator)",
    "operator passwd": "a confirmation only; the exit code is the answer",
    "operator unlock": "a confirmation only; the exit code is the answer",
    "db rotate-data-key": "a confirmation for the technician; the exit code is the answer",
    "backup": "progress and a confirmation; the exit code is the answer (the copy is checked before it is kept)",
    "restore": "progress and a confirmation; the exit code is the answer",
    "card emulate": "holds a virtual card in the reader until Ctrl-C; prints one line for the person at the desk",
    "stock import": "progress, then the batch's number and how many cards it announced (stock batch --json "
                    "shows the batch)",
    "stock scan": "waits for each card in the reader and says what became of it, for the person scanning; "
                  "stock batch --json shows the result",
    "stock resolve": "a confirmation only; stock batch --json shows the batch after it",
    "stock close": "a confirmation naming the stock receipt's files; the exit code is the answer",
    "stock blanks": "a confirmation only; stock count --json gives the blank cards in stock",
    "stock spoil": "a confirmation naming the spoiled-card record's files; stock count --json gives the count",
    "request fail": "what the citizen must do, for the clerk; request status --json shows the stage",
    "request reorder": "a confirmation with the new due date; request status --json shows the stage",
    "uncollected contact": "a confirmation only; uncollected list --json shows the contact log",
    "uncollected return": "a confirmation only; uncollected list --json no longer lists the card",
    "rules sheet": "writes a PDF and names it; the sheet is for citizens, not scripts",
    "stock transfer send": "a confirmation naming the stock receipt's files; stock transfer list --json shows "
                           "the transfer",
    "stock transfer receive": "waits for each card in the reader and says what became of it, for the person "
                              "scanning; stock transfer list --json shows the result",
    "reader watch": "a stream of events for a person; --once prints the card read as JSON "
                    "(docs/json/reader-watch-once.schema.json, tested below)",
}
"""Commands without a JSON option, each with the reason."""


def _leaves(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Command]]:
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path), command


def _has_json(command: Command) -> bool:
    for param in command.params:
        if "--json" in getattr(param, "opts", ()):
            return True
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if "--format" in getattr(param, "opts", ()) and "json" in {getattr(m, "value", m) for m in annotation or ()}:
            return True
    return False


COMMANDS = dict(_leaves(typer.main.get_command(app)))


def schema_name(command: str) -> str:
    return command.replace(" ", "-")


def check(output: str, schema: str) -> Any:
    """``output`` parsed as JSON and validated against ``docs/json/<schema>.schema.json``."""
    document = json.loads((SCHEMAS / f"{schema}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    data = json.loads(output)
    validator = Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not problems, problems
    return data


# -- the outlet the commands run on -------------------------------------------------------------------------

CLERK = {"OUTLET_DESK_USER": "clerk1", "OUTLET_DESK_PASSWORD": "training-clerk1"}
SUPER = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"}
ADMIN = {"OUTLET_DESK_USER": "admin", "OUTLET_DESK_PASSWORD": "training-admin"}


@pytest.fixture(scope="module")
def seeded_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("json-outlet")
    (folder / "outlet.toml").write_text(OUTLET)
    set_language("en")
    assert run(folder / "outlet.toml", "demo").exit_code == 0
    return folder


@pytest.fixture
def seeded(seeded_folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeded_folder, tmp_path / "outlet")
    return tmp_path / "outlet" / "outlet.toml"


def _one(config: Path, query: str) -> Any:
    with sqlite3.connect(config.parent / "data" / "outlet.db") as db:
        row = db.execute(query).fetchone()
    assert row, query
    return row[0]


def _json(config: Path, *args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    result = run(config, *args, env=env)
    assert result.exit_code == code, result.output
    return result.stdout


def _receipt_code(config: Path) -> str:
    from outlet_desk.config import load_settings
    from outlet_desk.services.bootstrap import open_desk
    from tests.services.test_receipts import _receipt

    desk = open_desk(load_settings(config))
    code = _receipt(desk).code
    desk.engine.dispose()
    return code


def _where(config: Path) -> Any:
    return check(_json(config, "where", "--json"), "where")


def _db_upgrade(config: Path) -> Any:
    fresh = config.parent / "fresh.toml"
    fresh.write_text(OUTLET.replace('code = "CLI001"', 'code = "CLI002"') + '\n[database]\nurl = "sqlite:///new/outlet.db"\n')
    planned = check(_json(fresh, "db", "upgrade", "--dry-run", "--json"), "db-upgrade")
    assert planned["revision"] is None and planned["migrations"][-1]["revision"] == planned["head"]
    done = check(_json(fresh, "db", "upgrade", "--json"), "db-upgrade")
    assert done["revision"] == done["head"] and len(done["migrations"]) == len(planned["migrations"])
    return check(_json(config, "db", "upgrade", "--dry-run", "--json"), "db-upgrade")


def _demo(config: Path) -> Any:
    shown = check(_json(config, "demo", "--json"), "demo")
    assert shown["seeded"] is False and {"clerk1", "admin"} <= {o["username"] for o in shown["operators"]}
    return shown


def _person_find(config: Path) -> Any:
    found = check(_json(config, "person", "find", "Wang", "--json", env=CLERK), "person-find")
    return found or check(_json(config, "person", "find", "王", "--json", env=CLERK), "person-find")


def _audit_verify(config: Path) -> Any:
    found = check(_json(config, "audit", "verify", "--json", env=SUPER), "audit-verify")
    assert found["intact"] and found["checkpoint_seq"] is not None
    with sqlite3.connect(config.parent / "data" / "outlet.db") as db:
        db.execute("DELETE FROM audit_event WHERE seq = 3")
    broken = check(_json(config, "audit", "verify", "--json", env=SUPER, code=1), "audit-verify")
    assert broken["intact"] is False and broken["broken_seq"] is not None
    return found


def _operator_list(config: Path) -> Any:
    wrong = {"OUTLET_DESK_USER": "clerk2", "OUTLET_DESK_PASSWORD": "not clerk2's password"}
    for _attempt in range(10):  # locked out by wrong passwords: the list says until when
        if "locked" in run(config, "person", "find", "Wang", env=wrong).output:
            break
    listed = check(_json(config, "operator", "list", "--json", env=ADMIN), "operator-list")
    by_name = {o["username"]: o for o in listed}
    assert {"clerk1", "super1", "admin"} <= set(by_name) and by_name["clerk1"]["locked_until"] is None
    assert by_name["clerk2"]["locked_until"] is not None
    return listed


def _stock_receive(config: Path) -> Any:
    request = _one(config, "SELECT id FROM reissue_request WHERE status = 'in_production' ORDER BY id")
    return check(_json(config, "stock", "receive", "--request", str(request), "--card-number", "Z98765432",
                       "--identification-code", "012345D1560000050123456789ABCDEF", "--as", "super1", "--json",
                       env=SUPER), "stock-receive")


def _receipt_verify(config: Path) -> Any:
    code = _receipt_code(config)
    found = check(_json(config, "receipt", "verify", code, "--json", env=CLERK), "receipt-verify")
    assert found["genuine"] and found["code"] == code
    unknown = check(_json(config, "receipt", "verify", "AAAAA-BBBBB", "--json", env=CLERK, code=1), "receipt-verify")
    assert unknown["known"] is False
    return found


def _receipt_print(config: Path) -> Any:
    printed = check(_json(config, "receipt", "print", _receipt_code(config), "--json", env=CLERK), "receipt-print")
    assert Path(printed["pdf"]).is_file() and Path(printed["text"]).is_file()
    return printed


def _report_daily(config: Path) -> Any:
    return check(_json(config, "report", "daily", "--format", "json", env=SUPER), "report-daily")


def _account(config: Path, username: str, role: str) -> dict[str, str]:
    """A new operator of ``role`` added by the administrator: the environment that signs them in."""
    from outlet_desk.config import load_settings
    from outlet_desk.domain.roles import Role
    from outlet_desk.services import operators
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(load_settings(config))
    admin = operators.authenticate(desk, "admin", ADMIN["OUTLET_DESK_PASSWORD"])
    operators.add_operator(desk, admin, username, username.title(), Role(role), "correct horse battery")
    desk.engine.dispose()
    return {"OUTLET_DESK_USER": username, "OUTLET_DESK_PASSWORD": "correct horse battery"}


def _report_city(config: Path) -> Any:
    chief = _account(config, "citychief", "city_supervisor")
    return check(_json(config, "report", "city", "--format", "json", env=chief), "report-city")


def _report_province(config: Path) -> Any:
    chief = _account(config, "provchief", "prov_supervisor")
    shown = check(_json(config, "report", "province", "--format", "json", env=chief), "report-province")
    assert shown["cities"] and shown["cities"][0]["outlets"][0]["code"] == "CLI001"
    return shown


def _stock_transfer_list(config: Path) -> Any:
    other = config.parent / "cli002.toml"  # a second training outlet on the same database
    other.write_text(OUTLET.replace('code = "CLI001"', 'code = "CLI002"'))
    assert run(other, "demo").exit_code == 0
    request = _one(config, "SELECT id FROM reissue_request WHERE status = 'ready' ORDER BY id")
    sent = run(config, "stock", "transfer", "send", "--request", str(request), "--to", "CLI002", env=SUPER)
    assert sent.exit_code == 0 and "sent to outlet CLI002" in sent.output, sent.output
    listed = check(_json(config, "stock", "transfer", "list", "--json", env=SUPER), "stock-transfer-list")
    assert [(t["request_id"], t["to_outlet"], t["status"]) for t in listed] == [(request, "CLI002", "sent")]
    return listed


def _feed_export(config: Path) -> Any:
    assert run(config, "audit", "verify", env=SUPER).exit_code == 0  # a checkpoint record in the feed too
    records = check(_json(config, "feed", "export", "--format", "json", "--limit", "100000", env=ADMIN),
                    "feed-export")
    assert {r["kind"] for r in records} == {"card_status", "checkpoint"}
    return records


def _feed_ack(config: Path) -> Any:
    _json(config, "feed", "export", "--consumer", "medical", "--limit", "3", env=ADMIN)
    return check(_json(config, "feed", "ack", "--consumer", "medical", "--through", "3", "--json", env=ADMIN),
                 "feed-ack")


def _feed_check(config: Path) -> Any:
    run(config, "audit", "verify", env=SUPER)
    kept = config.parent / "kept.jsonl"
    kept.write_text(_json(config, "feed", "export", "--limit", "100000", env=ADMIN), encoding="utf-8")
    return check(_json(config, "feed", "check", str(kept), "--json", env=ADMIN), "feed-check")


def _stock_count(config: Path) -> Any:
    counted = check(_json(config, "stock", "count", "--json", env=SUPER), "stock-count")
    assert counted["CLI001"]["blank"] > 0  # the training outlet keeps blank cards for instant issuance
    return counted


def _stock_batch(config: Path) -> Any:
    from outlet_desk.config import load_settings
    from outlet_desk.services.bootstrap import open_desk
    from tests.services.stock_builders import lines_for, write_manifest

    desk = open_desk(load_settings(config))
    lines = lines_for(desk, 3)
    desk.engine.dispose()
    manifest = write_manifest(config.parent, "B-JSON-1", lines)
    assert run(config, "stock", "import", str(manifest), env=SUPER).exit_code == 0
    batch_id = _one(config, "SELECT id FROM stock_batch WHERE manifest_ref = 'B-JSON-1'")
    shown = check(_json(config, "stock", "batch", str(batch_id), "--json", env=SUPER), "stock-batch")
    assert (shown["batch_number"], shown["lines"]) == ("B-JSON-1", 3)
    return shown


def _request_status(config: Path) -> Any:
    from sqlmodel import Session, col, select

    from outlet_desk.config import load_settings
    from outlet_desk.db.tables import Person, ReissueRequest
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(load_settings(config))
    with Session(desk.engine) as s:
        number = s.exec(select(col(Person.citizen_number)).join(
            ReissueRequest, col(ReissueRequest.person_id) == col(Person.id)).where(
            col(ReissueRequest.status) == "ready")).first()
    desk.engine.dispose()
    assert number is not None
    shown = check(_json(config, "request", "status", number, "--json", env=CLERK), "request-status")
    ready = [r for r in shown["requests"] if r["status"] == "ready"]
    assert ready and [st["stage"] for st in ready[0]["stages"]] == ["entered", "paid", "in_production", "ready"]
    assert "collect" in ready[0]["tell"]
    return shown


def _audit_list(config: Path) -> Any:
    events = check(_json(config, "audit", "list", "--format", "json", env=SUPER), "audit-list")
    assert events and events[0]["seq"] > events[-1]["seq"]  # newest first
    return events


def _uncollected_list(config: Path) -> Any:
    card = _one(config, "SELECT card_number FROM card WHERE status = 'ready' ORDER BY id")
    told = run(config, "uncollected", "contact", card, "--method", "phone", "--outcome", "informed", "--note",
               "rang at 10", env=SUPER)
    assert told.exit_code == 0, told.output
    listed = check(_json(config, "uncollected", "list", "--json", env=SUPER), "uncollected-list")
    contacts = {c["card_number"]: c["contacts"] for c in listed}
    assert [(e["method"], e["outcome"], e["note"]) for e in contacts[card]] == [("phone", "informed", "rang at 10")]
    return listed


RUNS: dict[str, Callable[[Path], Any]] = {
    "audit list": _audit_list,
    "stock count": _stock_count, "stock batch": _stock_batch, "stock transfer list": _stock_transfer_list,
    "report city": _report_city, "report province": _report_province,
    "feed export": _feed_export, "feed ack": _feed_ack, "feed check": _feed_check,
    "request status": _request_status,
    "where": _where, "db upgrade": _db_upgrade, "demo": _demo, "person find": _person_find,
    "audit verify": _audit_verify, "operator list": _operator_list, "stock receive": _stock_receive,
    "receipt verify": _receipt_verify, "receipt print": _receipt_print, "report daily": _report_daily,
    "uncollected list": _uncollected_list,
}
"""How each command with a JSON option is run and checked (the command's words -> a run on the outlet)."""
ON_THE_READER = {"reader list"}
"""Commands with JSON checked on the real pcscd (below)."""


def test_every_command_has_json_or_a_reason() -> None:
    with_json = {name for name, command in COMMANDS.items() if _has_json(command)}
    assert not with_json & set(NO_JSON), "listed without JSON but has it"
    assert set(COMMANDS) - with_json - set(NO_JSON) == set(), "prints without --json; add it or a reason"
    assert set(NO_JSON) <= set(COMMANDS), "a reason for a command that no longer exists"
    assert with_json == set(RUNS) | ON_THE_READER, "each command with JSON needs its run in RUNS"
    for name in with_json:
        assert (SCHEMAS / f"{schema_name(name)}.schema.json").is_file(), name


@pytest.mark.parametrize("command", sorted(RUNS))
def test_json_output_matches_its_schema(command: str, seeded: Path) -> None:
    assert RUNS[command](seeded) is not None


@pytest.mark.pcsc
def test_reader_list_json_names_the_virtual_readers(pcscd: Any, config: Path) -> None:
    listed = check(_json(config, "reader", "list", "--json"), "reader-list")
    assert any("Virtual PCD" in r["name"] for r in listed)


def test_reader_watch_once_prints_a_card_as_its_schema_says() -> None:
    from outlet_desk.reader.events import CardRead, card_json
    from outlet_desk.reader.virtual_card import sample_card_data

    data = check(card_json(CardRead("Virtual PCD 00 00", sample_card_data())), "reader-watch-once")
    assert date.fromisoformat(data["expiry_date"]) > date.fromisoformat(data["issue_date"])
    from outlet_desk.reader_cli import masked_card  # not signed in: the holder masked, as the schema allows

    masked = check(json.dumps(masked_card(sample_card_data()), ensure_ascii=False), "reader-watch-once")
    assert (masked["birth_date"], masked["citizen_number"]) == (None, "110105************")
