"""TUI fixtures: a seeded training desk on SQLite with a fixed clock, a second desk on the same store, a
reader slot (real pcscd and training reader), and the low-level helpers to drive the Pilot (the tests drive
the desk through tests/tui/counter.py, which is built on them).

The seeded store is made once per session (argon2 hashing of the training passwords is slow) and copied
for each test, so every test starts from the same records and the same clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlmodel import Session, col, select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

from outlet_desk.app import DeskApp, make_app
from outlet_desk.config import parse_settings
from outlet_desk.db.tables import Card, Person
from outlet_desk.i18n import Language, set_language
from outlet_desk.screens.login import LoginScreen
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.clock import FakeClock
from tests.tui.slots import Slot, VpcdSlot, training_slot


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (Textual's Pilot is async; no plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in inspect.signature(pyfuncitem.obj).parameters}
    asyncio.run(pyfuncitem.obj(**args))
    return True


START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Beijing

OUTLET_TOML = """
[outlet]
code = "TRN001"
name = "{name}"
division_code = "110105"
language = "{language}"
training = true

[database]
url = "sqlite:///data/outlet.db"

[identity]
document_types = ["resident_id_card", "temporary_resident_id_card", "passport"]

[collection]
proxy_allowed = ["apply_reissue", "collect_card"]
"""

OUTLET_NAMES = {"zh_CN": "朝阳区社会保障卡服务网点", "en": "Chaoyang Card Service Outlet"}


def write_outlet(folder: Path, language: Language, extra: str = "") -> Path:
    path = folder / "outlet.toml"
    path.write_text(OUTLET_TOML.format(name=OUTLET_NAMES[language], language=language) + extra)
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tui-template")
    path = write_outlet(folder, "en")
    desk = open_desk(parse_settings(path.read_text(), path))
    desk.clock = FakeClock(START)
    demo.seed_training(desk, persons=30)
    with desk.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    desk.engine.dispose()
    set_language("en")
    return folder


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


DeskFactory = Callable[..., Desk]


@pytest.fixture
def make_desk(seeded_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[DeskFactory]:
    desks: list[Desk] = []

    def make(language: Language = "en", extra: str = "", empty: bool = False) -> Desk:
        folder = tmp_path / f"outlet{len(desks)}"
        if empty:
            folder.mkdir()
        else:
            shutil.copytree(seeded_template, folder)
        path = write_outlet(folder, language, extra)
        desk = open_desk(parse_settings(path.read_text(), path))
        desk.clock = clock
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.engine.dispose()
    set_language("en")


@pytest.fixture
def desk(make_desk: DeskFactory) -> Desk:
    return make_desk("en")


@pytest.fixture
def other_desk(desk: Desk) -> Iterator[Desk]:
    """A second desk (another terminal, say the supervisor's) on the same store and clock."""
    second = open_desk(desk.settings)
    second.clock = desk.clock
    yield second
    second.engine.dispose()


@pytest.fixture
def app(desk: Desk) -> DeskApp:
    return make_app(desk)


@pytest.fixture(params=[pytest.param("pcscd", marks=pytest.mark.pcsc), "training"])
def slot(request: pytest.FixtureRequest) -> Iterator[tuple[Slot, SupervisedReader]]:
    """A reader slot and the desk's reader feed on it: the real stack (pyscard -> pcscd -> vpcd -> our virtual
    card) and the in-process training reader, one run of the test each."""
    if request.param == "training":
        yield training_slot()
        return
    from outlet_desk.reader.pcsc_reader import PcscCardReader

    daemon = request.getfixturevalue("pcscd")
    vpcd = VpcdSlot(daemon.readers[1])
    try:
        yield vpcd, SupervisedReader(PcscCardReader(), reader_name=daemon.readers[1], poll_s=0.05)
    finally:
        vpcd.remove()


async def settle(pilot: Pilot[None], rounds: int = 3) -> None:
    """Let workers finish and their messages be handled. An exclusive worker cancelled by a newer one of its group
    (a card read again, a list read again) is what the screen asked for, not a failure: the newer one is waited
    for in the next round (Textual's ``wait_for_complete`` raises ``WorkerCancelled`` for it)."""
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


async def sign_in(pilot: Pilot[None], username: str, password: str | None = None) -> None:
    await settle(pilot)
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, password if password is not None else demo.training_password(username))
    await pilot.press("enter")
    await settle(pilot)
    # On a loaded machine the answer can take longer than a settle: wait until signed in or told why not.
    app = pilot.app

    def answered() -> bool:
        if isinstance(app, DeskApp) and app.actor is not None and not isinstance(app.screen, LoginScreen):
            return True
        messages = app.screen.query("#login-message")
        return bool(messages) and "…" not in str(messages.first(Static).content)

    await wait_for(pilot, answered)
    await settle(pilot)


_SVG_TEXT = re.compile(r'<text [^>]*\bx="([0-9.]+)"[^>]*\btextLength="([0-9.]+)"[^>]*-line-(\d+)\)">([^<]*)</text>')


def screen_text(app: App[object]) -> str:
    """What the clerk sees on the screen now, as plain text (wide characters once each): read from the
    app's own screenshot (``App.export_screenshot``), one line per terminal row, each run of text at its
    column."""
    rows: list[str] = [""] * app.size.height
    for x, length, row, escaped in _SVG_TEXT.findall(app.export_screenshot()):
        text = html.unescape(escaped).replace("\xa0", " ")
        if text == "\n":  # the end of the row
            continue
        column = round(float(x) / (float(length) / len(text)))  # an SVG text is as long as its characters
        line = rows[int(row)]
        rows[int(row)] = line + " " * (column - cell_len(line)) + text
    return "\n".join(line + " " * (app.size.width - cell_len(line)) for line in rows)


def static_text(app: DeskApp, selector: str) -> str:
    """The text of one Static on the current screen (whatever the width wraps)."""
    return str(app.screen.query_one(selector, Static).content)


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 15.0) -> None:
    """Pause until ``condition`` holds (for events from other threads, e.g. the reader).

    15 s: a condition that holds returns at once; the margin is for a loaded machine (three tests each
    missed a 5 s wait once while four test runs shared two cores)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition(), "condition not reached in time"


def person_with_card_status(desk: Desk, status: str) -> tuple[Person, Card]:
    """The first seeded person whose newest card has ``status``."""
    with Session(desk.engine) as s:
        rows = s.exec(select(Person, Card).join(Card, col(Card.person_id) == col(Person.id))
                      .where(col(Card.status) == status).order_by(col(Person.id))).all()
    assert rows, f"the training data has no card {status}"
    return rows[0]
