"""At start: the receipts of committed use cases whose files a crash cut off are written again.

Each note left in the receipts folder's ``.pending`` folder (``services/receipt_journal.py``) is one receipt
whose files were not confirmed written. If its receipt row is in the store, the use case committed: its
text and PDF are written again from the note (not printed: the desk says which ones, so the clerk can print
them). If not, the use case was rolled back: the note is dropped, once it is older than any use case still
in flight on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Receipt
from outlet_desk.i18n import _
from outlet_desk.services.context import Desk
from outlet_desk.services.receipt_journal import IN_FLIGHT_SECONDS, pending_notes, settle_receipt
from outlet_desk.services.receipts import receipt_from_note, write_receipt_files


@dataclass(frozen=True)
class RecoveredReceipts:
    written: tuple[str, ...]
    """Verification codes of the receipts written again."""
    unreadable: tuple[str, ...] = ()
    """Notes of committed receipts that could not be read (``outlet-desk receipt verify`` still knows them)."""

    def message(self) -> str:
        lines = []
        if self.written:
            lines.append(_("{n} receipts of tasks done before the desk stopped were written again (not "
                           "printed): {codes}.").format(n=len(self.written), codes=", ".join(self.written)))
        if self.unreadable:
            lines.append(_("The receipts {codes} were done but their files could not be written again; their "
                           "codes still verify.").format(codes=", ".join(self.unreadable)))
        return " ".join(lines)


def rewrite_pending_receipts(desk: Desk) -> RecoveredReceipts:
    """Write again the receipt files that a crash cut off; drop the notes of use cases that never committed."""
    folder = desk.settings.receipts_dir()
    notes = pending_notes(folder)
    if not notes:
        return RecoveredReceipts(())
    with Session(desk.engine) as s:
        committed = set(s.exec(select(Receipt.code).where(col(Receipt.code).in_([n.code for n in notes]))).all())
    written: list[str] = []
    unreadable: list[str] = []
    for note in notes:
        if note.code not in committed:
            if note.age_seconds > IN_FLIGHT_SECONDS:
                settle_receipt(folder, note.code)
            continue
        try:
            receipt = receipt_from_note(note.receipt)
        except (KeyError, TypeError, ValueError):
            unreadable.append(note.code)
            continue
        write_receipt_files(desk, receipt)
        written.append(note.code)
    return RecoveredReceipts(tuple(written), tuple(unreadable))
