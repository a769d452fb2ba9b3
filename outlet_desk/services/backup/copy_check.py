"""What makes a copy of the store good: on SQLite ``PRAGMA integrity_check`` says ok, the migration
revision is this desk's own, and the outlet's audit chain verifies from its first event."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from outlet_desk.db.migrate import HEAD_REVISION
from outlet_desk.i18n import _
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.errors import ServiceError


class BackupRefused(ServiceError):
    """A backup or a restore that cannot be done, or whose copy does not check: one message, nothing kept."""

    code = "backup_refused"


@dataclass(frozen=True)
class CopyChecked:
    """A copy that passed every check."""

    revision: str
    events: int
    """The outlet's audit events verified in it."""


def check_copy(conn: Connection, key: bytes, outlet_code: str, where: str) -> CopyChecked:
    """Check the store behind ``conn`` (the copy, named ``where`` in a refusal); raise
    :class:`BackupRefused` naming the first check that fails."""
    if conn.dialect.name == "sqlite":
        found = [row[0] for row in conn.execute(text("PRAGMA integrity_check"))]
        if found != ["ok"]:
            raise BackupRefused(_("{copy} is damaged (SQLite's integrity check: {found}).").format(
                copy=where, found="; ".join(str(f) for f in found[:3])))
    revision = None
    if inspect(conn).has_table("alembic_version"):
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    if revision != HEAD_REVISION:
        raise BackupRefused(_("{copy} is at database revision {found}, this desk at {head}: use the desk's "
                              "version that made it.").format(copy=where, found=revision or "-",
                                                              head=HEAD_REVISION))
    chain = verify_chain(conn, key, outlet_code)
    if not chain.intact:
        raise BackupRefused(_("The audit chain in {copy} does not verify: {problem}").format(
            copy=where, problem=chain.message()))
    if chain.last_seq == 0:
        raise BackupRefused(_("{copy} holds no audit event of outlet {outlet}: it is not this outlet's "
                              "store.").format(copy=where, outlet=outlet_code))
    return CopyChecked(revision, chain.last_seq)
