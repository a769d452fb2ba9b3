"""The audit chain: every use case appends exactly one event; verification recomputes the chain.

Each event of an outlet carries ``seq`` (1, 2, 3, ...), ``prev_mac`` (the previous event's ``mac``)
and ``mac`` = HMAC-SHA256(outlet audit key, canonical form of the event). The newest link is also kept
in ``audit_head``, which every writer locks, so two counters never fork the chain and deleting the
newest events is noticed. The key file is created on first run with mode 0600. ``audit_head`` also keeps
the key's id (an HMAC of a fixed text with the key, not the key): the first event sets it, and a desk
whose key has another id is refused, at start and at every write, before it seals anything with it.

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

import hmac
import json
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from outlet_desk.db.engine import WRITE, read_snapshot
from outlet_desk.db.tables import AuditCheckpoint, AuditEvent, AuditHead
from outlet_desk.i18n import _, ngettext
from outlet_desk.services.errors import AuditKeyProblem
from outlet_desk.services.masking import mask_pii


class AuditKeyMissing(AuditKeyProblem):
    """The outlet already has sealed audit events but this desk has no key file: a new key would seal
    every later event with another key and break the chain, so the desk does not open (nothing written)."""

    code = "audit_key_missing"

    def __init__(self, path: Path, outlet_code: str, sealed: int) -> None:
        super().__init__(ngettext(
            "The audit key file {path} is missing, and outlet {outlet} already has {n} sealed audit event in "
            "its database. Copy the key file from the first desk of this outlet (or restore it from backup) "
            "to {path}, then start again. Nothing was written.",
            "The audit key file {path} is missing, and outlet {outlet} already has {n} sealed audit events in "
            "its database. Copy the key file from the first desk of this outlet (or restore it from backup) "
            "to {path}, then start again. Nothing was written.",
            sealed,
        ).format(path=path, outlet=outlet_code, n=f"{sealed:,}"))
        self.path = path
        self.sealed_events = sealed


class AuditKeyNotThisOutlets(AuditKeyProblem):
    """The desk's key file is not the key the outlet's chain is sealed with (a key file made by a desk that
    started at the same moment as the first one, or copied from another outlet): refused before anything
    is sealed with it."""

    code = "audit_key_not_this_outlets"

    def __init__(self, path: Path | None, outlet_code: str, sealed: int) -> None:
        self.path = path
        if path is None:  # found at a write: another desk's key sealed the chain first
            super().__init__(_(
                "This desk's audit key is not the key outlet {outlet}'s audit chain is sealed with: another desk "
                "of the outlet sealed its first event with a key file of its own. Nothing was saved. Copy that "
                "desk's key file to this desk's [audit] key_file, then start this desk again."
            ).format(outlet=outlet_code))
            return
        super().__init__(ngettext(
            "The audit key file {path} is not the key outlet {outlet}'s audit chain is sealed with ({n} event). "
            "Every desk of an outlet needs the same key file: copy it from the first desk of this outlet (or "
            "restore it from backup) to {path}, then start again. Nothing was written.",
            "The audit key file {path} is not the key outlet {outlet}'s audit chain is sealed with ({n} events). "
            "Every desk of an outlet needs the same key file: copy it from the first desk of this outlet (or "
            "restore it from backup) to {path}, then start again. Nothing was written.",
            sealed,
        ).format(path=path, outlet=outlet_code, n=f"{sealed:,}"))


@lru_cache(maxsize=8)
def key_id(key: bytes) -> str:
    """What ``audit_head`` keeps to recognise the key: the first 16 hex digits of HMAC-SHA256(key, a fixed
    text). It tells keys apart without revealing the key."""
    return _mac(key, b"outlet-desk audit key id")[:16]


@dataclass(frozen=True)
class SealedSoFar:
    """The outlet's chain as a starting desk finds it: how many events, and the id of the key that sealed
    them ("" on a store from before key ids, or with no event yet)."""

    events: int
    key_id: str


def sealed_events(engine: Engine, outlet_code: str) -> SealedSoFar:
    """How many audit events the outlet already has in the store, and under which key (its
    ``audit_head``; nothing on a database that has no audit tables yet). Read before the key is loaded
    and before any migration: a key may be made only for an outlet with no sealed event, and a key with
    another id is refused."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        if not inspector.has_table("audit_head"):
            return SealedSoFar(0, "")
        has_key_id = any(c["name"] == "key_id" for c in inspector.get_columns("audit_head"))
        t = AuditHead.__table__  # type: ignore[attr-defined]
        columns = [t.c.seq, t.c.key_id] if has_key_id else [t.c.seq]
        row = conn.execute(select(*columns).where(t.c.outlet_code == outlet_code)).first()
    if row is None:
        return SealedSoFar(0, "")
    return SealedSoFar(int(row[0]), str(row[1]) if has_key_id else "")


