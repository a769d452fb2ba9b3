"""Failures of the machine as one message: a file that cannot be written or read, a database file that is
not a database or is read-only, a full disk, a number or date out of range, text that is not UTF-8.

The entry points (the command line's ``main``, the desk's opening) ask :func:`failure_message` for the
message of an exception that escaped; ``None`` means it is not one of these, and is then a fault of the
desk itself: :func:`log_unexpected` writes its details to a log file in the data folder and
:func:`unexpected_message` says what failed and where the details are. Either way the person sees one
message and the program ends with exit 2; the raw traceback never reaches the terminal.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import traceback
from datetime import UTC, datetime
from pathlib import Path

from outlet_desk.i18n import _
from outlet_desk.private_files import create_private
from outlet_desk.services import desk_log

LOG_NAME = "outlet-desk-errors.log"
"""The log of unexpected failures, in the data folder (mode 0600: it may hold a citizen's details)."""


def failure_message(error: BaseException, database: str | None = None) -> str | None:
    """The one message for ``error`` if it is a failure of the machine (``database``: the store's
    URL, password masked, named in database failures); ``None`` if it is not one."""
    from sqlalchemy.exc import DBAPIError  # here: every command line passes this module, few fail

    for cause in _chain(error):
        if isinstance(cause, OSError):
            return _os_message(cause)
        message = _database_message(cause, database) if isinstance(cause, sqlite3.Error | DBAPIError) else None
        if message is not None:
            return message
        if isinstance(cause, UnicodeError) and "surrogates" in str(cause):
            return _("Some text given to the desk is not valid UTF-8 (a file name or argument in another "
                     "encoding); give it as UTF-8 text.")
        if isinstance(cause, OverflowError):
            return _("A number or date is beyond what the desk can handle ({reason}); give a smaller value.").format(
                reason=cause)
    return None


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and its causes (a driver's error wrapped by SQLAlchemy, an OSError re-raised as another)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    return seen


def _os_message(error: OSError) -> str:
    where = str(error.filename) if error.filename is not None else _("a file")
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        return _("The disk holding {file} is full; nothing more was written there. Free some space and run "
                 "the command again.").format(file=where)
    if error.errno == errno.EISDIR:
        return _("{file} is a folder; give the path of a file.").format(file=where)
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        return _("{file}: part of this path is a file where a folder is needed; move that file or name "
                 "another folder.").format(file=where)
    if error.errno == errno.ENOENT:
        return _("{file} does not exist (or its folder does not); create it or name another path.").format(
            file=where)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("{file} cannot be used: {reason}. Check that this user may read and write it.").format(
            file=where, reason=error.strerror or error)
    return _("{file}: {reason}.").format(file=where, reason=error.strerror or error)


def _database_message(error: BaseException, database: str | None) -> str | None:
    text = str(getattr(error, "orig", None) or error).lower()
    name = database or _("the database")
    if "not a database" in text or "malformed" in text:
        return _("{db} is not a SQLite database the desk can read (another kind of file, or damaged); check "
                 "[database] url, or restore the file from a backup.").format(db=name)
    if "readonly" in text or "read-only" in text:
        return _("{db} is read-only (the file, its -wal or -shm file, or its folder); let this user write "
                 "them (chmod u+w) and run the command again.").format(db=name)
    if "disk is full" in text or "disk full" in text or "no space left" in text:
        return _("The disk holding {db} is full; nothing was saved. Free some space and run the command "
                 "again.").format(db=name)
    if "out of range" in text or "too large" in text:
        return _("A number given is beyond what {db} can hold; give a smaller value.").format(db=name)
    return None


def log_unexpected(error: BaseException, folder: Path) -> Path | None:
    """Append ``error``'s traceback to :data:`LOG_NAME` in ``folder``; the log's path, or ``None`` when
    even that cannot be written."""
    path = folder / LOG_NAME
    try:
        fd = create_private(path, append=True)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')}\n")
            log.write("".join(traceback.format_exception(error)))
    except OSError:
        return None
    desk_log.configure(folder)
    desk_log.failed("desk", error, path)
    return path


def unexpected_message(error: BaseException, log: Path | None) -> str:
    """One line: what failed, and where the details were written."""
    what = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    if log is None:
        return _("Outlet Desk failed unexpectedly ({what}); the details could not be written to a log.").format(
            what=what)
    return _("Outlet Desk failed unexpectedly ({what}); the details are in {log}. Please report it.").format(
        what=what, log=log)


def undecodable_argument(args: list[str]) -> str | None:
    """The message for the first argument that is not valid UTF-8 (Python holds its bytes as surrogates),
    or ``None`` when every argument is text."""
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            try:  # bytes the terminal sent that are not UTF-8 (kept as U+DC80..U+DCFF): shown as \xNN
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:  # any other lone surrogate: shown as \uNNNN
                shown = arg.encode("utf-8", "backslashreplace").decode("utf-8")
            return _("Argument {n} ({arg}) is not valid UTF-8 text; give it as UTF-8 (check the terminal's "
                     "encoding).").format(n=position, arg=shown)
    return None
