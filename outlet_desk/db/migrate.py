"""Alembic migrations, applied at start and by ``outlet-desk db upgrade``.

Every start checks the schema, so the check is cheap: the database's ``alembic_version`` is compared
with :data:`HEAD_REVISION` by one query, and Alembic itself (about 80 ms to import) is loaded only when
the schema is behind. A test keeps :data:`HEAD_REVISION` equal to the newest migration file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD_REVISION = "0009"
"""The newest migration's revision (tests/db/test_store.py checks it against the migration files)."""


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    """The newest revision among the migration files (reads them through Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True when anything was applied."""
    if current_revision(engine) == HEAD_REVISION:
        return False
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    if engine.dialect.name == "sqlite":
        # A migration may rewrite rows (0009 seals personal data): the WAL's copies of the old pages go now.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return True
