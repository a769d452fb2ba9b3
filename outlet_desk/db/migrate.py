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
HEAD_REVISION = "0023"
"""The newest migration's revision (tests/db/test_store.py checks it against the migration files)."""

REWRITES_PERSONAL_DATA: dict[str, tuple[str, ...]] = {
    "0009": ("person", "identity_check", "collection"),
    "0013": ("person",),
}
"""The migrations that seal personal values in place, and the tables whose rows they rewrite: the old row
versions, which hold the plain values, go after the upgrade (:func:`drop_old_row_versions`)."""


HEAD_SEALS = "0013"
"""The revision from which every ``audit_head`` with events carries a seal. Heads are sealed since 0008, but
only when the next event is appended: a store brought to 0008..0012 by ``db upgrade`` alone still holds
unsealed heads. So a store older than this has its unsealed heads sealed by the upgrade that brings it
(``services.audit.store.seal_heads_from_before_seals``); after it, an unsealed head is an edit."""


def older_than(engine: Engine, revision: str) -> bool:
    """Whether the database holds a schema older than ``revision`` (not an empty database)."""
    current = current_revision(engine)
    return current is not None and current < revision


class DatabaseNewer(Exception):
    """The database is at a revision this desk does not know: a newer Outlet Desk upgraded it. Opening it
    here could write rows the newer schema does not expect, so nothing is done."""

    def __init__(self, revision: str) -> None:
        super().__init__(f"database at revision {revision}, newer than this desk's {HEAD_REVISION}")
        self.revision = revision


class MigrationRefused(Exception):
    """A migration found data it must not change on its own: nothing was applied. ``usable_cards``: persons
    (record number) holding more than one usable card, with those cards (number and status), for 0017."""

    def __init__(self, revision: str, usable_cards: dict[int, list[tuple[str, str]]]) -> None:
        super().__init__(f"migration {revision} refused: {usable_cards}")
        self.revision = revision
        self.usable_cards = usable_cards


def known_revisions() -> tuple[str, ...]:
    """The revisions of this desk's migration files, oldest first (file names start with the revision)."""
    return tuple(sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")))


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


def pending(engine: Engine | None) -> list[tuple[str, str]]:
    """The migrations an upgrade would apply, oldest first: (revision, the first line of its description);
    ``engine`` ``None``: a database not made yet."""
    current = current_revision(engine) if engine is not None else None
    if current == HEAD_REVISION:
        return []
    if current is not None and current not in known_revisions():
        raise DatabaseNewer(current)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(cfg)
    steps = list(scripts.iterate_revisions(HEAD_REVISION, current or "base"))
    return [(step.revision, (step.doc or "").strip().splitlines()[0] if step.doc else "") for step in reversed(steps)]


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True when anything was applied. A database newer
    than this desk raises :class:`DatabaseNewer` before anything is done."""
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return False
    if current is not None and current not in known_revisions():
        raise DatabaseNewer(current)
    from alembic import command

    rewritten = sorted({t for step, _doc in pending(engine) for t in REWRITES_PERSONAL_DATA.get(step, ())})
    command.upgrade(alembic_config(engine), "head")
    drop_old_row_versions(engine, rewritten)
    return True


def drop_old_row_versions(engine: Engine, tables: list[str]) -> None:
    """After rows of ``tables`` were rewritten (sealed in place, or sealed again under a new key), leave no
    copy of their old values in the database's files. SQLite runs with ``secure_delete`` (freed pages are
    zeroed): the WAL's copies of the old pages go by a truncating checkpoint. PostgreSQL keeps the old row
    versions in the table's files until they are rewritten: ``VACUUM FULL`` rewrites them (an exclusive lock
    while it runs: the desks are stopped for an upgrade or a rotation)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif tables:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM FULL {', '.join(tables)}")
