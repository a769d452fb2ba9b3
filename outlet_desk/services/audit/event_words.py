"""An audit event's before/after values in words: each field named in the outlet's language, each code
(a card status, a reissue reason, a payment method...) as its words, money in yuan. The receipt an
event sealed is shown on its own (``services.audit.trail``), not as a field here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from outlet_desk.domain.approvals import ApprovalKind, ApprovalStatus
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.fees import PaymentMethod, ReissueReason, format_yuan
from outlet_desk.domain.identity_documents import DocumentType
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Role, counter_task_label
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _, colon
from outlet_desk.services.receipt_seal import RECEIPT_DETAIL, detail

#: The words of the fields the services write into before/after (a nested field is ``outer.inner``; its
#: last part is looked up). A field not listed reads as its own name.
FIELD_WORDS: Mapping[str, str] = {
    "status": N_("status"),
    "card_number": N_("card number"),
    "identification_code": N_("identification code"),
    "citizen_number": N_("citizen number"),
    "document_number": N_("document number"),
    "document_type": N_("document type"),
    "proxy_document_number": N_("proxy's document number"),
    "name": N_("name"),
    "document_name": N_("name on the document"),
    "proxy_name": N_("proxy's name"),
    "display_name": N_("name"),
    "username": N_("user name"),
    "role": N_("role"),
    "reason": N_("reason"),
    "reissue_reason": N_("reissue reason"),
    "request_id": N_("request number"),
    "request_status": N_("request status"),
    "fee_fen": N_("fee (yuan)"),
    "paid_fen": N_("paid (yuan)"),
    "waived_fen": N_("waived (yuan)"),
    "payment_method": N_("payment method"),
    "payment_reference": N_("payment reference"),
    "version": N_("record version"),
    "lapses_at": N_("lapses at"),
    "ready_on": N_("ready on"),
    "locked": N_("locked"),
    "active": N_("active"),
    "kind": N_("kind"),
    "found": N_("found"),
    "day": N_("day"),
    "phone": N_("phone"),
    "address": N_("address"),
    "flow": N_("task"),
    "passed": N_("passed"),
    "action": N_("action"),
    "co_signer": N_("second supervisor"),
    "old_card": N_("old card"),
    "new_card": N_("new card"),
}

#: Fields whose value is a code of one of these enums (tried in order; a code none knows reads as itself).
CODE_FIELDS: Mapping[str, tuple[type[Worded], ...]] = {
    "status": (CardStatus, RequestStatus, ApprovalStatus),
    "request_status": (RequestStatus,),
    "reason": (ReissueReason,),
    "reissue_reason": (ReissueReason,),
    "payment_method": (PaymentMethod,),
    "role": (Role,),
    "document_type": (DocumentType,),
    "action": (ApprovalKind,),
}


@dataclass(frozen=True)
class Change:
    """One field of an event: its words, and its value before and after ("" where the event has none)."""

    field: str
    before: str
    after: str


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if not prefix and key == RECEIPT_DETAIL:
            continue
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


ENTITY_WORDS: Mapping[str, str] = {
    "approval": N_("approval"), "card": N_("card"), "card_transfer": N_("card sent to another outlet"),
    "cash_up": N_("cash-up"), "data_key": N_("data key"),
    "day_close": N_("day close"), "identity_check": N_("identity check"), "operator": N_("operator"),
    "outlet": N_("outlet"), "person": N_("person"), "reissue_request": N_("reissue request"),
    "stock_batch": N_("card batch"), "stock_item": N_("card in stock"),
}
"""What an audit event is about (its ``entity``), in words; an unknown one reads as itself."""


def entity_words(entity: str) -> str:
    return _(ENTITY_WORDS[entity]) if entity in ENTITY_WORDS else entity


def field_words(path: str) -> str:
    """``old_card.status`` -> "old card: status"; an unknown field reads as itself."""
    return colon().join(_(FIELD_WORDS[part]) if part in FIELD_WORDS else part for part in path.split("."))


def value_words(path: str, value: Any) -> str:
    """A value as a person reads it: a code as its words, money in yuan, yes/no, a list joined."""
    field = path.rsplit(".", 1)[-1]
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    if isinstance(value, list):
        return ", ".join(value_words(path, item) for item in value)
    text = str(value)
    if field == "flow":
        return counter_task_label(text)
    for enum in CODE_FIELDS.get(field, ()):
        words = enum.label_of(text)
        if words != text:
            return words
    return text


def changes(before_text: str, after_text: str) -> tuple[Change, ...]:
    """The event's fields in words, in the order written (the before's first), the sealed receipt left out."""
    before, after = _flat(detail(before_text)), _flat(detail(after_text))
    paths = list(before) + [path for path in after if path not in before]
    return tuple(Change(field_words(path), value_words(path, before[path]) if path in before else "",
                        value_words(path, after[path]) if path in after else "") for path in paths)
