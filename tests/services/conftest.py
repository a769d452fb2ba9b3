"""A ready desk (settings + migrated store + audit key) on each database, with a controllable clock; the
same desk with the training data (``seeded``), and seeded desks at outlets with other rules
(``make_seeded``). What a test needs beyond that it composes from tests/services/builders.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outlet_desk.config import Settings, parse_settings
from outlet_desk.domain.roles import Role
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Actor, Desk
from tests.clock import FakeClock
from tests.services.builders import TRAINING_PERSONS, seed

MINIMAL_TOML = """
[outlet]
code = "TST001"
name = "Test outlet"
division_code = "110105"
language = "en"

[database]
url = "{url}"
"""


@pytest.fixture
def make_settings(tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    def make(extra: str = "", url: str | None = None) -> Settings:
        path = tmp_path / "outlet.toml"
        text = MINIMAL_TOML.format(url=url or db_url) + extra
        path.write_text(text)
        return parse_settings(text, path)

    return make


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))


@pytest.fixture
def desk(make_settings, clock: FakeClock) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    d = open_desk(make_settings())
    d.clock = clock
    yield d
    d.engine.dispose()


@pytest.fixture
def admin(desk: Desk) -> Actor:
    from outlet_desk.services import operators

    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, "correct horse battery")
    return operators.authenticate(desk, "admin", "correct horse battery")


@pytest.fixture
def seeded(desk: Desk) -> Desk:
    """The desk with the training data: operators (clerk1, super1, hotline1, ...), holders and their cards
    in every status, requests waiting for collection."""
    assert demo.seed_training(desk, persons=TRAINING_PERSONS).seeded
    return desk


SeededFactory = Callable[[str], Desk]


@pytest.fixture
def make_seeded(make_settings, clock: FakeClock) -> Iterator[SeededFactory]:  # type: ignore[no-untyped-def]
    """Seeded desks at an outlet whose outlet.toml adds ``extra`` (say, dual control), on the same store."""
    desks: list[Desk] = []

    def make(extra: str) -> Desk:
        d = open_desk(make_settings(extra))
        d.clock = clock
        desks.append(d)
        return seed(d)

    yield make
    for d in desks:
        d.engine.dispose()
