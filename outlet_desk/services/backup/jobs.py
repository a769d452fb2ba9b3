"""The two use cases: back up the store into a new file, restore a backup into an empty store.

Both run for a supervisor or an administrator (``Action.BACK_UP_STORE``), write the copy into a 0600 file
beside its final name and give it that name only once it checks (:mod:`~.copy_check`), and record one
audit event: the backup in the store it copied, the restore in the store it made (by the operator signed
in there: an empty store has nobody to sign in).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import NullPool

from outlet_desk.config import Settings
from outlet_desk.db.engine import is_sqlite, make_engine
from outlet_desk.db.migrate import HEAD_REVISION
from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action, require
from outlet_desk.i18n import _
from outlet_desk.private_files import private_folder
from outlet_desk.services.audit import check_key_matches, load_or_create_key, sealed_events
from outlet_desk.services.backup import pg_archive
from outlet_desk.services.backup.copy_check import BackupRefused, CopyChecked, check_copy
from outlet_desk.services.backup.empty_store import empty_again, refuse_unless_empty
from outlet_desk.services.backup.sqlite_copy import copy_database, opened
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.store_access import shown_database
from outlet_desk.services.uow import UnitOfWork

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: the stage in words (the outlet's language), then how far it is."""


def copying() -> str:
    return _("Copying")


def checking() -> str:
    return _("Checking the copy")


@dataclass(frozen=True)
class BackupDone:
    file: Path
    size: int
    checked: CopyChecked
    outlet_code: str

    def message(self) -> str:
        return _("Backup written to {file} ({size:,} bytes) and checked: database revision {revision}, "
                 "{events:,} audit events of outlet {outlet} verified. Keep the audit key file apart from "
                 "it; a restore needs both.").format(file=self.file, size=self.size,
                                                      revision=self.checked.revision, events=self.checked.events,
                                                      outlet=self.outlet_code)


@dataclass(frozen=True)
class RestoreDone:
    file: Path
    store: str
    checked: CopyChecked
    outlet_code: str
    event_seq: int

    def message(self) -> str:
        return _("{file} restored into {store} and checked: database revision {revision}, {events:,} audit "
                 "events of outlet {outlet} verified; the restore is audit event {seq}.").format(
                     file=self.file, store=self.store, revision=self.checked.revision, events=self.checked.events,
                     outlet=self.outlet_code, seq=self.event_seq)


# -- backup ------------------------------------------------------------------------------------------------

def back_up(desk: Desk, actor: Actor, target: Path, progress: Progress) -> BackupDone:
    """Copy the store into the new file ``target`` (refused if it exists), check the copy, record it."""
    require(actor.role, Action.BACK_UP_STORE)
    if target.exists() or target.is_symlink():
        raise BackupRefused(_("{file} already exists: name a new file (a backup never overwrites one).").format(
            file=target))
    with _private_file_beside(target) as temporary:
        if is_sqlite(desk.engine):
            checked = _back_up_sqlite(desk, temporary, target, progress)
        else:
            checked = _back_up_postgres(desk, temporary, target, progress)
        os.replace(temporary, target)
    _record(desk, actor, AuditAction.STORE_BACKED_UP, target, checked)
    return BackupDone(target, target.stat().st_size, checked, desk.outlet_code)


def _back_up_sqlite(desk: Desk, temporary: Path, target: Path, progress: Progress) -> CopyChecked:
    source = Path(str(desk.engine.url.database))
    with opened(source, read_only=False, busy_timeout_ms=desk.settings.database.busy_timeout_ms) as conn:
        copy_database(conn, temporary, lambda done, total: progress(copying(), done, total))
    progress(checking(), 0, 1)
    checked = _check_sqlite_file(temporary, desk.audit_key, desk.outlet_code, str(target))
    progress(checking(), 1, 1)
    return checked


