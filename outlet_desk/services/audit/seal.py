"""Sealing: the canonical bytes of an event or a checkpoint and their HMAC-SHA256 under the outlet's key,
the key's id, and the shapes the verification reads (:class:`Link`, :class:`Checkpoint`).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from outlet_desk.db.tables import AuditEvent

# One encoder for every seal: the same bytes as json.dumps(..., ensure_ascii=False, separators=(",", ":")),
# without building a new encoder per call (that was a fifth of a full verification's time).
canonical_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def canonical(event: AuditEvent | Any) -> bytes:
    assert event.at is not None
    fields = [
        event.outlet_code,
        event.seq,
        event.at.isoformat(timespec="microseconds"),
        event.operator_id,
        event.action,
        event.entity,
        event.entity_id,
        event.person_id,
        event.before,
        event.after,
        event.prev_mac,
    ]
    return canonical_json(fields).encode("utf-8")


def mac_hex(key: bytes, message: bytes) -> str:
    return hmac.digest(key, message, "sha256").hex()


def compute_mac(key: bytes, event: AuditEvent | Any) -> str:
    return mac_hex(key, canonical(event))


@lru_cache(maxsize=8)
def key_id(key: bytes) -> str:
    """What ``audit_head`` keeps to recognise the key: the first 16 hex digits of HMAC-SHA256(key, a fixed
    text). It tells keys apart without revealing the key."""
    return mac_hex(key, b"outlet-desk audit key id")[:16]


class Link(NamedTuple):
    """One event as the verification needs it: where it sits, what it points at, its seal, and the
    canonical bytes that seal must be the HMAC of."""

    id: int | None
    seq: int
    prev_mac: str
    mac: str
    message: bytes


def links_of(events: Iterable[AuditEvent | Any]) -> Iterator[Link]:
    """Links from event objects (ORM rows or anything with the event's attributes)."""
    for event in events:
        yield Link(event.id, event.seq, event.prev_mac, event.mac, canonical(event))


@dataclass(frozen=True)
class Checkpoint:
    """A recorded verification: events 1..``seq`` were intact at ``verified_at``; ``how`` is ``full`` or
    ``since <seq>`` (built on the checkpoint at that event)."""

    id: int | None
    outlet_code: str
    seq: int
    mac: str
    verified_at: datetime
    how: str
    operator_id: int | None
    seal: str

    @property
    def full(self) -> bool:
        return self.how == "full"


def checkpoint_message(cp: Checkpoint) -> bytes:
    fields = ["audit_checkpoint", cp.outlet_code, cp.seq, cp.mac,
              cp.verified_at.astimezone(UTC).isoformat(timespec="microseconds"), cp.how, cp.operator_id]
    return canonical_json(fields).encode("utf-8")


def seal_checkpoint(key: bytes, cp: Checkpoint) -> Checkpoint:
    return replace(cp, seal=mac_hex(key, checkpoint_message(cp)))


def head_message(outlet_code: str, seq: int, mac: str, head_key_id: str) -> bytes:
    """The canonical bytes of an outlet's ``audit_head``: which outlet, its last event and that event's
    MAC, and the id of the key that seals the chain."""
    return canonical_json(["audit_head", outlet_code, seq, mac, head_key_id]).encode("utf-8")


def seal_head(key: bytes, outlet_code: str, seq: int, mac: str, head_key_id: str) -> str:
    return mac_hex(key, head_message(outlet_code, seq, mac, head_key_id))


class Head(NamedTuple):
    """An outlet's ``audit_head`` as stored: its last event (``seq``, ``mac``), the key id and the seal
    ("" on a head from before seals)."""

    outlet_code: str
    seq: int
    mac: str
    key_id: str
    seal: str

    def sealed_by(self, key: bytes, *, as_key_id: str | None = None) -> bool:
        """Whether ``seal`` is this head's seal under ``key`` (with ``as_key_id``: had its key id been that)."""
        expected = seal_head(key, self.outlet_code, self.seq, self.mac,
                             self.key_id if as_key_id is None else as_key_id)
        return hmac.compare_digest(expected, self.seal)
