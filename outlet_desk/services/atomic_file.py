"""Writing a file whole or not at all: the bytes go to a temporary file beside it, are flushed to the
disk, and the temporary file takes the name in one step. A full disk, a crash or a folder that cannot
be written leaves the old file (or none), never half of a new one; the error reaches the caller."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600, as every file the desk writes may hold personal data). An
    ``OSError`` names ``path``, not the temporary file."""
    try:
        _write(path, data)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from error


def _write(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