def _back_up_postgres(desk: Desk, temporary: Path, target: Path, progress: Progress) -> CopyChecked:
    """``pg_dump`` of one snapshot, checked in that very snapshot before the dump (the dump is of exactly
    what was checked), then the archive read back: every table's rows there, the revision, the events."""
    dump = pg_archive.program("pg_dump")
    with _snapshot(desk.engine) as (conn, snapshot):
        checked = check_copy(conn, desk.audit_key, desk.outlet_code, _("the store"))
        tables = set(inspect(conn).get_table_names())
        events = conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        pg_archive.run_verbose(
            [dump, "--format=custom", "--verbose", f"--snapshot={snapshot}", f"--file={temporary}"],
            pg_archive.libpq_environment(desk.settings.database_url()), "dumping contents of table",
            len(tables), lambda done, total: progress(copying(), done, total))
    progress(checking(), 0, 1)
    missing = tables - pg_archive.archive_tables(temporary)
    revision = pg_archive.archive_rows(temporary, "alembic_version")
    copied_events = len(pg_archive.archive_rows(temporary, "audit_event"))
    if missing or revision != [HEAD_REVISION] or copied_events != events:
        raise BackupRefused(_("The archive {file} does not hold what was checked (tables missing: {missing}; "
                              "revision {revision}; {copied} of {events} audit events).").format(
                                  file=target, missing=", ".join(sorted(missing)) or "-",
                                  revision=", ".join(revision) or "-", copied=copied_events, events=events))
    progress(checking(), 1, 1)
    return checked


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A REPEATABLE READ transaction on PostgreSQL and its exported snapshot, open while inside."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            yield conn, str(snapshot)


# -- restore -----------------------------------------------------------------------------------------------

def restore(settings: Settings, source: Path, progress: Progress, sign_in: Callable[[Desk], Actor]) -> RestoreDone:
    """Restore the backup ``source`` into the settings' store, which must be empty; check it; ``sign_in``
    signs the operator in on the restored store (a supervisor or an administrator of it), who is then
    recorded as having restored it. Any refusal leaves the store as empty as it was."""
    key_path = settings.audit_key_path()
    if not key_path.is_file():
        raise BackupRefused(_("The audit key file {path} is missing: copy the outlet's key file there first (it "
                              "is not in the backup); the restored audit chain is checked with it.").format(
                                  path=key_path))
    key = load_or_create_key(key_path, outlet_code=settings.outlet.code, sealed_events=1)
    with open(source, "rb"):  # a missing or unreadable file is named as such (services/failures.py)
        pass
    url = settings.database_url()
    if make_url(url).get_backend_name() == "sqlite":
        return _restore_sqlite(settings, key, source, progress, sign_in)
    return _restore_postgres(settings, key, source, progress, sign_in)


def _restore_sqlite(settings: Settings, key: bytes, source: Path, progress: Progress,
                    sign_in: Callable[[Desk], Actor]) -> RestoreDone:
    url = settings.database_url()
    target = Path(str(make_url(url).database))
    private_folder(target.parent)  # the folder only: a refused restore leaves no database file behind
    if target.exists():
        with opened(target, read_only=False) as conn, _engine_on(conn) as engine, engine.connect() as sa:
            refuse_unless_empty(sa, str(target))
    progress(checking(), 0, 2)
    _check_sqlite_file(source, key, settings.outlet.code, str(source))
    with _private_file_beside(target) as temporary:
        with opened(source, read_only=True) as conn:
            copy_database(conn, temporary, lambda done, total: progress(copying(), done, total))
        engine = make_engine(f"sqlite:///{temporary}", settings.database.busy_timeout_ms)
        try:
            desk = Desk(settings=settings, engine=engine, audit_key=key)
            checked, seq = _take_over(desk, key_path=settings.audit_key_path(), source=source, where=str(target),
                                      sign_in=sign_in)
            progress(checking(), 2, 2)
            with engine.connect() as restored:
                restored.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        _drop_journal(temporary)
        _drop_journal(target)
        os.replace(temporary, target)
    return RestoreDone(source, str(target), checked, settings.outlet.code, seq)


