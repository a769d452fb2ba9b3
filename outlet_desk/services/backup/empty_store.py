"""Whether a store may take a restore: it has no table, or only the empty tables of a fresh migration."""

from __future__ import annotations

from sqlalchemy import MetaData, func, inspect, select, table
from sqlalchemy.engine import Connection, Engine

from outlet_desk.db.audit_tally import TALLY_FUNCTION
from outlet_desk.i18n import _
from outlet_desk.services.backup.copy_check import BackupRefused

SCHEMA_ONLY = frozenset({"alembic_version"})
"""Tables whose rows are the schema's, not the outlet's."""


def tables_with_rows(conn: Connection) -> list[str]:
    """The store's tables that hold rows (the schema's own left out), in name order."""
    names = sorted(set(inspect(conn).get_table_names()) - SCHEMA_ONLY)
    return [name for name in names if conn.execute(select(func.count()).select_from(table(name))).scalar_one()]


def refuse_unless_empty(conn: Connection, where: str) -> None:
    """Refuse (:class:`BackupRefused`) a store that holds any row: a restore never merges nor overwrites."""
    full = tables_with_rows(conn)
    if full:
        raise BackupRefused(_("{store} is not empty ({tables} hold rows): a backup is restored into an empty "
                              "store only. Restore into a new database, or move the old one away first.").format(
                                  store=where, tables=", ".join(full[:4]) + (", …" if len(full) > 4 else "")))


def empty_again(engine: Engine) -> None:
    """Drop every table, and on PostgreSQL the audit tally's trigger function: a store that held nothing before
    a restore that failed holds nothing again (and takes the next restore)."""
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TALLY_FUNCTION}() CASCADE")