def check_key_matches(key: bytes, path: Path | None, outlet_code: str, sealed: SealedSoFar) -> None:
    """Refuse a key whose id is not the one the outlet's chain was sealed with."""
    if sealed.key_id and sealed.key_id != key_id(key):
        raise AuditKeyNotThisOutlets(path, outlet_code, sealed.events)


def load_or_create_key(path: Path, *, outlet_code: str, sealed_events: int) -> bytes:
    """Read the outlet's audit key. It is created (32 random bytes, hex, mode 0600) only while the outlet
    has no sealed event (``sealed_events`` == 0): a new key for an outlet that already has events would
    seal every later event with another key, and the chain would read as broken from then on."""
    if not path.exists():
        if sealed_events > 0:
            raise AuditKeyMissing(path, outlet_code, sealed_events)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago; read theirs
        except OSError as error:
            raise AuditKeyProblem(_("The audit key file {path} cannot be created: {reason}. Check [audit] key_file "
                                    "and that its folder can be written.").format(
                                        path=path, reason=error.strerror or error)) from error
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


# One encoder for every seal: the same bytes as json.dumps(..., ensure_ascii=False, separators=(",", ":")),
# without building a new encoder per call (that was a fifth of a full verification's time).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


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
    return _encode(fields).encode("utf-8")


def _mac(key: bytes, message: bytes) -> str:
    return hmac.digest(key, message, "sha256").hex()


def compute_mac(key: bytes, event: AuditEvent | Any) -> str:
    return _mac(key, _canonical(event))


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
        head = AuditHead(outlet_code=outlet_code, seq=0, mac="", key_id="")
        session.add(head)
    this_key = key_id(key)
    if head.key_id and head.key_id != this_key:
        # Another desk's key sealed the chain first (both started on an empty store at the same moment):
        # nothing is sealed with this one; the caller's transaction is rolled back.
        raise AuditKeyNotThisOutlets(None, outlet_code, head.seq)
    head.key_id = this_key
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
        yield Link(event.id, event.seq, event.prev_mac, event.mac, _canonical(event))


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


def _checkpoint_message(cp: Checkpoint) -> bytes:
    fields = ["audit_checkpoint", cp.outlet_code, cp.seq, cp.mac,
              cp.verified_at.astimezone(UTC).isoformat(timespec="microseconds"), cp.how, cp.operator_id]
    return _encode(fields).encode("utf-8")


def seal_checkpoint(key: bytes, cp: Checkpoint) -> Checkpoint:
    return replace(cp, seal=_mac(key, _checkpoint_message(cp)))


