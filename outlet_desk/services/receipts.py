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
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from outlet_desk.db.tables import Person, Receipt
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.fees import PaymentMethod, ReissueReason, format_yuan
from outlet_desk.domain.stock import StockStatus
from outlet_desk.domain.text import visible
from outlet_desk.i18n import N_, _
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.audit.store import SealedEvent
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.fonts import CJK_FONT as CJK_FONT  # the PDFs' font (also set in reports)
from outlet_desk.services.masking import mask_name
from outlet_desk.services.output_files import files_in
from outlet_desk.services.printing import print_pdf
from outlet_desk.services.receipt_journal import note_receipt, settle_receipt
from outlet_desk.services.receipt_seal import RECEIPT_DETAIL, SealedReceipt

if TYPE_CHECKING:
    from outlet_desk.services.uow import UnitOfWork

#: A receipt's title by the audit action it stands for (the receipt's kind).
KIND_LABELS: dict[str, str] = {
    AuditAction.LOSS_REPORTED_HOTLINE: N_("Temporary loss report (hotline)"),
    AuditAction.LOSS_REPORTED_COUNTER: N_("Loss report at the counter"),
    AuditAction.LOSS_MADE_FORMAL: N_("Loss report made formal"),
    AuditAction.LOSS_WITHDRAWN: N_("Loss report withdrawn (card found)"),
    AuditAction.REISSUE_APPLIED: N_("Reissue application"),
    AuditAction.CARD_COLLECTED: N_("New card collected and activated"),
    AuditAction.PIN_RESET: N_("PIN reset (free of charge)"),
    AuditAction.PIN_UNBLOCKED: N_("Blocked PIN unblocked (free of charge)"),
    AuditAction.CARD_CANCELLED_DEATH: N_("Cards cancelled: the holder died"),
    AuditAction.CARD_CANCELLED_EMIGRATION: N_("Cards cancelled: the holder emigrated"),
    AuditAction.CARD_CANCELLED_DUPLICATE: N_("Duplicate card cancelled"),
    AuditAction.CARD_RETAINED: N_("Voucher for a retained card"),
    AuditAction.STOCK_BATCH_CLOSED: N_("Stock receipt: batch of cards received"),
    AuditAction.CARD_SPOILED: N_("Spoiled card record"),
    AuditAction.CARD_TRANSFER_SENT: N_("Stock receipt: card sent to another outlet"),
}


FEE_KINDS: frozenset[str] = frozenset({AuditAction.REISSUE_APPLIED})
"""Receipts that always show the fee (even when it is zero: free or waived)."""
STOCK_KINDS: frozenset[str] = frozenset({AuditAction.STOCK_BATCH_CLOSED, AuditAction.CARD_SPOILED})
"""Receipts of the card stock: a batch names no card, a spoiled blank card no card and no holder."""


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
    holder: str = ""
    """The card holder's name, masked (``services.masking.mask_name``: 张**)."""
    request_id: int | None = None
    """The reissue request the receipt stands for (a reissue, a collection)."""
    reason: str = ""
    """Why the card is reissued (a ``ReissueReason`` code)."""
    due_date: date | None = None
    """When the new card can be collected."""
    payment_reference: str = ""
    """The transaction reference of an electronic payment (WeChat Pay, Alipay, bank card)."""
    copy_printed_at: datetime | None = None
    """A copy printed again from the sealed record (``outlet-desk receipt print``): when."""
    batch_number: str = ""
    """A stock receipt: the card centre's batch number."""
    stock_counts: dict[str, int] = field(default_factory=dict)
    """A stock receipt: the batch's lines by ``StockStatus`` code."""
    witness: str = ""
    """A spoiled card: the second operator who witnessed it."""
    transfer_to: str = ""
    """A card sent to another outlet: that outlet's code and name."""

    def title(self) -> str:
        return _(KIND_LABELS.get(self.kind, self.kind))


_RECEIPT_INSERT = Receipt.__table__.insert()  # type: ignore[attr-defined]


