"""Person data is masked before it enters the audit trail or a list a clerk did not open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from outlet_desk.domain.citizen_id import mask_citizen_id

CITIZEN_KEYS = frozenset({"citizen_number", "document_number", "chip_citizen_number", "proxy_document_number"})
NAME_KEYS = frozenset({"name", "document_name", "chip_name", "proxy_name", "display_name"})


def mask_name(name: str) -> str:
    """张三丰 -> 张**; a one-character name keeps only that character."""
    return name[:1] + "*" * max(len(name) - 1, 0)


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str) -> str:
    return address[:6] + ("***" if len(address) > 6 else "")


def mask_number(value: str) -> str:
    if len(value) == 18:
        return mask_citizen_id(value)
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_pii(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with every person-identifying value masked (nested mappings too)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out[key] = mask_pii(value)
        elif not isinstance(value, str) or not value:
            out[key] = value
        elif key in CITIZEN_KEYS:
            out[key] = mask_number(value)
        elif key in NAME_KEYS:
            out[key] = mask_name(value)
        elif key == "phone":
            out[key] = mask_phone(value)
        elif key == "address":
            out[key] = mask_address(value)
        else:
            out[key] = value
    return out