def _when(at: datetime, tz: tzinfo | None) -> str:
    if tz is None:
        return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ChainReport:
    """What a verification found. ``since`` is the checkpoint it started from (None: a full verification
    from event 1); ``events_checked`` counts the events recomputed (those after ``since``);
    ``last_seq``/``last_mac`` are where the verified chain ends (the outlet's head)."""

    outlet_code: str
    events_checked: int
    intact: bool
    broken_seq: int | None = None
    broken_event_id: int | None = None
    problem: str = ""
    last_seq: int = 0
    last_mac: str = ""
    since: Checkpoint | None = None
    last_full: Checkpoint | None = None
    """With ``since``: the newest full verification's checkpoint (``since`` itself when it is full)."""
    broken_checkpoint: Checkpoint | None = None
    recorded: Checkpoint | None = None
    """The checkpoint recorded after this verification, if the caller allowed it."""

    @property
    def full(self) -> bool:
        return self.since is None

    def message(self, tz: tzinfo | None = None) -> str:
        """One sentence for a supervisor; times in ``tz`` (the outlet's zone), else UTC."""
        if not self.intact and self.broken_checkpoint is not None:
            cp = self.broken_checkpoint
            return _(
                "Audit chain of outlet {outlet} is BROKEN at checkpoint {id} (event {seq}, verified {when}): "
                "{problem}"
            ).format(outlet=self.outlet_code, id=cp.id, seq=cp.seq, when=_when(cp.verified_at, tz),
                     problem=self.problem)
        if not self.intact:
            return _("Audit chain of outlet {outlet} is BROKEN at event {seq} (row id {id}): {problem}").format(
                outlet=self.outlet_code, seq=self.broken_seq, id=self.broken_event_id, problem=self.problem
            )
        if self.since is None:
            return ngettext("Audit chain of outlet {outlet} is intact: {n} event verified.",
                            "Audit chain of outlet {outlet} is intact: {n} events verified.",
                            self.events_checked).format(outlet=self.outlet_code, n=f"{self.events_checked:,}")
        if self.since.full:
            return _(
                "Audit chain of outlet {outlet} is intact: {n} new events verified since the full verification "
                "of {when} ({before} events before it: count and last seal unchanged)."
            ).format(outlet=self.outlet_code, n=f"{self.events_checked:,}", when=_when(self.since.verified_at, tz),
                     before=f"{self.since.seq:,}")
        full = _when(self.last_full.verified_at, tz) if self.last_full is not None else _("never")
        return _(
            "Audit chain of outlet {outlet} is intact: {n} new events verified since the quick verification "
            "of {when} ({before} events before it: count and last seal unchanged; last full verification: "
            "{full})."
        ).format(outlet=self.outlet_code, n=f"{self.events_checked:,}", when=_when(self.since.verified_at, tz),
                 before=f"{self.since.seq:,}", full=full)


def verify_events(
    key: bytes,
    outlet_code: str,
    links: Iterable[Link],
    head: AuditHead | tuple[int, str] | None,
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
                               _seal_problem(key, link, next(stream, None), first=checked == 0))
        prev_mac = link.mac
        last_id = link.id
        expected_seq += 1
        checked += 1
    last = expected_seq - 1
    if isinstance(head, AuditHead):
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


def _seal_problem(key: bytes, link: Link, following: Link | None, *, first: bool) -> str:
    """Why ``link`` does not match its seal, in words. An edited row breaks its own seal only; an
    inserted or replaced one also breaks the link from the event after it; a wrong key breaks every seal.
    So when the event after it fails too, or the very first event checked fails with nothing after it to
    tell, the key may be the wrong one (a desk of the outlet with a key file of its own, or a key file
    copied from another outlet)."""
    if following is not None and following.prev_mac != link.mac:
        return _("its content does not match its seal and the event after it does not point at it (an event was "
                 "inserted or replaced)")
    following_fails = following is not None and not hmac.compare_digest(
        hmac.digest(key, following.message, "sha256").hex(), following.mac)
    if first and (following is None or following_fails):
        return _("no event checked matches its seal, from the first one on: most likely the audit key file is "
                 "not this outlet's key (every desk of an outlet needs the same key file: copy it from the "
                 "first desk or restore it from backup); if the key is right, the rows were edited")
    if following_fails:
        assert following is not None
        return _("events {seq} and {next} do not match their seals: from here on the events were probably "
                 "sealed with another audit key (a desk of this outlet with a key file of its own), or several "
                 "rows were edited").format(seq=link.seq, next=following.seq)
    return _("its content does not match its seal (the row was edited)")