def issue_receipt(
    uow: UnitOfWork, kind: AuditAction, entity: str, entity_id: int, *, person_id: int | None,
    card_number: str, fee_fen: int = 0, request_id: int | None = None, before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None, proxy: tuple[str, str] | None = None, waived_by: str = "",
    payment_method: str = "", reason: str = "", due_date: date | None = None, payment_reference: str = "",
    batch_number: str = "", stock_counts: Mapping[str, int] | None = None, witness: str = "",
    transfer_to: str = "",
) -> tuple[SealedEvent, ReceiptData]:
    """Write the use case's audit event (action ``kind``) with everything its receipt states sealed in it
    (:mod:`~outlet_desk.services.receipt_seal`), and record the receipt, inside its transaction; its note
    is written before the commit, so a crash cannot lose it (:mod:`~outlet_desk.services.receipt_journal`).
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
        collected_by_proxy=proxy_text(mask_name(proxy[0]), proxy[1]) if proxy else "",
        holder=mask_name(person.name) if person else "", reason=reason,
        due_date=due_date.isoformat() if due_date else "", payment_reference=payment_reference,
        batch_number=batch_number, stock_counts=dict(stock_counts or {}), witness=witness, transfer_to=transfer_to)
    uow.audit(kind, entity, entity_id, person_id=person_id, before=before,
              after={**(after or {}), RECEIPT_DETAIL: record.detail()})
    event = uow.seal()  # the code is the event's MAC; the use case commits right after its receipt
    code = verification_code(desk.audit_key, event.mac)
    try:  # one Core INSERT (no ORM object built and flushed for a row only written)
        s.connection().execute(_RECEIPT_INSERT, {
            "code": code, "outlet_code": desk.outlet_code, "audit_event_id": event.id, "kind": event.action,
            "operator_id": event.operator_id, "person_id": person_id, "card_number": card_number,
            "fee_fen": fee_fen, "issued_at": event.at})
    except IntegrityError as exc:  # as at the commit: another counter's receipt took the code
        raise RecordChanged() from exc
    printed = receipt_of(record, code, event.seq, event.at.astimezone(desk.tz))
    receipt = replace(printed, collected_by_proxy=proxy_text(*proxy) if proxy else "")
    folder = desk.settings.receipts_dir()
    uow.before_commit(lambda: note_receipt(folder, code, asdict(receipt)))  # a crash cannot lose it
    return event, receipt


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
        payment_method=record.payment_method, copy_printed_at=copy_printed_at, holder=record.holder,
        request_id=record.request_id, reason=record.reason,
        due_date=date.fromisoformat(record.due_date) if record.due_date else None,
        payment_reference=record.payment_reference, batch_number=record.batch_number,
        stock_counts=dict(record.stock_counts), witness=record.witness, transfer_to=record.transfer_to,
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
    if r.fee_fen < 0:  # a cancellation paid a fee back
        return [_line(_("Paid back"), _("{yuan} yuan").format(yuan=format_yuan(-r.fee_fen))),
                *([_line(_("Paid by"), PaymentMethod.label_of(r.payment_method))] if r.payment_method else [])]
    lines = [_line(_("Fee"), _("{yuan} yuan").format(yuan=format_yuan(r.fee_fen)))]
    if r.fee_fen and r.payment_method:
        lines.append(_line(_("Paid by"), PaymentMethod.label_of(r.payment_method)))
    if r.fee_fen and r.payment_reference:
        lines.append(_line(_("Payment reference"), r.payment_reference))
    return lines


def _request_lines(r: ReceiptData) -> list[str]:
    """The request a reissue or collection receipt stands for: its number, the reason and the due date."""
    lines = []
    if r.request_id is not None:
        lines.append(_line(_("Request number"), r.request_id))
    if r.reason:
        lines.append(_line(_("Reason"), ReissueReason.label_of(r.reason)))
    if r.witness:
        lines.append(_line(_("Witness"), r.witness))
    if r.transfer_to:
        lines.append(_line(_("Sent to outlet"), r.transfer_to))
    if r.due_date is not None:
        lines.append(_line(_("Collect from"), r.due_date.isoformat()))
    return lines


def _stock_lines(r: ReceiptData) -> list[str]:
    """A stock receipt: the batch, and its cards by what became of them."""
    if not r.batch_number:
        return []
    return [_line(_("Batch"), r.batch_number),
            *(_line(StockStatus.label_of(status), n) for status, n in sorted(r.stock_counts.items()))]


def _field_lines(r: ReceiptData) -> list[str]:
    """What was done, for whom, by whom, when, and how to check it: the receipt's body, on paper and in PDF."""
    # Each label is its own _() call (the catalogue's extractor does not look inside f-strings).
    return [
        *([_line(_("Holder"), r.holder)] if r.holder else []),
        *_stock_lines(r),
        *([_line(_("Card"), r.card_number)] if r.card_number or r.kind not in STOCK_KINDS else []),
        *([_line(_("Citizen number"), r.masked_citizen_number)] if r.masked_citizen_number
          or r.kind not in STOCK_KINDS else []),
        *_request_lines(r),
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


QR_MM = 30
"""The printed width of the QR code with its quiet zone."""
QR_QUIET_ZONE = 4
"""Modules of white around the code: the QR standard's minimum, which phone scanners and zbar rely on."""


def qr_png(code: str) -> bytes:
    """A standard QR code (never Micro QR, which ``segno.make`` picks for short data and few scanners read)
    of the verification code, with the standard quiet zone, as PNG."""
    import segno

    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=8, border=QR_QUIET_ZONE)
    return buffer.getvalue()


