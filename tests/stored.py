"""Reading what a desk stored, as the desk reads it. Citizen numbers, document numbers, phones and addresses
are sealed at rest, so a test that needs one from a desk's store opens the store with that desk's data key
(through ``services.data_key``, as the desk does) instead of reading the file raw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.sql import Select
from sqlmodel import Session

from outlet_desk.config import load_settings
from outlet_desk.db.engine import make_engine
from outlet_desk.services.data_key import bind_data_key


def stored_rows(config: Path, statement: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows ``statement`` reads from the store of the desk set up by ``config``, personal values opened."""
    settings = load_settings(config)
    engine = make_engine(settings.database_url())
    try:
        bind_data_key(settings, engine)
        with Session(engine) as session:
            return [tuple(row) for row in session.execute(statement).all()]
    finally:
        engine.dispose()


def first_stored(config: Path, statement: Select[Any]) -> tuple[Any, ...]:
    rows = stored_rows(config, statement.limit(1))
    assert rows, statement
    return rows[0]
