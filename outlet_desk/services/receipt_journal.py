"""The receipts a crash cannot lose: a note written before the use case commits, settled once its files
are written.

A receipt's text and PDF are written after its use case commits (the screen shows the receipt at once and
saves it in a worker), so a desk killed between the commit and the last file would leave a committed use
case without its receipt. The unit of work therefore notes every receipt it issues, in a 0600 file named
by its verification code in the receipts folder's ``.pending`` folder, just before it commits (if the note
cannot be written, the use case is not committed: :class:`ReceiptNotNoted`). Writing the receipt's files
settles the note. The next start (:mod:`outlet_desk.services.receipt_recovery`) finds the notes still
there: a receipt whose row was committed has its files written again from the note; a note whose use case
never committed is dropped once it is older than any use case in flight (:data:`IN_FLIGHT_SECONDS`).
A commit that fails leaves its note too, on purpose: whether it committed is read from the store at the
next start, never assumed (a connection lost during the commit may have committed it).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from outlet_desk.i18n import _
from outlet_desk.private_files import private_folder
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.errors import ServiceError

PENDING_FOLDER = ".pending"
IN_FLIGHT_SECONDS = 3600
"""A note younger than this may belong to a use case another desk on this machine has not committed yet."""


class ReceiptNotNoted(ServiceError):
    """The receipt's note could not be written (a full disk, a folder that cannot be written): the use case
    is rolled back rather than committed with a receipt that might be lost."""

    code = "receipt_not_noted"

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(_("The receipt could not be written in {folder} ({reason}); nothing was saved. Free "
                           "the disk or fix the folder, then do the task again.").format(folder=folder,
                                                                                       reason=reason))


def pending_folder(receipts_folder: Path) -> Path:
    return receipts_folder / PENDING_FOLDER


def note_path(receipts_folder: Path, code: str) -> Path:
    return pending_folder(receipts_folder) / f"{code}.json"


def note_receipt(receipts_folder: Path, code: str, receipt: dict[str, Any]) -> None:
    """Write the note of receipt ``code`` (its printable data) before its use case commits."""
    folder = pending_folder(receipts_folder)
    try:
        private_folder(folder)
        write_atomically(note_path(receipts_folder, code), json.dumps(receipt, default=_iso).encode())
    except OSError as error:
        raise ReceiptNotNoted(folder, error.strerror or str(error)) from error


def settle_receipt(receipts_folder: Path, code: str) -> None:
    """The receipt's files are written: its note goes."""
    note_path(receipts_folder, code).unlink(missing_ok=True)


@dataclass(frozen=True)
class Note:
    code: str
    receipt: dict[str, Any]
    age_seconds: float


def pending_notes(receipts_folder: Path) -> list[Note]:
    """The notes left by use cases whose receipt files were not confirmed written, oldest first. A note
    that cannot be read (cut short by a crash of the operating system) is returned with no data."""
    folder = pending_folder(receipts_folder)
    if not folder.is_dir():
        return []
    notes = []
    now = time.time()
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            data = {}
        notes.append(Note(path.stem, data if isinstance(data, dict) else {}, now - path.stat().st_mtime))
    return notes


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")
