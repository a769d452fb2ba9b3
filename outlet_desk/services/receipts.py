"""Receipts: issued inside the use case they stand for (its audit event seals everything the receipt
states: :mod:`~outlet_desk.services.receipt_seal`), rendered as text and PDF (with a QR code of the
verification code) after it commits, checked and printed again from that sealed record
(:mod:`~outlet_desk.services.receipt_check`).

The verification code is derived from the audit event's MAC with the outlet's key, so a receipt can
only be made by the desk that holds the key, and a code that verifies names exactly one audit event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outlet_desk.db.tables import AuditEvent, Person, Receipt
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.fees import PaymentMethod, format_yuan
from outlet_desk.domain.text import visible
from outlet_desk.i18n import N_, _
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.context import Desk
from outlet_desk.services.fonts import CJK_FONT as CJK_FONT  # the PDFs' font (also set in reports)
from outlet_desk.services.masking import mask_name
from outlet_desk.services.output_files import files_in
from outlet_desk.services.receipt_seal import RECEIPT_DETAIL, SealedReceipt

if TYPE_CHECKING:
    from outlet_desk.services.uow import UnitOfWork

KIND_LABELS = {
    "loss_reported_hotline": N_("Temporary loss report (hotline)"),
    "loss_reported_counter": N_("Loss report at the counter"),
    "loss_made_formal": N_("Loss report made formal"),
    "loss_withdrawn": N_("Loss report withdrawn (card found)"),
    "reissue_applied": N_("Reissue application"),
    "card_collected": N_("New card collected and activated"),
}


FEE_KINDS = frozenset({"reissue_applied"})
"""Receipts that always show the fee (even when it is zero: free or waived)."""


def verification_code(key: bytes, event_mac: str) -> str:
    """10 characters of base32 (no 0/1/8/9 confusion: RFC 4648 alphabet), shown as ABCDE-FGH23."""
    digest = hmac.new(key, b"receipt|" + event_mac.encode(), hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else code.strip().upper()


@dataclass(frozen=True)
class ReceiptData:
    code: str
    event_seq: int
    kind: str
    outlet_code: str
    outlet_name: str
    operator: str
    issued_at: datetime
    card_number: str
    masked_citizen_number: str
    fee_fen: int
    collected_by_proxy: str = ""
    """A card collected by a proxy: the proxy's name and relationship to the holder, printed on the receipt."""
    waived_by: str = ""
    """A fee waived: the supervisor who approved the waiver (nothing was paid: ``fee_fen`` is 0)."""
    payment_method: str = ""
    """How the fee was paid (a code of ``[fees] payment_methods``), when one was paid."""
    copy_printed_at: datetime | None = None
    """A copy printed again from the sealed record (``outlet-desk receipt print``): when."""

    def title(self) -> str:
        return _(KIND_LABELS.get(self.kind, self.kind))


def issue_receipt(
    uow: UnitOfWork, kind: str, entity: str, entity_id: int, *, person_id: int | None, card_number: str,
    fee_fen: int = 0, request_id: int | None = None, before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None, proxy: tuple[str, str] | None = None, waived_by: str = "",
    payment_method: str = "",
) -> tuple[AuditEvent, ReceiptData]:
    """Write the use case's audit event (action ``kind``) with everything its receipt states sealed in it
    (:mod:`~outlet_desk.services.receipt_seal`), and record the receipt, inside its transaction.
    ``proxy``: the name and relationship of whoever collected for the holder (masked in the seal)."""
    s = uow.session
    desk = uow.desk
    person = s.get(Person, person_id) if person_id is not None else None
    masked = mask_citizen_id(person.citizen_number) if person else ""
    operator = uow.actor.display_name if uow.actor else "system"
    record = SealedReceipt(
        kind=kind, outlet_code=desk.outlet_code, outlet_name=desk.settings.outlet.name,
        operator_id=uow.actor.operator_id if uow.actor else None, operator=operator, person_id=person_id,
        masked_citizen_number=masked, card_number=card_number, request_id=request_id, fee_fen=fee_fen,
        payment_method=payment_method, waived_by=waived_by,
        collected_by_proxy=proxy_text(mask_name(proxy[0]), proxy[1]) if proxy else "")
    event = uow.audit(kind, entity, entity_id, person_id=person_id, before=before,
                      after={**(after or {}), RECEIPT_DETAIL: record.detail()})
    s.flush()
    assert event.id is not None and event.at is not None
    code = verification_code(desk.audit_key, event.mac)
    s.add(Receipt(code=code, outlet_code=desk.outlet_code, audit_event_id=event.id, kind=kind,
                  operator_id=event.operator_id, person_id=person_id, card_number=card_number, fee_fen=fee_fen,
                  issued_at=event.at))
    printed = receipt_of(record, code, event.seq, event.at.astimezone(desk.tz))
    return event, replace(printed, collected_by_proxy=proxy_text(*proxy) if proxy else "")


def proxy_text(name: str, relationship: str) -> str:
    """How a proxy is named on a receipt: name (relationship)."""
    return f"{name} ({relationship})"