def _restore_postgres(settings: Settings, key: bytes, source: Path, progress: Progress,
                      sign_in: Callable[[Desk], Actor]) -> RestoreDone:
    url = settings.database_url()
    shown = shown_database(url)
    tables = pg_archive.archive_tables(source)
    engine = make_engine(url, settings.database.busy_timeout_ms)
    try:
        with engine.connect() as conn:
            refuse_unless_empty(conn, shown)
            migrated = bool(inspect(conn).get_table_names())
        argv = [pg_archive.program("pg_restore"), "--verbose", "--single-transaction", "--exit-on-error",
                "--no-owner", "--no-privileges", *(["--clean", "--if-exists"] if migrated else []),
                f"--dbname={make_url(url).database}", str(source)]
        pg_archive.run_verbose(argv, pg_archive.libpq_environment(url), "processing data for table", len(tables),
                               lambda done, total: progress(copying(), done, total))
        try:
            progress(checking(), 0, 1)
            desk = Desk(settings=settings, engine=engine, audit_key=key)
            checked, seq = _take_over(desk, key_path=settings.audit_key_path(), source=source, where=shown,
                                      sign_in=sign_in)
            progress(checking(), 1, 1)
        except BaseException:
            empty_again(engine)
            raise
    finally:
        engine.dispose()
    return RestoreDone(source, shown, checked, settings.outlet.code, seq)


def _take_over(desk: Desk, *, key_path: Path, source: Path, where: str,
               sign_in: Callable[[Desk], Actor]) -> tuple[CopyChecked, int]:
    """The restored store checked (with the outlet's key), its operator signed in, the restore recorded."""
    check_key_matches(desk.audit_key, key_path, desk.outlet_code, sealed_events(desk.engine, desk.outlet_code))
    with desk.engine.connect() as conn:
        checked = check_copy(conn, desk.audit_key, desk.outlet_code, where)
    actor = sign_in(desk)
    require(actor.role, Action.BACK_UP_STORE)
    return checked, _record(desk, actor, AuditAction.STORE_RESTORED, source, checked)


# -- shared ------------------------------------------------------------------------------------------------

def _record(desk: Desk, actor: Actor, action: AuditAction, file: Path, checked: CopyChecked) -> int:
    """The audit event of a backup or a restore; its sequence number."""
    with UnitOfWork(desk, actor, Action.BACK_UP_STORE) as uow:
        uow.audit(action, "store", desk.outlet_code, after={
            "file": str(file.absolute()), "revision": checked.revision, "events_verified": checked.events})
        uow.commit()
    return uow.events[0].seq


def _check_sqlite_file(path: Path, key: bytes, outlet_code: str, where: str) -> CopyChecked:
    """Check the SQLite file ``path`` read-only; a file that is not a SQLite database is refused by name."""
    try:
        with opened(path, read_only=True) as conn, _engine_on(conn) as engine, engine.connect() as sa:
            return check_copy(sa, key, outlet_code, where)
    except (sqlite3.DatabaseError, DatabaseError) as error:
        reason = error.orig if isinstance(error, DatabaseError) else error
        raise BackupRefused(_("{file} is not a backup of a SQLite store ({reason}).").format(
            file=where, reason=reason)) from error


@contextlib.contextmanager
def _engine_on(conn: sqlite3.Connection) -> Iterator[Engine]:
    """A SQLAlchemy engine over one open sqlite3 connection (the checks are written for SQLAlchemy)."""
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


@contextlib.contextmanager
def _private_file_beside(path: Path) -> Iterator[Path]:
    """A new empty file of mode 0600 in ``path``'s folder, removed (with any journal) unless renamed."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from error
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)
        _drop_journal(temporary)


def _drop_journal(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
