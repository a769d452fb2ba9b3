"""Reaching the store: a database that cannot be opened (server down, wrong port or password, a SQLite
file in a folder that cannot be made) becomes one message naming the database (password masked) and the
reason, instead of the driver's traceback; one that opens but cannot be used (a file that is not a
database, a read-only one, a full disk) gets the message of :mod:`outlet_desk.services.failures`.
Used wherever the store is first opened: ``open_desk`` (the
desk and every command) and ``outlet-desk db upgrade``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, InterfaceError

from outlet_desk.db.migrate import HEAD_REVISION, DatabaseNewer, MigrationRefused
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.i18n import _
from outlet_desk.private_files import private_folder, touch_private
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.failures import failure_message

_SPACES = re.compile(r"\s+")


class StoreUnreachable(ServiceError):
    """The database named by ``[database] url`` cannot be opened; nothing was done."""

    code = "store_unreachable"

    def __init__(self, url: str, reason: str, config_path: Path) -> None:
        super().__init__(
            _("The database {url} cannot be opened: {reason}. Check [database] url in {file}, and that the "
              "database server is running and this machine can reach it.").format(
                url=masked_url(url), reason=reason, file=config_path)
        )
        self.url = masked_url(url)
        self.reason = reason


class StoreRefused(ServiceError):
    """The database was reached but cannot be used as it is (not a database, read-only, disk full)."""

    code = "store_refused"


def shown_database(url: str) -> str:
    """The database as a person knows it: a SQLite database's file path, else the URL, password masked."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database.removeprefix("file:")
    return masked_url(url)


def masked_url(url: str) -> str:
    """The URL as it may be shown: the password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _reason(error: BaseException) -> str:
    """The driver's own words on one line (the server's hint lines dropped), or the system's for a file."""
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}"
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error)
    # The driver's indented lines are hints ("Is the server running on that host..."), not the reason.
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line[:1].isspace()]
    return _SPACES.sub(" ", "; ".join(lines) or text).strip().rstrip(".")


def sqlite_file_missing(url: str) -> bool:
    """Whether ``url`` names a SQLite database file that does not exist yet (opening it would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    database = parsed.database
    if parsed.query.get("uri") == "true" and database.startswith("file:"):
        # A SQLite URI filename (file:PATH, e.g. opened read-only): the file is PATH, not "file:…".
        database = unquote(database.removeprefix("file:").removeprefix("//"))
    return not Path(database).exists()


def prepare_sqlite_files(url: str) -> None:
    """A SQLite database file's folder (mode 0700) and the file itself (empty, mode 0600: SQLite gives its
    -wal and -shm files the database's mode) are created on first run (beside the settings, by default)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if parsed.database.startswith("file:"):
        return  # a URI (read-only, say) names a file SQLite opens as it is told
    database = Path(parsed.database)
    folder = database.parent
    try:
        private_folder(folder)
    except OSError as error:
        raise OSError(error.errno, _("the folder {folder} cannot be created ({reason})").format(
            folder=folder, reason=error.strerror or error)) from error
    touch_private(database)


@contextmanager
def reaching_store(url: str, config_path: Path) -> Iterator[None]:
    """Inside: opening the store. Connection failures and file system refusals leave as
    :class:`StoreUnreachable`, one message naming ``url`` (password masked) and the reason."""
    try:
        yield
    except DatabaseNewer as error:
        raise StoreRefused(_("The database {db} was upgraded by a newer Outlet Desk (to revision {revision}; "
                             "this desk knows up to {head}). Nothing was done: install that newer version here, "
                             "or point [database] url in {file} at this desk's database.").format(
            db=shown_database(url), revision=error.revision, head=HEAD_REVISION, file=config_path)) from error
    except MigrationRefused as error:
        listed = "; ".join(_("person record {id}: {cards}").format(
            id=person, cards=", ".join(f"{number} ({CardStatus.label_of(status)})" for number, status in cards))
            for person, cards in sorted(error.usable_cards.items()))
        raise StoreRefused(_(
            "The database {db} was not upgraded (revision {revision}): {n} person(s) hold more than one usable card, "
            "which this version no longer allows: {listed}. Nothing was changed. Ask the card centre which card of "
            "each person stays, have the others taken out of use, then start again.").format(
            db=shown_database(url), revision=error.revision, n=len(error.usable_cards), listed=listed)) from error
    except (DatabaseError, InterfaceError, OSError) as error:
        if (message := failure_message(error, shown_database(url))) is not None and not isinstance(error, OSError):
            raise StoreRefused(message) from error
        raise StoreUnreachable(url, _reason(error), config_path) from error