def render_pdf(r: ReceiptData, path: Path) -> None:
    """A one-page receipt (A6) with a CJK font and the QR code of the verification code."""
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
    pdf.image(io.BytesIO(qr_png(r.code)), x=pdf.l_margin, y=pdf.get_y() + 2, w=QR_MM)
    pdf.set_y(pdf.get_y() + QR_MM + 4)
    pdf.multi_cell(0, 4, _("Check this receipt at any outlet with its verification code."))
    write_atomically(path, bytes(pdf.output()))


@dataclass(frozen=True)
class SavedReceipt:
    text_path: Path
    pdf_path: Path
    printed: bool
    print_error: str = ""


def write_receipt_files(desk: Desk, r: ReceiptData) -> tuple[Path, Path]:
    """Write the receipt's text and PDF into the receipts folder (again, if they were written before: the
    same names, the same content), then settle its note (``services/receipt_journal.py``)."""
    folder = desk.settings.receipts_dir()
    stem = f"{r.issued_at:%Y%m%d-%H%M%S}-{r.event_seq}-{r.code}"
    if r.copy_printed_at is not None:
        stem += f"-copy-{r.copy_printed_at:%Y%m%d-%H%M%S}"
    text_path, pdf_path = files_in(desk.settings.receipts_dir(), stem, "txt", "pdf")
    write_atomically(text_path, render_text(r).encode("utf-8"))
    render_pdf(r, pdf_path)
    settle_receipt(folder, r.code)
    return text_path, pdf_path


def receipt_from_note(data: dict[str, object]) -> ReceiptData:
    """The receipt a note holds (``asdict`` of a :class:`ReceiptData`, times as ISO text)."""
    values = dict(data)
    values["issued_at"] = datetime.fromisoformat(str(values["issued_at"]))
    if values.get("due_date"):
        values["due_date"] = date.fromisoformat(str(values["due_date"]))
    return ReceiptData(**values)  # type: ignore[arg-type]


def save_receipt(desk: Desk, r: ReceiptData) -> SavedReceipt:
    """Write the receipt's text and PDF into the receipts folder, and print it if a command is set."""
    text_path, pdf_path = write_receipt_files(desk, r)
    printed, problem = print_pdf(desk.settings, pdf_path)
    return SavedReceipt(text_path, pdf_path, printed, problem)
