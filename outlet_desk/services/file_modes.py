"""Which of the desk's files and folders others may read: named at every start (the desk's notification,
the command line's standard error), one line each with the chmod that fixes it. What the desk creates is
private from the start (:mod:`outlet_desk.private_files`); this finds what was made before, or changed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from outlet_desk.config import Settings
from outlet_desk.private_files import exposure_warnings
from outlet_desk.services.failures import LOG_NAME

SQLITE_COMPANIONS = ("-wal", "-shm")
"""The files SQLite keeps beside a database in WAL mode (they hold recent rows in clear)."""


def exposed_files(settings: Settings) -> list[str]:
    """One warning line for each file or folder of the desk that others may read (none when all is private)."""
    data = settings.data_dir()
    paths: list[Path] = [data, settings.audit_key_path(), settings.issuer_key_path(), data / LOG_NAME]
    url = make_url(settings.database_url())
    if url.get_backend_name() == "sqlite" and url.database and not url.database.startswith("file:") \
            and url.database != ":memory:":
        database = Path(url.database)
        paths += [database.parent, database, *(database.with_name(database.name + s) for s in SQLITE_COMPANIONS)]
    return exposure_warnings(paths, [settings.receipts_dir(), settings.reports_dir()])