def receipt_of(record: SealedReceipt, code: str, event_seq: int, issued_at: datetime,
               copy_printed_at: datetime | None = None) -> ReceiptData:
    """The receipt as printed, from its sealed record (``copy_printed_at``: a copy printed again then)."""
    return ReceiptData(
        code=code, event_seq=event_seq, kind=record.kind, outlet_code=record.outlet_code,
        outlet_name=record.outlet_name, operator=record.operator, issued_at=issued_at,
        card_number=record.card_number, masked_citizen_number=record.masked_citizen_number,
        fee_fen=record.fee_fen, collected_by_proxy=record.collected_by_proxy, waived_by=record.waived_by,
        payment_method=record.payment_method, copy_printed_at=copy_printed_at,
    )


def _line(label: str, value: object) -> str:
    """One ``label: value`` line; a value from outside (a name) shows its control characters as escapes."""
    return f"{label}: {visible(str(value))}"


def _header_lines(r: ReceiptData) -> list[str]:
    """Who issued the receipt: the outlet's name and code."""
    return [visible(r.outlet_name), _line(_("Outlet"), r.outlet_code)]


def _fee_lines(r: ReceiptData) -> list[str]:
    if r.waived_by:
        return [_line(_("Fee"), _("waived, approved by {name}").format(name=r.waived_by))]
    if not (r.kind in FEE_KINDS or r.fee_fen):
        return []
    lines = [_line(_("Fee"), _("{yuan} yuan").format(yuan=format_yuan(r.fee_fen)))]
    if r.fee_fen and r.payment_method:
        lines.append(_line(_("Paid by"), PaymentMethod.label_of(r.payment_method)))
    return lines


def _field_lines(r: ReceiptData) -> list[str]:
    """What was done, for whom, by whom, when, and how to check it: the receipt's body, on paper and in PDF."""
    # Each label is its own _() call (the catalogue's extractor does not look inside f-strings).
    return [
        _line(_("Card"), r.card_number),
        _line(_("Citizen number"), r.masked_citizen_number),
        *_fee_lines(r),
        *([_line(_("Collected by proxy"), r.collected_by_proxy)] if r.collected_by_proxy else []),
        _line(_("Operator"), r.operator),
        _line(_("Time"), f"{r.issued_at:%Y-%m-%d %H:%M:%S}"),
        _line(_("Event number"), r.event_seq),
        _line(_("Verification code"), r.code),
    ]


def _copy_lines(r: ReceiptData) -> list[str]:
    """A copy says so, with when it was printed again (nothing on the original)."""
    if r.copy_printed_at is None:
        return []
    return [_("COPY, printed again from the sealed audit record on {when}").format(
        when=f"{r.copy_printed_at:%Y-%m-%d %H:%M}")]


def render_text(r: ReceiptData) -> str:
    lines = [
        *_copy_lines(r),
        *_header_lines(r),
        "=" * 32,
        r.title(),
        *_field_lines(r),
        "=" * 32,
        _("Check this receipt at any outlet with its verification code."),
    ]
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _font_bytes_available() -> bool:
    return CJK_FONT.exists()


def render_pdf(r: ReceiptData, path: Path) -> None:
    """A one-page receipt (A6) with a CJK font and the QR code of the verification code."""
    import segno
    from fpdf import FPDF

    if not _font_bytes_available():
        raise FileNotFoundError(
            _("The Chinese font {font} is missing; run scripts/setup.sh (package fonts-wqy-microhei).").format(
                font=CJK_FONT)
        )
    pdf = FPDF(format=(105, 148))  # A6, in mm
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("wqy", fname=str(CJK_FONT), collection_font_number=0)
    outlet_name, outlet_line = _header_lines(r)
    for line in _copy_lines(r):
        pdf.set_font("wqy", size=10)
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=11)
    pdf.multi_cell(0, 6, outlet_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
    pdf.cell(0, 5, outlet_line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=13)
    pdf.multi_cell(0, 8, r.title(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
    for line in _field_lines(r):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    qr = segno.make(r.code, error="m")
    png = path.with_suffix(".qr.png")
    qr.save(str(png), scale=4, border=1)
    pdf.image(str(png), x=pdf.l_margin, y=pdf.get_y() + 2, w=25)
    png.unlink()
    pdf.set_y(pdf.get_y() + 29)
    pdf.multi_cell(0, 4, _("Check this receipt at any outlet with its verification code."))
    write_atomically(path, bytes(pdf.output()))


@dataclass(frozen=True)
class SavedReceipt:
    text_path: Path
    pdf_path: Path
    printed: bool
    print_error: str = ""


def save_receipt(desk: Desk, r: ReceiptData) -> SavedReceipt:
    """Write the receipt's text and PDF into the receipts folder, and print it if a command is set."""
    stem = f"{r.issued_at:%Y%m%d-%H%M%S}-{r.event_seq}-{r.code}"
    if r.copy_printed_at is not None:
        stem += f"-copy-{r.copy_printed_at:%Y%m%d-%H%M%S}"
    text_path, pdf_path = files_in(desk.settings.receipts_dir(), stem, "txt", "pdf")
    write_atomically(text_path, render_text(r).encode("utf-8"))
    render_pdf(r, pdf_path)
    argv = desk.settings.receipts.print_argv(pdf_path)
    if not argv:
        return SavedReceipt(text_path, pdf_path, False)
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SavedReceipt(text_path, pdf_path, False, _("Printing failed: {e}").format(e=exc))
    if proc.returncode != 0:
        return SavedReceipt(text_path, pdf_path, False, _("Printing failed ({cmd}): {err}").format(
            cmd=shlex.join(argv), err=proc.stderr.strip()[:200]))
    return SavedReceipt(text_path, pdf_path, True)
