"""What a receipt states, sealed by its audit event: the event's ``after`` detail carries it under
``"receipt"``, so the event's MAC covers every field the receipt prints (its time is the event's own).

A receipt is then checked against that sealed record, not believed: :func:`differences` names each field
on which the ``receipt`` row and the record disagree. Events sealed before receipts were (no
``"receipt"`` in their detail) are checked against what the event itself holds (:func:`legacy_record`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from outlet_desk.db.tables import AuditEvent, Receipt
from outlet_desk.domain.fees import format_yuan
from outlet_desk.i18n import N_, _

RECEIPT_DETAIL = "receipt"
"""The key of the sealed record in the event's ``after`` detail."""


@dataclass(frozen=True)
class SealedReceipt:
    """Everything a receipt states but its code (derived from the event's MAC) and its time (the event's).
    The proxy's name is masked here, as everywhere in the audit; the staff names are as printed."""

    kind: str
    outlet_code: str
    outlet_name: str
    operator_id: int | None
    operator: str
    person_id: int | None
    masked_citizen_number: str
    card_number: str
    request_id: int | None = None
    fee_fen: int = 0
    payment_method: str = ""
    waived_by: str = ""
    collected_by_proxy: str = ""
    holder: str = ""
    """The holder's name, masked (张**)."""
    reason: str = ""
    """A reissue's reason (a ``ReissueReason`` code)."""
    due_date: str = ""
    """When a reissued card can be collected (ISO date), if it was promised."""
    payment_reference: str = ""
    """An electronic payment's transaction reference."""
    batch_number: str = ""
    """A stock receipt: the card centre's batch number."""
    stock_counts: dict[str, int] = field(default_factory=dict)
    """A stock receipt: the batch's lines by ``StockStatus`` code."""
    witness: str = ""
    """A spoiled card: the second operator who witnessed it."""
    transfer_to: str = ""
    """A card sent to another outlet: that outlet's code and name."""
    legacy: bool = False
    """Read from an event sealed before receipts were: only what the event itself holds."""

    def detail(self) -> dict[str, Any]:
        """The mapping sealed in the event's ``after`` under ``"receipt"``."""
        fields = asdict(self)
        del fields["legacy"]
        return fields


def sealed_record(event: AuditEvent) -> SealedReceipt:
    """The receipt record its event sealed (or, for an event from before, what the event holds)."""
    after = detail(event.after)
    record = after.get(RECEIPT_DETAIL)
    if not isinstance(record, Mapping):
        return legacy_record(event, after)
    names = SealedReceipt.__dataclass_fields__.keys() - {"legacy"}
    try:
        sealed = SealedReceipt(**{name: record[name] for name in names if name in record})
    except TypeError:  # a record edited out of shape: its event's seal says so; compare what the event holds
        return legacy_record(event, after)
    if not isinstance(sealed.fee_fen, int) or not all(
            isinstance(value, str) for value in (sealed.kind, sealed.card_number, sealed.operator)):
        return legacy_record(event, after)
    return sealed


def legacy_record(event: AuditEvent, after: Mapping[str, Any]) -> SealedReceipt:
    """What an event sealed before receipts were says of its receipt: kind, outlet, operator, holder, the card
    (the old card of a reissue) and the fee paid (a reissue's)."""
    old_card = after.get("old_card")
    card = after.get("card_number") or (old_card.get("card_number") if isinstance(old_card, Mapping) else "")
    return SealedReceipt(kind=event.action, outlet_code=event.outlet_code, outlet_name=event.outlet_code,
                         operator_id=event.operator_id, operator="", person_id=event.person_id,
                         masked_citizen_number="", card_number=str(card or ""),
                         fee_fen=paid if isinstance(paid := after.get("paid_fen"), int) else 0, legacy=True)


def detail(text: str) -> dict[str, Any]:
    """An event's before or after text as a mapping ({} when empty or not a JSON object)."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Difference:
    """A field on which the receipt row and its sealed record disagree, with both values as shown."""

    field: str
    on_receipt: str
    sealed: str

    def text(self) -> str:
        return _("{field}: the receipt says {row}, the sealed record {sealed}").format(
            field=_(self.field), row=self.on_receipt or "-", sealed=self.sealed or "-")


FIELD_KIND = N_("kind")
FIELD_OUTLET = N_("outlet")
FIELD_OPERATOR = N_("operator")
FIELD_HOLDER = N_("holder")
FIELD_CARD = N_("card number")
FIELD_FEE = N_("fee")
FIELD_TIME = N_("date and time")


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def differences(row: Receipt, event: AuditEvent, record: SealedReceipt) -> tuple[Difference, ...]:
    """Every field on which the ``receipt`` row says something else than its sealed record (and event)."""
    found: list[Difference] = []

    def compare(field: str, on_row: object, sealed: object, shown: Any = str) -> None:
        if on_row != sealed:
            found.append(Difference(field, shown(on_row) if on_row is not None else "",
                                    shown(sealed) if sealed is not None else ""))

    compare(FIELD_KIND, row.kind, record.kind)
    compare(FIELD_OUTLET, row.outlet_code, record.outlet_code)
    compare(FIELD_OPERATOR, row.operator_id, record.operator_id)
    compare(FIELD_HOLDER, row.person_id, record.person_id)
    compare(FIELD_CARD, row.card_number, record.card_number)
    compare(FIELD_FEE, row.fee_fen, record.fee_fen, lambda fen: _("{yuan} yuan").format(yuan=format_yuan(fen)))
    assert event.at is not None
    compare(FIELD_TIME, _utc(row.issued_at), _utc(event.at),
            lambda at: at.strftime("%Y-%m-%d %H:%M:%S UTC"))
    # The sealed record against the event that seals it (its own columns).
    if not record.legacy:
        compare(FIELD_KIND, record.kind, event.action)
        compare(FIELD_OUTLET, record.outlet_code, event.outlet_code)
        compare(FIELD_OPERATOR, record.operator_id, event.operator_id)
        compare(FIELD_HOLDER, record.person_id, event.person_id)
    unique: dict[str, Difference] = {}
    for difference in found:
        unique.setdefault(difference.field, difference)
    return tuple(unique.values())
