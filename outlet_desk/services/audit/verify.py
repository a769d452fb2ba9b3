"""Verifying the chain, full or since the newest checkpoint (see :mod:`outlet_desk.services.audit`), and
recording a checkpoint where an intact verification ended.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from outlet_desk.db.audit_tally import AuditTally
from outlet_desk.db.engine import WRITE, read_snapshot
from outlet_desk.db.tables import AuditCheckpoint, AuditEvent, AuditHead
from outlet_desk.i18n import _
from outlet_desk.services.audit.ranges import verify_in_ranges
from outlet_desk.services.audit.seal import (
    Checkpoint,
    Head,
    Link,
    checkpoint_message,
    key_id,
    mac_hex,
    seal_checkpoint,
)
from outlet_desk.services.audit.store import (
    connection_of,
    newest_checkpoint,
    operational_rows,
    read_head,
    read_links,
)
from outlet_desk.services.audit.witness import Witnessed, append_checkpoint, read_witness, witnessed_at
from outlet_desk.services.audit.wording import ChainReport, seal_problem, when_text
from outlet_desk.services.feed.export import record_checkpoint_in_feed


def verify_events(
    key: bytes,
    outlet_code: str,
    links: Iterable[Link],
    head: Head | AuditHead | tuple[int, str] | None,
    start: tuple[int, str] = (0, ""),
) -> ChainReport:
    """Recompute the chain over ``links`` (in ``seq`` order), which follow the event ``start`` = (seq,
    mac) (``(0, "")``: from the first event), and name the first broken link. The chain must end at
    ``head`` (the outlet's ``audit_head``), so deleting the newest events is noticed too."""
    expected_seq = start[0] + 1
    prev_mac = start[1]
    checked = 0
    last_id: int | None = None
    compare, digest = hmac.compare_digest, hmac.digest
    stream = iter(links)
    for link in stream:
        if link.seq != expected_seq:
            problem = (
                _("event {expected} is missing (deleted?); the next one found is {seq}")
                if link.seq > expected_seq
                else _("event {seq} appears twice or out of order (inserted?)")
            ).format(expected=expected_seq, seq=link.seq)
            return ChainReport(outlet_code, checked, False, expected_seq, link.id, problem)
        if link.prev_mac != prev_mac:
            return ChainReport(
                outlet_code, checked, False, link.seq, link.id,
                _("it does not point at the event before it (an event was inserted, deleted or replaced)"),
            )
        if not compare(digest(key, link.message, "sha256").hex(), link.mac):
            return ChainReport(outlet_code, checked, False, link.seq, link.id,
                               seal_problem(key, link, next(stream, None), first=checked == 0))
        prev_mac = link.mac
        last_id = link.id
        expected_seq += 1
        checked += 1
    last = expected_seq - 1
    if isinstance(head, (AuditHead, Head)):
        head = (head.seq, head.mac)
    head_seq, head_mac = head if head is not None else (0, "")
    if head_seq != last or head_mac != prev_mac:
        return ChainReport(
            outlet_code, checked, False, last + 1 if head_seq > last else head_seq, last_id,
            _(
                "the chain ends at event {n} but the outlet's last recorded event is {head} "
                "(newest events deleted?)"
            ).format(n=last, head=head_seq),
        )
    return ChainReport(outlet_code, checked, True, last_seq=last, last_mac=prev_mac)


def _check_anchor(conn: Connection, key: bytes, cp: Checkpoint, *, count: bool) -> str:
    """What is wrong with checkpoint ``cp`` ("" if nothing): its seal, its event's MAC, and with ``count``
    the number of events up to it."""
    if not hmac.compare_digest(mac_hex(key, checkpoint_message(cp)), cp.seal):
        event = next(read_links(conn, cp.outlet_code, cp.seq - 1, 1), None)
        if event is not None and event.seq == cp.seq and not hmac.compare_digest(
                mac_hex(key, event.message), event.mac):
            return _("neither the checkpoint nor its event {seq} matches its seal: most likely the audit key file "
                     "is not this outlet's key (every desk of an outlet needs the same key file: copy it from the "
                     "first desk or restore it from backup); if the key is right, both were edited").format(
                         seq=cp.seq)
        return _("the checkpoint does not match its seal (it was edited or forged)")
    row = conn.execute(
        select(col(AuditEvent.mac)).where(col(AuditEvent.outlet_code) == cp.outlet_code, col(AuditEvent.seq) == cp.seq)
    ).first()
    if row is None:
        return _("event {seq}, the last one verified then, is missing (deleted?)").format(seq=cp.seq)
    if not hmac.compare_digest(str(row[0]), cp.mac):
        return _("event {seq} no longer carries the seal it had when verified (edited or replaced)").format(
            seq=cp.seq)
    if count:
        n, first = events_up_to(conn, cp)
        # seq is unique per outlet, so seq events numbered from 1 up to seq are exactly events 1..seq.
        if int(n) != cp.seq or (cp.seq > 0 and first != 1):
            return _("{n} events are numbered up to {seq}, where {seq} were verified (old events deleted or "
                     "inserted)").format(n=f"{int(n):,}", seq=f"{cp.seq:,}")
    return ""


def events_up_to(conn: Connection, cp: Checkpoint) -> tuple[int, int | None]:
    """How many events of the outlet are numbered up to ``cp.seq``, and the lowest number. Read from the
    outlet's tally (``db/audit_tally.py``) less the events after the checkpoint, which are the ones the quick
    verification recomputes anyway: its cost does not grow with the outlet's age. Counted where there is no
    tally."""
    of_outlet = col(AuditEvent.outlet_code) == cp.outlet_code
    tally = conn.execute(select(col(AuditTally.events)).where(col(AuditTally.outlet_code) == cp.outlet_code)
                         ).scalar_one_or_none()
    if tally is None:
        n, first = conn.execute(select(func.count(), func.min(col(AuditEvent.seq))).where(
            of_outlet, col(AuditEvent.seq) <= cp.seq)).one()
        return int(n), first
    first = conn.execute(select(func.min(col(AuditEvent.seq))).where(of_outlet)).scalar_one()
    after = conn.execute(select(func.count()).where(of_outlet, col(AuditEvent.seq) > cp.seq)).scalar_one()
    return int(tally) - int(after), first


def head_problem(key: bytes, head: Head | None) -> str:
    """What is wrong with the outlet's ``audit_head`` ("" if nothing): once it has events it must carry a
    seal (the event that makes a head seals it; the upgrade of a store from before head seals sealed its
    heads), and match it under ``key``."""
    if head is None or (head.seq == 0 and not head.seal):
        return ""
    if not head.seal:
        return _("the outlet's head record (audit_head: last event {seq}) has no seal: it was removed by hand, "
                 "perhaps with the newest events").format(seq=f"{head.seq:,}")
    if head.sealed_by(key):
        return ""
    right = key_id(key)
    if head.key_id != right and head.sealed_by(key, as_key_id=right):
        return _("the outlet's head record (audit_head) names the key id \"{stored}\", but it was sealed with "
                 "key {right}, the key verified with: its key id was edited").format(stored=head.key_id, right=right)
    return _("the outlet's head record (audit_head: last event {seq}) does not match its seal: it was set back "
             "or edited by hand (newest events deleted?)").format(seq=f"{head.seq:,}")


def verify_chain(source: Session | Connection, key: bytes, outlet_code: str) -> ChainReport:
    """The full verification: every event of the outlet recomputed from the first, the head's seal, then
    the newest checkpoint checked against the verified chain (a forged checkpoint is a finding too). An
    outlet with records of its work and no event is broken. Run it inside one snapshot (``check_chain``
    does) so that events appended meanwhile cannot look like a break."""
    conn = connection_of(source)
    head = read_head(conn, outlet_code)
    report = verify_in_ranges(conn, key, outlet_code, head) or verify_events(
        key, outlet_code, read_links(conn, outlet_code, 0, head.seq if head else 0), head)
    if report.intact and report.last_seq == 0 and (rows := operational_rows(conn, outlet_code)):
        return replace(report, intact=False, broken_seq=1, problem=_(
            "the chain has no event, yet the store holds {n} records of the outlet's work (its registration, "
            "operators, cards, requests, receipts...): every event was deleted").format(n=f"{rows:,}"))
    if report.intact and (problem := head_problem(key, head)):
        return replace(report, intact=False, broken_seq=report.last_seq, problem=problem)
    if report.intact:
        cp = newest_checkpoint(conn, outlet_code)
        if cp is not None:
            problem = (_("the checkpoint is beyond the end of the chain (newest events deleted?)")
                       if cp.seq > report.last_seq else _check_anchor(conn, key, cp, count=False))
            if problem:
                return replace(report, intact=False, broken_seq=cp.seq, problem=problem, broken_checkpoint=cp)
    return report


def verify_since_checkpoint(source: Session | Connection, key: bytes, outlet_code: str) -> ChainReport:
    """The quick verification: from the newest checkpoint (checked first: seal, its event's MAC, the count
    of events up to it), every later event recomputed as in the full one. Without a checkpoint, the full
    verification. An old event edited in place before the checkpoint is NOT seen here (module docstring)."""
    conn = connection_of(source)
    cp = newest_checkpoint(conn, outlet_code)
    if cp is None:
        return verify_chain(conn, key, outlet_code)
    problem = _check_anchor(conn, key, cp, count=True)
    if problem:
        return ChainReport(outlet_code, 0, False, cp.seq, None, problem, since=cp, broken_checkpoint=cp)
    last_full: Checkpoint | None = cp
    if not cp.full:
        last_full = newest_checkpoint(conn, outlet_code, full_only=True)
        if last_full is not None and not hmac.compare_digest(mac_hex(key, checkpoint_message(last_full)),
                                                               last_full.seal):
            return ChainReport(outlet_code, 0, False, last_full.seq, None,
                               _("the checkpoint does not match its seal (it was edited or forged)"),
                               since=cp, broken_checkpoint=last_full)
    head = read_head(conn, outlet_code)
    links = read_links(conn, outlet_code, cp.seq, (head.seq if head else 0) - cp.seq)
    report = replace(verify_events(key, outlet_code, links, head, start=(cp.seq, cp.mac)), since=cp,
                     last_full=last_full)
    if report.intact and (problem := head_problem(key, head)):
        return replace(report, intact=False, broken_seq=report.last_seq, problem=problem)
    return report


def compare_with_witness(conn: Connection, report: ChainReport, witnessed: Witnessed,
                         tz: tzinfo | None = None) -> ChainReport:
    """An intact ``report`` checked against what the witness file remembers of the outlet: the file itself
    whole, the chain at least as long as its newest line, the event there carrying the MAC it had, every
    witnessed checkpoint still in the store. (The head's seal is checked by the verification itself.)"""
    if not report.intact:
        return report

    def broken(seq: int, problem: str) -> ChainReport:
        return replace(report, intact=False, broken_seq=seq, broken_checkpoint=None, problem=problem)

    if witnessed.problem:
        return broken(report.last_seq, witnessed.problem)
    newest = witnessed.newest
    if newest is None:
        return report
    when = when_text(witnessed_at(newest), tz)
    if report.last_seq < newest.seq:
        return broken(report.last_seq + 1, _(
            "the chain ends at event {n}, but the witness file remembers a checkpoint at event {w} ({when}): "
            "events were removed (the chain cut short, or the store rolled back)").format(
                n=f"{report.last_seq:,}", w=f"{newest.seq:,}", when=when))
    row = conn.execute(select(col(AuditEvent.mac)).where(
        col(AuditEvent.outlet_code) == report.outlet_code, col(AuditEvent.seq) == newest.seq)).first()
    if row is None or not hmac.compare_digest(str(row[0]), newest.mac):
        return broken(newest.seq, _(
            "event {w} is not the event the witness file remembers from {when}: the store was rolled back or "
            "the chain rewritten").format(w=f"{newest.seq:,}", when=when))
    t = AuditCheckpoint.__table__  # type: ignore[attr-defined]
    kept = {str(seal) for (seal,) in conn.execute(select(t.c.seal).where(t.c.outlet_code == report.outlet_code))}
    for line in witnessed.lines:
        if line.checkpoint_seal not in kept:
            return broken(line.seq, _(
                "the checkpoint at event {seq} ({when}), which the witness file remembers (line {line}), is "
                "missing from the store (deleted)").format(seq=f"{line.seq:,}", when=when_text(witnessed_at(line), tz),
                                                        line=line.line))
    return report


def record_checkpoint(engine: Engine, key: bytes, report: ChainReport, *, at: datetime,
                      operator_id: int | None = None) -> Checkpoint | None:
    """Record where the intact ``report`` ended, in its own short write transaction (audit machinery like
    ``audit_head``: no audit event). Nothing for a broken chain, an empty one, or a quick verification
    that found nothing new. (:func:`check_chain` also appends it to the witness file.)"""
    if not report.intact or report.last_seq == 0 or (report.since is not None and report.events_checked == 0):
        return None
    how = "full" if report.since is None else f"since {report.since.seq}"
    cp = seal_checkpoint(key, Checkpoint(None, report.outlet_code, report.last_seq, report.last_mac,
                                         at.astimezone(UTC), how, operator_id, ""))
    with Session(engine.execution_options(**WRITE)) as session:
        row = AuditCheckpoint(outlet_code=cp.outlet_code, seq=cp.seq, mac=cp.mac, verified_at=cp.verified_at,
                              how=cp.how, operator_id=cp.operator_id, seal=cp.seal)
        session.add(row)
        if cp.full:  # the outlet's full verification (the day close's) is witnessed outside it by the feed
            record_checkpoint_in_feed(session, cp.outlet_code, cp.seq, cp.seal, cp.verified_at)
        session.commit()
        return replace(cp, id=row.id)


def check_chain(engine: Engine, key: bytes, outlet_code: str, *, full: bool, record: bool = False,
                at: datetime | None = None, operator_id: int | None = None, witness: Path | None = None,
                tz: tzinfo | None = None) -> ChainReport:
    """Verify the outlet's chain in one read snapshot (full, or since the newest checkpoint), compare it with
    the ``witness`` file if one is given and, with ``record``, record a checkpoint at its end when it is
    intact (``at``: the verification's time) and append it to the witness file."""
    with read_snapshot(engine) as conn:
        report = verify_in(conn, key, outlet_code, full=full, witness=witness, tz=tz)
    if record:
        recorded = record_checkpoint(engine, key, report, at=at or datetime.now(UTC), operator_id=operator_id)
        report = replace(report, recorded=recorded)
        if recorded is not None and witness is not None:
            report = replace(report, witness_fingerprint=append_checkpoint(witness, key, recorded))
    return report


def verify_in(conn: Connection, key: bytes, outlet_code: str, *, full: bool, witness: Path | None = None,
              tz: tzinfo | None = None) -> ChainReport:
    """The verification (full or quick) inside ``conn``'s snapshot, compared with the witness file if given."""
    report = (verify_chain if full else verify_since_checkpoint)(conn, key, outlet_code)
    if witness is None:
        return report
    return compare_with_witness(conn, report, read_witness(witness, key, outlet_code), tz)
