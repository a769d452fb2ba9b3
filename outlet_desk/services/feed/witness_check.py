"""A party outside the outlets holds the feed's checkpoint records: each outlet's chain was verified intact
up to ``audit_seq``, sealed ``fingerprint``. Checking them against a store names an outlet whose chain was
cut short or rolled back since, without any outlet's key."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from outlet_desk.db.tables import AuditCheckpoint, AuditHead
from outlet_desk.domain.feed import FeedKind
from outlet_desk.i18n import _
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import ServiceError


class FeedFileRefused(ServiceError):
    code = "feed_file_refused"


@dataclass(frozen=True)
class Witnessed:
    """An outlet's newest checkpoint in the feed."""

    outlet: str
    audit_seq: int
    fingerprint: str
    line: int


def read_checkpoints(lines: Iterable[str], where: str) -> dict[str, Witnessed]:
    """The newest checkpoint record of each outlet in a JSON-lines export (other records are skipped);
    a line that is not a feed record is refused with its number."""
    newest: dict[str, Witnessed] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            record: Any = json.loads(text)
            if not isinstance(record, dict) or record.get("kind") != FeedKind.CHECKPOINT:
                continue
            seen = Witnessed(str(record["outlet"]), int(record["audit_seq"]), str(record["fingerprint"]), number)
        except (ValueError, KeyError, TypeError) as error:
            raise FeedFileRefused(_("{file}, line {n}: not a record of the feed ({reason}).").format(
                file=where, n=number, reason=error)) from error
        if seen.outlet not in newest or seen.audit_seq >= newest[seen.outlet].audit_seq:
            newest[seen.outlet] = seen
    return newest


def problems(desk: Desk, witnessed: dict[str, Witnessed]) -> list[str]:
    """For each outlet the feed witnessed, what the store no longer holds: a chain shorter than the
    checkpoint, or the checkpoint itself gone or changed."""
    found = []
    with Session(desk.engine) as s:
        for outlet, seen in sorted(witnessed.items()):
            head = s.execute(select(col(AuditHead.seq)).where(col(AuditHead.outlet_code) == outlet)).scalar()
            if head is None or head < seen.audit_seq:
                found.append(_("{outlet}: the chain ends at event {head}, but the feed witnessed it verified up to "
                               "event {seq} (line {line}): it was cut short or rolled back.").format(
                                   outlet=outlet, head=f"{head or 0:,}", seq=f"{seen.audit_seq:,}", line=seen.line))
                continue
            kept = s.execute(select(col(AuditCheckpoint.id)).where(
                col(AuditCheckpoint.outlet_code) == outlet, col(AuditCheckpoint.seq) == seen.audit_seq,
                col(AuditCheckpoint.seal) == seen.fingerprint)).first()
            if kept is None:
                found.append(_("{outlet}: the checkpoint at event {seq} that the feed witnessed (line {line}) is "
                               "missing or changed in the store.").format(
                                   outlet=outlet, seq=f"{seen.audit_seq:,}", line=seen.line))
    return found
