"""Files only the desk reads (issue 13 item 3): everything the desk writes is created 0600 in folders 0700,
SQLite's -wal and -shm included; what others may already read is named at start, with the chmod to run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.config import load_settings
from outlet_desk.i18n import set_language
from outlet_desk.private_files import private_folder, write_private
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk, start_desk
from outlet_desk.services.file_modes import exposed_files
from tests.test_cli import OUTLET

SUPER = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-super1"}


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "outlet" / "outlet.toml"
    path.parent.mkdir()
    path.write_text(OUTLET)
    return path


def mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


def run(config: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--config", str(config), *args], env=env)


def test_the_store_its_wal_and_shm_and_the_keys_are_the_desks_alone(config: Path) -> None:
    """Opened and written to (the WAL and its index exist while a connection is open): 0600 each, in 0700."""
    desk = open_desk(load_settings(config))
    try:
        demo.seed_training(desk, persons=5)
        data = config.parent / "data"
        with desk.engine.connect():
            files = [data / "outlet.db", data / "outlet.db-wal", data / "outlet.db-shm", data / "audit.key",
                     data / "issuer-test.key"]
            assert {f.name: mode(f) for f in files} == {f.name: "0600" for f in files}
        assert mode(data) == "0700"
    finally:
        desk.engine.dispose()


def test_receipts_and_reports_are_written_0600_in_folders_0700(config: Path) -> None:
    assert run(config, "demo").exit_code == 0
    report = run(config, "report", "daily", "--format", "pdf", "--no-verify", env=SUPER)
    assert report.exit_code == 0, report.output
    reports = config.parent / "data" / "reports"
    assert mode(reports) == "0700" and [mode(p) for p in reports.iterdir()] == ["0600"]
    from outlet_desk.services.loss import report_loss_hotline
    from outlet_desk.services.operators import authenticate
    from outlet_desk.services.receipts import save_receipt

    desk = open_desk(load_settings(config))
    try:
        hotline = authenticate(desk, "hotline1", "training-hotline1")
        person = next(p for p in demo_persons(desk) if p[2])
        saved = save_receipt(desk, report_loss_hotline(desk, hotline, person[0], person[1], person[2]).receipt)
    finally:
        desk.engine.dispose()
    receipts = saved.text_path.parent
    assert mode(receipts) == "0700" and (mode(saved.text_path), mode(saved.pdf_path)) == ("0600", "0600")


def demo_persons(desk) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Citizen number, name and phone of the training persons whose card is in use."""
    from sqlmodel import Session, col, select

    from outlet_desk.db.tables import Card, Person

    with Session(desk.engine) as s:
        rows = s.exec(select(Person.citizen_number, Person.name, Person.phone).join(
            Card, col(Card.person_id) == col(Person.id)).where(col(Card.status) == "active")).all()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_private_folder_makes_every_missing_parent_0700_and_leaves_existing_ones(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    private_folder(shared / "a" / "b")
    assert (mode(shared), mode(shared / "a"), mode(shared / "a" / "b")) == ("0755", "0700", "0700")
    write_private(shared / "a" / "key", "secret\n")
    assert mode(shared / "a" / "key") == "0600"


def test_a_file_others_may_read_is_named_at_start_with_the_chmod(config: Path) -> None:
    assert run(config, "demo").exit_code == 0
    data = config.parent / "data"
    (data / "outlet.db").chmod(0o644)
    data.chmod(0o755)
    (data / "receipts").mkdir(mode=0o700)
    for name in ("a.txt", "b.txt"):
        (data / "receipts" / name).write_text("receipt")
        (data / "receipts" / name).chmod(0o644)
    listing = run(config, "operator", "list", env=SUPER)
    assert listing.exit_code == 0, listing.output
    assert listing.stderr.splitlines() == [
        f"{data} can be read by other users (mode 0755); run: chmod 700 {data}",
        f"{data}/outlet.db can be read by other users (mode 0644); run: chmod 600 {data}/outlet.db",
        f"2 files in {data}/receipts can be read by other users (such as a.txt); run: chmod 600 {data}/receipts/*",
    ]
    assert "clerk1" in listing.stdout  # a warning, not a refusal
    data.chmod(0o700)
    (data / "outlet.db").chmod(0o600)
    for name in ("a.txt", "b.txt"):
        (data / "receipts" / name).chmod(0o600)
    quiet = run(config, "operator", "list", env=SUPER)
    assert (quiet.exit_code, quiet.stderr) == (0, "")


def test_the_desk_is_told_at_start(config: Path) -> None:
    """The desk's start (what the app runs behind its sign-in screen) brings the same lines for its notification."""
    assert run(config, "demo").exit_code == 0
    key = config.parent / "data" / "audit.key"
    key.chmod(0o600)
    started = start_desk(config)
    started.desk.engine.dispose()
    assert started.exposed == ()
    (config.parent / "data" / "issuer-test.key").chmod(0o640)
    settings = load_settings(config)
    assert exposed_files(settings) == [
        f"{config.parent}/data/issuer-test.key can be read by other users (mode 0640); run: chmod 600 "
        f"{config.parent}/data/issuer-test.key"]
