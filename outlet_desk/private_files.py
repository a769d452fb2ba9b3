"""Files and folders only the desk's own user reads: every file the desk writes (the SQLite database and
its -wal and -shm, key files, receipts, reports, the error log, the day close's files) is created with mode
0600, in folders of mode 0700; and a file or folder that already exists with a mode others may read is
named, with the chmod that fixes it, so the desk can warn at start.

One helper for the whole desk, below every other layer but the messages, so that the store, the reader
and the services all create their files the same way. It does not change the mode of something that
already exists (the operator decides; the warning says how).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from outlet_desk.i18n import _

FILE_MODE = 0o600
FOLDER_MODE = 0o700
OTHERS = 0o077
"""The group and other permission bits: none of them is set on what the desk writes."""


def private_folder(folder: Path) -> Path:
    """``folder``, created (with every missing parent) with mode 0700 if it does not exist; an existing
    folder is left as it is. Errors are the file system's (``OSError`` naming the folder)."""
    missing: list[Path] = []
    at = folder
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made a moment ago by another desk: theirs stands
            path.mkdir(mode=FOLDER_MODE)
            path.chmod(FOLDER_MODE)  # mkdir's mode passes through the umask; the mode is exactly 0700
    if not folder.is_dir():
        folder.mkdir()  # raises the file system's own error (a file in the way), naming the path
    return folder


def create_private(path: Path, *, exclusive: bool = False, append: bool = False) -> int:
    """Open ``path`` for writing, created with mode 0600 if it is missing (its folder 0700 if that is
    missing too); ``exclusive``: fail with ``FileExistsError`` if it exists; ``append``: every write goes
    to its end. Returns the descriptor."""
    private_folder(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0) | (os.O_APPEND if append else 0)
    return os.open(path, flags, FILE_MODE)


def touch_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (the SQLite database before SQLite opens it:
    SQLite gives its -wal and -shm files the database file's mode, so all three stay 0600)."""
    with contextlib.suppress(FileExistsError):
        os.close(create_private(path, exclusive=True))


def write_private(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path``, a file of mode 0600 from the moment it exists (not chmod-ed afterwards)."""
    fd = create_private(path)
    os.ftruncate(fd, 0)
    with os.fdopen(fd, "w", encoding=encoding) as handle:
        handle.write(text)


def readable_by_others(path: Path) -> int | None:
    """``path``'s permission bits when it exists and others (group or anyone) may use it, else ``None``."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & OTHERS else None


def exposure_warnings(paths: Iterable[Path], folders_of_files: Iterable[Path] = ()) -> list[str]:
    """One line for each of ``paths`` (files or folders) that others may read, naming it, its mode and the
    chmod to run; for each of ``folders_of_files`` (receipts, reports) also one line for the files in it
    that others may read, however many."""
    lines: list[str] = []
    for path in dict.fromkeys(paths):
        if (mode := readable_by_others(path)) is not None:
            lines.append(_warning(path, mode))
    for folder in dict.fromkeys(folders_of_files):
        if (mode := readable_by_others(folder)) is not None:
            lines.append(_warning(folder, mode))
        exposed = _exposed_files_in(folder)
        if exposed:
            lines.append(_("{n} files in {folder} can be read by other users (such as {file}); run: chmod 600 "
                           "{folder}/*").format(n=len(exposed), folder=folder, file=exposed[0].name))
    return lines


def _warning(path: Path, mode: int) -> str:
    fix = "700" if path.is_dir() else "600"
    return _("{path} can be read by other users (mode {mode}); run: chmod {fix} {path}").format(
        path=path, mode=f"{mode:04o}", fix=fix)


def _exposed_files_in(folder: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mode & OTHERS:
                found.append(Path(entry.path))
    return found
