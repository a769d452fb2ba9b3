"""The seal status of the events the audit viewer shows: for each, its MAC recomputed with the outlet's key,
the link to the event before it, the link from the event after it (or, for the newest event, the outlet's
head). The shown events are read in runs of neighbouring sequence numbers, so the chain is verified over
the shown range, never over the whole trail; a run of the filtered events far apart is read on its own."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.audit_actions import SealStatus
from outlet_desk.i18n import _
from outlet_desk.services.audit.seal import Head, Link, links_of
from outlet_desk.services.audit.store import read_head
from outlet_desk.services.audit.wording import seal_problem

RUN_GAP = 64
"""Shown events at most this many sequence numbers apart are verified as one range (with every event between)."""


@dataclass(frozen=True)
class Seal:
    status: SealStatus
    problem: str = ""


def _runs(seqs: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for seq in sorted(set(seqs)):
        if runs and seq - runs[-1][1] <= RUN_GAP:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs


def _links(conn: Connection, outlet_code: str, first: int, last: int) -> dict[int, Link]:
    rows = Session(bind=conn).exec(select(AuditEvent).where(
        col(AuditEvent.outlet_code) == outlet_code, col(AuditEvent.seq) >= first, col(AuditEvent.seq) <= last)
    ).all()
    return {link.seq: link for link in links_of(rows)}


def _seal_of(key: bytes, seq: int, links: Mapping[int, Link], head: Head | None) -> Seal:
    link = links[seq]
    before, after = links.get(seq - 1), links.get(seq + 1)
    if not hmac.compare_digest(hmac.digest(key, link.message, "sha256").hex(), link.mac):
        return Seal(SealStatus.BROKEN, seal_problem(key, link, after, first=False))
    if seq > 1 and before is None:
        return Seal(SealStatus.BROKEN, _("event {seq} before it is missing (deleted?)").format(seq=seq - 1))
    if link.prev_mac != (before.mac if before is not None else ""):
        return Seal(SealStatus.BROKEN, _("it does not point at the event before it (an event was inserted, deleted "
                                         "or replaced)"))
    if after is not None and after.prev_mac != link.mac:
        return Seal(SealStatus.BROKEN, _("the event after it does not point at it (it was replaced)"))
    if after is None and (head is None or head.seq != seq or head.mac != link.mac):
        return Seal(SealStatus.BROKEN, _("the chain ends here but the outlet's last recorded event is {head} "
                                         "(newest events deleted?)").format(head=head.seq if head else 0))
    return Seal(SealStatus.INTACT)


def seals_of(conn: Connection, key: bytes, outlet_code: str, seqs: Iterable[int]) -> dict[int, Seal]:
    """The seal of each event ``seqs`` of the outlet, verified with its neighbours (one read per run)."""
    head = read_head(conn, outlet_code)
    found: dict[int, Seal] = {}
    wanted = set(seqs)
    for first, last in _runs(wanted):
        links = _links(conn, outlet_code, first - 1, last + 1)
        for seq in range(first, last + 1):
            if seq in wanted and seq in links:
                found[seq] = _seal_of(key, seq, links, head)
    return found
