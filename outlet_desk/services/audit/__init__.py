"""The audit chain: every use case appends exactly one event; verification recomputes the chain.

The package by job: :mod:`~.seal` (canonical bytes, HMACs, the key's id), :mod:`~.keys` (the key file),
:mod:`~.store` (appending and reading events), :mod:`~.verify` (full and quick verification, checkpoints),
:mod:`~.witness` (the witness file) and :mod:`~.wording` (the report and its sentences). What the desk
uses is importable from here.

Each event of an outlet carries ``seq`` (1, 2, 3, ...), ``prev_mac`` (the previous event's ``mac``)
and ``mac`` = HMAC-SHA256(outlet audit key, canonical form of the event). The newest link is also kept
in ``audit_head``, which every writer locks, so two counters never fork the chain and deleting the
newest events is noticed. The key file is created on first run with mode 0600. ``audit_head`` also keeps
the key's id (an HMAC of a fixed text with the key, not the key): the first event sets it, and a desk
whose key has another id is refused, at start and at every write, before it seals anything with it.
The head itself is sealed with the key (outlet, seq, last MAC, key id), renewed by every event, and every
recorded checkpoint is also appended to the witness file outside the database (:mod:`~.witness`), which
the verification compares the store with (``docs/audit.md``: who can do what).

Verification comes in two depths:

- **full** (:func:`verify_chain`): every event from the first is recomputed. The day close and
  ``outlet-desk audit verify`` do it; on a busy year (500,000 events) it takes seconds.
- **since the newest checkpoint** (:func:`verify_since_checkpoint`): every successful verification may
  record an ``audit_checkpoint`` (the last event verified, its MAC, when, how, by whom, sealed with the
  key). The quick verification checks that checkpoint cheaply (its seal; the event at its ``seq`` still
  carries the recorded MAC; exactly ``seq`` events numbered 1..seq exist, one indexed count) and then
  recomputes every event after it in full. The daily report does this.

What the quick one cannot see: an old event (before the checkpoint) **edited in place**, keeping its
``seq`` and ``mac``: only recomputing its MAC shows that, which is what the full verification does. So
the day close runs the full one every day, and the quick one stands on it. Deleting or inserting old
events changes the count, and replacing the checkpoint's own event changes its MAC: both are caught.
"""

from __future__ import annotations

from outlet_desk.services.audit.keys import (
    AuditKeyMissing,
    AuditKeyNotThisOutlets,
    SealedSoFar,
    check_key_matches,
    load_or_create_key,
    sealed_events,
)
from outlet_desk.services.audit.seal import Checkpoint, Link, compute_mac, key_id, links_of, seal_checkpoint
from outlet_desk.services.audit.store import append_event
from outlet_desk.services.audit.verify import (
    check_chain,
    record_checkpoint,
    verify_chain,
    verify_events,
    verify_since_checkpoint,
)
from outlet_desk.services.audit.wording import ChainReport

__all__ = [
    "AuditKeyMissing",
    "AuditKeyNotThisOutlets",
    "ChainReport",
    "Checkpoint",
    "Link",
    "SealedSoFar",
    "append_event",
    "check_chain",
    "check_key_matches",
    "compute_mac",
    "key_id",
    "links_of",
    "load_or_create_key",
    "record_checkpoint",
    "seal_checkpoint",
    "sealed_events",
    "verify_chain",
    "verify_events",
    "verify_since_checkpoint",
]
