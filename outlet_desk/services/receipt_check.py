"""Checking a receipt, and printing it again, from its sealed record (``outlet-desk receipt verify CODE``,
``outlet-desk receipt print CODE``).

The receipt row is not believed: its audit event is read, its MAC recomputed with the issuing outlet's key,
the code derived from that MAC again, and every field the row states compared with the record the event
sealed (:mod:`~outlet_desk.services.receipt_seal`). A receipt of another outlet of the same database is
compared with its sealed record too; its seal can be recomputed only with that outlet's key (``--key``),
which a desk of another outlet does not hold, and the answer says so.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Receipt
from outlet_desk.domain.fees import format_yuan
from outlet_desk.domain.text import is_control
from outlet_desk.i18n import _
from outlet_desk.services.audit import compute_mac
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.receipt_seal import Difference, SealedReceipt, differences, sealed_record
from outlet_desk.services.receipts import (
    KIND_LABELS,
    ReceiptData,
    SavedReceipt,
    normalise_code,
    receipt_of,
    save_receipt,
    verification_code,
)


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt code stands for, as its sealed record says, and what was found wrong ("" if nothing)."""

    code: str
    record: SealedReceipt
    issued_at: datetime
    event_seq: int
    seal_problem: str = ""
    """Why the receipt's audit event or code does not hold under the key ("" if it does, or was not checked)."""
    differs: tuple[Difference, ...] = ()
    seal_checked: bool = True
    """False: a receipt of another outlet, checked without that outlet's key."""

    @property
    def genuine(self) -> bool:
        return not self.seal_problem and not self.differs

    @property
    def title(self) -> str:
        return _(KIND_LABELS.get(self.record.kind, self.record.kind))

    @property
    def card_number(self) -> str:
        return self.record.card_number

    def message(self) -> str:
        if self.seal_problem:
            return _("Receipt {code} is on record but {problem}: do not trust it.").format(
                code=self.code, problem=self.seal_problem)
        if self.differs:
            return _("Receipt {code} does not match the audit record that sealed it ({fields}): do not trust "
                     "it.").format(code=self.code, fields="; ".join(d.text() for d in self.differs))
        r = self.record
        said = _("Receipt {code}: {what}, card {card}, fee {fee} yuan, at {outlet} on {when} by {who} "
                 "(event {seq}).").format(
            code=self.code, what=self.title, card=r.card_number or "-", fee=format_yuan(r.fee_fen),
            outlet=r.outlet_name, when=f"{self.issued_at:%Y-%m-%d %H:%M}", who=r.operator or "-",
            seq=self.event_seq)
        if self.seal_checked:
            return said
        return said + " " + _(
            "It matches the record sealed by outlet {outlet}'s audit event; that seal can be recomputed only with "
            "outlet {outlet}'s key (at a desk of that outlet, or with --key).").format(outlet=r.outlet_code)


def verify_receipt(desk: Desk, code: str, key: bytes | None = None) -> ReceiptCheck | None:
    """Check a receipt code against its sealed record (None if no receipt has that code). ``key``: the
    issuing outlet's audit key when it is not this desk's outlet (default: this desk's key, for its own)."""
    wanted = normalise_code(code)
    if any(is_control(char) for char in wanted):
        return None  # no code holds one (and a lone surrogate cannot even be sent to the store)
    with Session(desk.engine) as s:
        receipt = s.exec(select(Receipt).where(col(Receipt.code) == wanted)).first()
        if receipt is None:
            return None
        event = s.get(AuditEvent, receipt.audit_event_id)
        if event is None or event.at is None:
            return ReceiptCheck(receipt.code, _unsealed(receipt), receipt.issued_at.astimezone(desk.tz), 0,
                                _("its audit event is missing (deleted?)"))
        record = sealed_record(event)
        issued_at = event.at.astimezone(desk.tz)
        if key is None and event.outlet_code == desk.outlet_code:
            key = desk.audit_key
        found = ReceiptCheck(receipt.code, record, issued_at, event.seq, differs=differences(receipt, event, record),
                             seal_checked=key is not None)
        if key is None:
            return found
        if not hmac.compare_digest(compute_mac(key, event), event.mac):
            problem = _("its audit event {seq} does not match its seal (edited, or the key is not outlet {outlet}'s)")
            return replace(found, seal_problem=problem.format(seq=event.seq, outlet=event.outlet_code))
        if not hmac.compare_digest(verification_code(key, event.mac), receipt.code):
            return replace(found, seal_problem=_("its code was not made from its audit event {seq}").format(
                seq=event.seq))
        return found


def _unsealed(receipt: Receipt) -> SealedReceipt:
    return SealedReceipt(receipt.kind, receipt.outlet_code, receipt.outlet_code, receipt.operator_id, "",
                         receipt.person_id, "", receipt.card_number, fee_fen=receipt.fee_fen, legacy=True)


class ReceiptNotReprintable(ServiceError):
    code = "receipt_not_reprintable"


def reprint_receipt(desk: Desk, code: str) -> tuple[ReceiptData, SavedReceipt]:
    """Write a receipt's text and PDF again from its sealed record, marked as a copy (and print it if a
    print command is set). Refused for an unknown code, a receipt that does not verify, or one issued
    before receipts were sealed (its event does not hold what the receipt printed)."""
    found = verify_receipt(desk, code)
    if found is None:
        raise ReceiptNotReprintable(_("Receipt code {code} is unknown in this store.").format(code=code))
    if not found.genuine:
        raise ReceiptNotReprintable(found.message())
    if found.record.legacy:
        raise ReceiptNotReprintable(_(
            "Receipt {code} was issued before receipts were sealed in the audit chain: it verifies, but its "
            "event does not hold everything it printed, so it cannot be printed again.").format(code=found.code))
    data = receipt_of(found.record, found.code, found.event_seq, found.issued_at, copy_printed_at=desk.local_now())
    return data, save_receipt(desk, data)