# -- reading the chain -------------------------------------------------------------------------------------

_EVENT_COLUMNS = ("id, outlet_code, seq, at, operator_id, action, entity, entity_id, person_id, before, after, "
                  "prev_mac, mac")


def _at_any(value: Any) -> str:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return str(at.isoformat(timespec="microseconds"))


def _links(conn: Connection, outlet_code: str, after_seq: int, expected: int) -> Iterator[Link]:
    """The outlet's events after ``after_seq`` in chain order, read through the driver's own cursor inside
    ``conn``'s transaction: plain tuples, no SQLAlchemy row or type processing. On PostgreSQL a server-side
    cursor when many (``expected``) are coming, so a year's events are not all held in memory at once."""
    dbapi: Any = conn.connection.dbapi_connection
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        cur = dbapi.cursor()
        sql = f"SELECT {_EVENT_COLUMNS} FROM audit_event WHERE outlet_code = ? AND seq > ? ORDER BY seq, id"
    else:
        big = expected > 20_000
        cur = dbapi.cursor(name=f"audit_chain_{secrets.token_hex(4)}") if big else dbapi.cursor()
        sql = f"SELECT {_EVENT_COLUMNS} FROM audit_event WHERE outlet_code = %s AND seq > %s ORDER BY seq, id"
    encode = _encode
    try:
        cur.execute(sql, (outlet_code, after_seq))
        while rows := cur.fetchmany(5000):
            for event_id, oc, seq, at, op, action, entity, entity_id, person_id, before, after, prev, mac in rows:
                # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (naive UTC); the seal has the aware ISO form.
                if sqlite and isinstance(at, str) and len(at) == 26 and at[10] == " ":
                    at_text = f"{at[:10]}T{at[11:]}+00:00"
                else:
                    at_text = _at_any(at)
                message = encode([oc, seq, at_text, op, action, entity, entity_id, person_id, before, after, prev])
                yield Link(event_id, seq, prev, mac, message.encode("utf-8"))
    finally:
        cur.close()


def _connection(source: Session | Connection) -> Connection:
    return source.connection() if isinstance(source, Session) else source


