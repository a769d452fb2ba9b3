"""The city and province reports read from a PostgreSQL hot standby (issue 17 item 6): a primary and a streaming
standby (``pg_basebackup``) started by this module the way the suite starts its cluster (tests/pgcluster.py),
the city report run on the standby with the primary's figures, and the report saying how far behind the
standby was: caught up, then with its replay paused while the counter works on (in the service, in the
command line's JSON and table, and on the city report screen).

One primary and one standby for the module (about three seconds), so it does not slow the suite much."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from outlet_desk.config import parse_settings
from outlet_desk.db.engine import make_engine
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.roles import Role
from outlet_desk.screens.city_report import CityReportScreen
from outlet_desk.services import demo, operators
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.city_report import city_report
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.loss import report_loss_hotline
from outlet_desk.services.province_report import province_report
from outlet_desk.services.standby import StandbyUnusable, standby_lag
from tests.cli_outlet import run
from tests.clock import FakeClock
from tests.pgcluster import PgCluster, pg_bindir, start_cluster, start_standby
from tests.services.builders import login, person_with
from tests.tui.conftest import static_text, wait_for
from tests.tui.counter import at_the_counter

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PW = "correct horse battery"
CHIEF = {"OUTLET_DESK_USER": "chief", "OUTLET_DESK_PASSWORD": PW}
TOML = """
[outlet]
code = "TST001"
name = "Test outlet"
division_code = "110105"
language = "en"

[database]
url = "{url}"
report_url = "{report_url}"
"""


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[PgCluster, PgCluster]]:
    """A primary and its streaming hot standby, stopped by their PIDs at the end of the module."""
    if pg_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; CI must run the standby test")
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql")
    primary = start_cluster(for_tests=True)
    try:
        standby = start_standby(primary)
        try:
            yield primary, standby
        finally:
            standby.stop()
    finally:
        primary.stop()


def _desk(tmp_path: Path, url: str, report_url: str) -> Desk:
    path = tmp_path / "outlet.toml"
    text = TOML.format(url=url, report_url=report_url)
    path.write_text(text)
    desk = open_desk(parse_settings(text, path))
    desk.clock = FakeClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    return desk


@pytest.fixture
def desk(clusters: tuple[PgCluster, PgCluster], tmp_path: Path) -> Iterator[Desk]:
    """A seeded desk on the primary whose reports read the standby, once the standby has caught up."""
    primary, standby = clusters
    name = f"outlet{time.monotonic_ns()}"
    d = _desk(tmp_path, primary.create_database(name), standby.url(name))
    demo.seed_training(d, persons=12)
    yield d
    d.engine.dispose()
    assert d.report_engine is not None
    d.report_engine.dispose()


def _caught_up(desk: Desk) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            lag = standby_lag(desk)
        except StandbyUnusable:  # the new database has not reached the standby yet
            lag = None
        if lag is not None and lag.bytes_behind == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the standby did not catch up within 20 s")


def _paused(standby: PgCluster) -> None:
    engine = make_engine(standby.url("postgres"))
    try:
        deadline = time.monotonic() + 10
        with engine.connect() as conn:
            while conn.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar_one() != "paused":
                assert time.monotonic() < deadline, "the standby's replay did not pause"
                time.sleep(0.05)
    finally:
        engine.dispose()


def _chief(desk: Desk, role: Role = Role.CITY_SUPERVISOR) -> Actor:
    """A city (or province) supervisor added by the training administrator."""
    operators.add_operator(desk, login(desk, "admin"), "chief", "Chief", role, PW)
    return operators.authenticate(desk, "chief", PW)


def _loss(desk: Desk) -> None:
    person, _card = person_with(desk, CardStatus.ACTIVE)
    report_loss_hotline(desk, login(desk, "hotline1"), person.citizen_number, person.name, person.phone)


def test_the_city_report_reads_the_standby_and_says_how_far_behind_it_was(desk: Desk,
                                                                          clusters: tuple[PgCluster, PgCluster]
                                                                          ) -> None:
    chief = _chief(desk)
    _loss(desk)
    on_the_primary = replace(desk, report_engine=None)
    _caught_up(desk)

    report = city_report(desk, chief)

    assert report.standby is not None and report.standby.seconds_behind >= 0
    assert report.totals == city_report(on_the_primary, chief).totals  # the standby's figures are the primary's
    assert report.totals.loss_reports == 1
    assert not report.outlets[0].chain.verified_here  # the standby's copy of the chain is not verified there

    _primary, standby = clusters
    standby.admin_exec("SELECT pg_wal_replay_pause()")
    _paused(standby)
    try:
        _loss(desk)  # the counter works on; the standby does not replay it
        behind = city_report(desk, chief)
        assert behind.standby is not None and behind.standby.bytes_behind > 0
        assert f"{behind.standby.bytes_behind:,} bytes" in behind.standby.words()
        assert behind.totals.loss_reports == 1  # the standby's day, one loss report behind the primary's
        assert city_report(on_the_primary, chief).totals.loss_reports == 2
        # the command line says the same: in its JSON, and under its table
        shown = run(desk.settings.config_path, "report", "city", "--format", "json", env=CHIEF)
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["standby"]["bytes_behind"] > 0
        table = run(desk.settings.config_path, "report", "city", env=CHIEF)
        assert table.exit_code == 0, table.output
        assert "bytes of the primary's log" in table.stdout and "the newest work may be missing" in table.stdout
    finally:
        standby.admin_exec("SELECT pg_wal_replay_resume()")
    _caught_up(desk)
    assert city_report(desk, chief).totals.loss_reports == 2


def test_the_province_report_reads_the_standby_too(desk: Desk) -> None:
    chief = _chief(desk, Role.PROVINCE_SUPERVISOR)
    _caught_up(desk)
    report = province_report(desk, chief)
    assert report.standby is not None and [c.city_code for c in report.cities] == ["1101"]


def test_a_report_url_that_is_not_a_standby_is_refused_with_the_reason(clusters: tuple[PgCluster, PgCluster],
                                                                       tmp_path: Path) -> None:
    primary, _standby = clusters
    url = primary.create_database(f"notstandby{time.monotonic_ns()}")
    desk = _desk(tmp_path, url, url)  # the primary itself
    demo.seed_training(desk, persons=2)
    try:
        with pytest.raises(StandbyUnusable, match="is not a hot standby"):
            city_report(desk, _chief(desk))
    finally:
        desk.engine.dispose()


def test_the_city_report_screen_says_it_read_the_standby(desk: Desk) -> None:
    _chief(desk)
    _caught_up(desk)

    async def on_screen() -> str:
        async with at_the_counter(desk, size=(100, 30)) as counter:
            await counter.sign_in("chief", PW)
            await counter.pilot.press("f8")
            await wait_for(counter.pilot, lambda: isinstance(counter.app.screen, CityReportScreen)
                           and counter.app.screen.report is not None)
            return static_text(counter.app, "#outlets")

    assert "Read from the standby" in asyncio.run(on_screen())
