"""The audit chain: every use case appends exactly one event; verification recomputes the chain.

Each event of an outlet carries ``seq`` (1, 2, 3, ...), ``prev_mac`` (the previous event's ``mac``)
and ``mac`` = HMAC-SHA256(outlet audit key, canonical form of the event). The newest link is also kept
in ``audit_head``, which every writer locks, so two counters never fork the chain and deleting the
newest events is noticed. The key file is created on first run with mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import AuditEvent, AuditHead
from outlet_desk.i18n import _
from outlet_desk.services.errors import AuditKeyProblem
from outlet_desk.services.masking import mask_pii


def load_or_create_key(path: Path) -> bytes:
    """Read the outlet's audit key, creating it (32 random bytes, hex, mode 0600) on first run."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago; read theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise AuditKeyProblem(
            _("The audit key file {path} can be read by other users (mode {mode}); run: chmod 600 {path}").format(
                path=path, mode=oct(mode)
            )
        )
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise AuditKeyProblem(
            _("The audit key file {path} is damaged (expected at least 32 hex characters).").format(path=path)
        )
    return key


def _canonical(event: AuditEvent | Any) -> bytes:
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
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def compute_mac(key: bytes, event: AuditEvent | Any) -> str:
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


def _dump(values: Mapping[str, Any] | None) -> str:
    if not values:
        return ""
    return json.dumps(mask_pii(values), ensure_ascii=False, sort_keys=True, default=str)


def append_event(
    session: Session,
    key: bytes,
    *,
    outlet_code: str,
    at: datetime,
    operator_id: int | None,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    person_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the outlet's chain inside the caller's transaction."""
    head = session.execute(
        select(AuditHead).where(col(AuditHead.outlet_code) == outlet_code).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(outlet_code=outlet_code, seq=0, mac="")
        session.add(head)
    event = AuditEvent(
        outlet_code=outlet_code,
        seq=head.seq + 1,
        at=at,
        operator_id=operator_id,
        action=action,
        entity=entity,
        entity_id="" if entity_id is None else str(entity_id),
        person_id=person_id,
        before=_dump(before),
        after=_dump(after),
        prev_mac=head.mac,
        mac="",
    )
    event.mac = compute_mac(key, event)
    head.seq = event.seq
    head.mac = event.mac
    session.add(event)
    return event


@dataclass(frozen=True)
class ChainReport:
    outlet_code: str
    events_checked: int
    intact: bool
    broken_seq: int | None = None
    broken_event_id: int | None = None
    problem: str = ""

    def message(self) -> str:
        if self.intact:
            return _("Audit chain of outlet {outlet} is intact: {n} events verified.").format(
                outlet=self.outlet_code, n=self.events_checked
            )
        return _("Audit chain of outlet {outlet} is BROKEN at event {seq} (row id {id}): {problem}").format(
            outlet=self.outlet_code, seq=self.broken_seq, id=self.broken_event_id, problem=self.problem
        )


def verify_events(
    key: bytes, outlet_code: str, events: Iterable[AuditEvent | Any], head: AuditHead | None
) -> ChainReport:
    """Recompute the chain over ``events`` (in ``seq`` order) and name the first broken link."""
    expected_seq = 1
    prev_mac = ""
    checked = 0
    last_id: int | None = None
    for event in events:
        if event.seq != expected_seq:
            problem = (
                _("event {expected} is missing (deleted?); the next one found is {seq}")
                if event.seq > expected_seq
                else _("event {seq} appears twice or out of order (inserted?)")
            ).format(expected=expected_seq, seq=event.seq)
            return ChainReport(outlet_code, checked, False, expected_seq, event.id, problem)
        if event.prev_mac != prev_mac:
            return ChainReport(
                outlet_code, checked, False, event.seq, event.id,
                _("it does not point at the event before it (an event was inserted, deleted or replaced)"),
            )
        if not hmac.compare_digest(compute_mac(key, event), event.mac):
            return ChainReport(
                outlet_code, checked, False, event.seq, event.id,
                _("its content does not match its seal (the row was edited)"),
            )
        prev_mac = event.mac
        last_id = event.id
        expected_seq += 1
        checked += 1
    head_seq = head.seq if head is not None else 0
    head_mac = head.mac if head is not None else ""
    if head_seq != checked or head_mac != prev_mac:
        return ChainReport(
            outlet_code, checked, False, checked + 1 if head_seq > checked else head_seq, last_id,
            _(
                "the chain ends at event {n} but the outlet's last recorded event is {head} "
                "(newest events deleted?)"
            ).format(n=checked, head=head_seq),
        )
    return ChainReport(outlet_code, checked, True)


def verify_chain(session: Session, key: bytes, outlet_code: str) -> ChainReport:
    # Plain rows, not ORM objects: the chain of a busy year (500,000 events) verifies about twice as fast.
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    events = session.execute(
        select(*table.c)
        .where(table.c.outlet_code == outlet_code)
        .order_by(table.c.seq, table.c.id)
        .execution_options(yield_per=5000)
    )
    head = session.get(AuditHead, outlet_code)
    return verify_events(key, outlet_code, events, head)