def _head(conn: Connection, outlet_code: str) -> tuple[int, str] | None:
    row = conn.execute(
        select(col(AuditHead.seq), col(AuditHead.mac)).where(col(AuditHead.outlet_code) == outlet_code)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _checkpoint(conn: Connection, outlet_code: str, *, full_only: bool = False) -> Checkpoint | None:
    """The newest checkpoint of the outlet (highest seq, then newest row), or the newest full one."""
    t = AuditCheckpoint.__table__  # type: ignore[attr-defined]
    query = select(*t.c).where(t.c.outlet_code == outlet_code)
    if full_only:
        query = query.where(t.c.how == "full")
    row = conn.execute(query.order_by(t.c.seq.desc(), t.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Checkpoint(row.id, row.outlet_code, row.seq, row.mac, row.verified_at, row.how, row.operator_id, row.seal)


def _check_anchor(conn: Connection, key: bytes, cp: Checkpoint, *, count: bool) -> str:
    """What is wrong with checkpoint ``cp`` ("" if nothing): its seal, its event's MAC, and with ``count``
    the number of events up to it."""
    if not hmac.compare_digest(_mac(key, _checkpoint_message(cp)), cp.seal):
        event = next(_links(conn, cp.outlet_code, cp.seq - 1, 1), None)
        if event is not None and event.seq == cp.seq and not hmac.compare_digest(
                _mac(key, event.message), event.mac):
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
        n, first = conn.execute(
            select(func.count(), func.min(col(AuditEvent.seq))).where(
                col(AuditEvent.outlet_code) == cp.outlet_code, col(AuditEvent.seq) <= cp.seq)
        ).one()
        # seq is unique per outlet, so seq events numbered from 1 up to seq are exactly events 1..seq.
        if int(n) != cp.seq or (cp.seq > 0 and first != 1):
            return _("{n} events are numbered up to {seq}, where {seq} were verified (old events deleted or "
                     "inserted)").format(n=f"{int(n):,}", seq=f"{cp.seq:,}")
    return ""


# -- verifying -----------------------------------------------------------------------------------------------

def verify_chain(source: Session | Connection, key: bytes, outlet_code: str) -> ChainReport:
    """The full verification: every event of the outlet recomputed from the first, then the newest
    checkpoint checked against the verified chain (a forged checkpoint is a finding too). Run it inside
    one snapshot (``check_chain`` does) so that events appended meanwhile cannot look like a break."""
    conn = _connection(source)
    head = _head(conn, outlet_code)
    report = verify_events(key, outlet_code, _links(conn, outlet_code, 0, head[0] if head else 0), head)
    if report.intact:
        cp = _checkpoint(conn, outlet_code)
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
    conn = _connection(source)
    cp = _checkpoint(conn, outlet_code)
    if cp is None:
        return verify_chain(conn, key, outlet_code)
    problem = _check_anchor(conn, key, cp, count=True)
    if problem:
        return ChainReport(outlet_code, 0, False, cp.seq, None, problem, since=cp, broken_checkpoint=cp)
    last_full: Checkpoint | None = cp
    if not cp.full:
        last_full = _checkpoint(conn, outlet_code, full_only=True)
        if last_full is not None and not hmac.compare_digest(_mac(key, _checkpoint_message(last_full)),
                                                               last_full.seal):
            return ChainReport(outlet_code, 0, False, last_full.seq, None,
                               _("the checkpoint does not match its seal (it was edited or forged)"),
                               since=cp, broken_checkpoint=last_full)
    head = _head(conn, outlet_code)
    links = _links(conn, outlet_code, cp.seq, (head[0] if head else 0) - cp.seq)
    report = verify_events(key, outlet_code, links, head, start=(cp.seq, cp.mac))
    return replace(report, since=cp, last_full=last_full)


def record_checkpoint(engine: Engine, key: bytes, report: ChainReport, *, at: datetime,
                      operator_id: int | None = None) -> Checkpoint | None:
    """Record where the intact ``report`` ended, in its own short write transaction (audit machinery like
    ``audit_head``: no audit event). Nothing for a broken chain, an empty one, or a quick verification
    that found nothing new."""
    if not report.intact or report.last_seq == 0 or (report.since is not None and report.events_checked == 0):
        return None
    how = "full" if report.since is None else f"since {report.since.seq}"
    cp = seal_checkpoint(key, Checkpoint(None, report.outlet_code, report.last_seq, report.last_mac,
                                         at.astimezone(UTC), how, operator_id, ""))
    with Session(engine.execution_options(**WRITE)) as session:
        row = AuditCheckpoint(outlet_code=cp.outlet_code, seq=cp.seq, mac=cp.mac, verified_at=cp.verified_at,
                              how=cp.how, operator_id=cp.operator_id, seal=cp.seal)
        session.add(row)
        session.commit()
        return replace(cp, id=row.id)


def check_chain(engine: Engine, key: bytes, outlet_code: str, *, full: bool, record: bool = False,
                at: datetime | None = None, operator_id: int | None = None) -> ChainReport:
    """Verify the outlet's chain in one read snapshot (full, or since the newest checkpoint) and, with
    ``record``, record a checkpoint at its end when it is intact (``at``: the verification's time)."""
    with read_snapshot(engine) as conn:
        report = (verify_chain if full else verify_since_checkpoint)(conn, key, outlet_code)
    if record:
        recorded = record_checkpoint(engine, key, report, at=at or datetime.now(UTC), operator_id=operator_id)
        report = replace(report, recorded=recorded)
    return report
