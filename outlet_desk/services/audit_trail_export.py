"""The audit viewer's events as CSV and JSON (the command line's output, the screen's export), and the export
written as private files (0600) in the reports folder. No Textual, no Rich."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from outlet_desk.domain.audit_actions import SealStatus
from outlet_desk.domain.fees import format_yuan
from outlet_desk.i18n import colon
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.audit.event_words import Change
from outlet_desk.services.audit_trail import TrailEvent
from outlet_desk.services.output_files import files_in
from outlet_desk.services.receipt_seal import detail
from outlet_desk.services.report_export import BOM

CSV_COLUMNS = ("seq", "time", "operator", "action", "action_words", "entity", "entity_id", "changes", "seal",
               "seal_problem", "receipt_code", "receipt_card_number", "receipt_fee_yuan")

_FORMULA_START = ("=", "+", "@", "\t", "\r")


def cell(value: str) -> str:
    """A value a spreadsheet reads as text, never as a formula: one starting like a formula gets a quote."""
    if value.startswith(_FORMULA_START) or (value.startswith("-") and len(value) > 1 and not _is_number(value)):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def change_text(change: Change) -> str:
    """One field as a line: "status: active -> reported lost" (a value only before or after: that one)."""
    if change.before and change.after:
        return f"{change.field}{colon()}{change.before} -> {change.after}"
    return f"{change.field}{colon()}{change.before or change.after}"


def changes_text(event: TrailEvent) -> str:
    return "; ".join(change_text(c) for c in event.changes)


def _time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


def event_json(event: TrailEvent, tz: tzinfo) -> dict[str, Any]:
    """An event as JSON: its words and its sealed values (before/after as objects, personal data masked)."""
    receipt = event.receipt
    return {
        "seq": event.seq, "time": _time(event.at, tz), "operator": event.operator, "action": event.action,
        "action_words": event.action_words, "entity": event.entity, "entity_id": event.entity_id,
        "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in event.changes],
        "before": detail(event.before), "after": detail(event.after),
        "seal": event.seal.status.value, "seal_words": SealStatus.label_of(event.seal.status),
        "seal_problem": event.seal.problem,
        "receipt": None if receipt is None else {"code": receipt.code, "title": receipt.title,
                                                 "card_number": receipt.card_number,
                                                 "fee_yuan": format_yuan(receipt.fee_fen)},
    }


def to_json(events: Iterable[TrailEvent], tz: tzinfo) -> str:
    return json.dumps([event_json(e, tz) for e in events], ensure_ascii=False, indent=2) + "\n"


def to_csv(events: Iterable[TrailEvent], tz: tzinfo, *, bom: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        receipt = e.receipt
        writer.writerow([cell(str(value)) for value in (
            e.seq, _time(e.at, tz), e.operator, e.action, e.action_words, e.entity, e.entity_id, changes_text(e),
            e.seal.status.value, e.seal.problem, receipt.code if receipt else "",
            receipt.card_number if receipt else "", format_yuan(receipt.fee_fen) if receipt else "")])
    return (BOM if bom else "") + buffer.getvalue()


def write_export(folder: Path, stem: str, events: Iterable[TrailEvent], tz: tzinfo) -> tuple[Path, Path]:
    """The events as ``stem.csv`` (with a byte-order mark, for spreadsheets) and ``stem.json`` in ``folder``,
    each written whole or not at all, mode 0600."""
    shown = list(events)
    csv_path, json_path = files_in(folder, stem, "csv", "json")
    write_atomically(csv_path, to_csv(shown, tz, bom=True).encode("utf-8"))
    write_atomically(json_path, to_json(shown, tz).encode("utf-8"))
    return csv_path, json_path
