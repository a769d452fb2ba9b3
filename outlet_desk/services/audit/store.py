"""The chain in the store: appending an event inside the caller's transaction (``audit_head`` locked, the
key's id checked) and reading events, the head and checkpoints back for the verification.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from types import SimpleNamespace
from typing import Any, TypedDict, Unpack

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from outlet_desk.db.engine import WRITE
from outlet_desk.db.tables import (
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    Card,
    Collection,
    DayClose,
    IdentityCheck,
    LossReport,
    Operator,
    Outlet,
    Payment,
    Receipt,
    ReissueRequest,
)
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.services.audit.keys import AuditChainMissing, check_head_before_sealing
from outlet_desk.services.audit.seal import Checkpoint, Head, Link, canonical_json, compute_mac, key_id, seal_head
from outlet_desk.services.day_open import day_closed
from outlet_desk.services.masking import mask_pii


def _dump(values: Mapping[str, Any] | None) -> str:
    if not values:
        return ""
    return json.dumps(mask_pii(values), ensure_ascii=False, sort_keys=True, default=str)


class EventFacts(TypedDict, total=False):
    """What an event says beyond its action and entity (each may be left out)."""

    person_id: int | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class SealedEvent:
    """An event as :func:`append_event` wrote it onto the chain (the columns of ``audit_event``)."""

    id: int
    outlet_code: str
    seq: int
    at: datetime
    operator_id: int | None
    action: str
    entity: str
    entity_id: str
    person_id: int | None
    before: str
    after: str
    prev_mac: str
    mac: str


def append_event(session: Session, key: bytes, at: datetime, operator_id: int | None, outlet_code: str,
                 action: AuditAction, entity: str, entity_id: str | int | None = None, *,
                 open_day: date | None = None, **facts: Unpack[EventFacts]) -> SealedEvent:
    """Append one event to the outlet's chain inside the caller's transaction. ``audit_head`` is locked here
    (the caller's pending rows are flushed first), so call it as the last step before the commit. With
    ``open_day`` that day must not be closed (read in the same statement as the head: ``DayClosed``).

    Written in SQLAlchemy Core on the session's connection (one INSERT of the event, one UPDATE of the head, no
    ORM object built or flushed): what it returns is the row as written (:class:`SealedEvent`), not an ORM object."""
    session.flush()  # the use case's own rows first: the head is locked from here to the commit
    conn = session.connection()
    head, closed = _lock_head(conn, outlet_code, open_day)
    if closed:
        assert open_day is not None
        raise day_closed(open_day)
    if head is None and (rows := operational_rows(conn, outlet_code, with_outlet=False)):
        # A first event, yet the outlet has records of its work: its chain was deleted (head and all).
        # Starting a new chain would hide that; nothing is saved.
        raise AuditChainMissing(outlet_code, rows)
    # Another desk's key sealed the chain first, or the head was edited: nothing is sealed with this key
    # (the caller's transaction is rolled back).
    check_head_before_sealing(key, head or Head(outlet_code, 0, "", "", ""))
    seq, prev_mac = (head.seq, head.mac) if head is not None else (0, "")
    values: dict[str, Any] = {
        "outlet_code": outlet_code, "seq": seq + 1, "at": at, "operator_id": operator_id, "action": action,
        "entity": entity, "entity_id": "" if entity_id is None else str(entity_id),
        "person_id": facts.get("person_id"), "before": _dump(facts.get("before")),
        "after": _dump(facts.get("after")), "prev_mac": prev_mac}
    values["mac"] = compute_mac(key, SimpleNamespace(**values))
    inserted = conn.execute(_EVENT_INSERT, values).inserted_primary_key
    assert inserted is not None
    event = SealedEvent(id=int(inserted[0]), **values)
    new_key_id = key_id(key)
    sealed = {"outlet": outlet_code, "seq": event.seq, "mac": event.mac, "key_id": new_key_id,
              "seal": seal_head(key, outlet_code, event.seq, event.mac, new_key_id)}
    conn.execute(_HEAD_UPDATE if head is not None else _HEAD_INSERT, sealed)
    return event


# Built once (a statement built at every call costs more of the client's CPU than its execution on SQLite).
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_EVENT_INSERT = _EVENTS.insert()
_HEADS = AuditHead.__table__  # type: ignore[attr-defined]
_DAY_CLOSED = select(DayClose.__table__.c.id).where(  # type: ignore[attr-defined]
    DayClose.__table__.c.outlet_code == bindparam("outlet"),  # type: ignore[attr-defined]
    DayClose.__table__.c.day == bindparam("day"))  # type: ignore[attr-defined]
_HEAD = select(_HEADS.c.seq, _HEADS.c.mac, _HEADS.c.key_id, _HEADS.c.seal).where(
    _HEADS.c.outlet_code == bindparam("outlet"))
_HEAD_LOCKED = _HEAD.with_for_update(of=_HEADS)
_HEAD_LOCKED_AND_DAY = _HEAD.add_columns(_DAY_CLOSED.exists().label("closed")).with_for_update(of=_HEADS)
_HEAD_UPDATE = _HEADS.update().where(_HEADS.c.outlet_code == bindparam("outlet")).values(
    seq=bindparam("seq"), mac=bindparam("mac"), key_id=bindparam("key_id"), seal=bindparam("seal"))
_HEAD_INSERT = _HEADS.insert().values(outlet_code=bindparam("outlet"), seq=bindparam("seq"), mac=bindparam("mac"),
                                      key_id=bindparam("key_id"), seal=bindparam("seal"))


def _lock_head(conn: Connection, outlet_code: str, open_day: date | None) -> tuple[Head | None, bool]:
    """The outlet's head, locked (``FOR UPDATE`` on PostgreSQL; SQLite's writer already holds the store), and
    whether ``open_day`` is closed: one statement, one round trip."""
    if open_day is None:
        row = conn.execute(_HEAD_LOCKED, {"outlet": outlet_code}).first()
    else:
        row = conn.execute(_HEAD_LOCKED_AND_DAY, {"outlet": outlet_code, "day": open_day}).first()
    if row is None:
        if open_day is None:
            return None, False
        return None, conn.execute(_DAY_CLOSED, {"outlet": outlet_code, "day": open_day}).first() is not None
    head = Head(outlet_code, int(row[0]), str(row[1]), str(row[2]), str(row[3]))
    return head, bool(row[4]) if open_day is not None else False


def seal_heads_from_before_seals(engine: Engine, key: bytes) -> int:
    """Seal the heads of a store upgraded from before head seals (``migrate.HEAD_SEALS``), at that upgrade and only
    then: afterwards an unsealed head is an edit (``AuditHeadUnsealed``). How many heads were sealed."""
    sealed = 0
    with Session(engine.execution_options(**WRITE)) as session:
        for head in session.execute(select(AuditHead).where(col(AuditHead.seal) == "")).scalars():
            if head.seq == 0:
                continue
            head.key_id = head.key_id or key_id(key)
            head.seal = seal_head(key, head.outlet_code, head.seq, head.mac, head.key_id)
            sealed += 1
        session.commit()
    return sealed


# -- reading the chain -------------------------------------------------------------------------------------

_EVENT_COLUMNS = ("id, outlet_code, seq, at, operator_id, action, entity, entity_id, person_id, before, after, "
                  "prev_mac, mac")


def _at_any(value: Any) -> str:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return str(at.isoformat(timespec="microseconds"))


def read_links(conn: Connection, outlet_code: str, after_seq: int, expected: int, *,
               upto: int | None = None) -> Iterator[Link]:
    """The outlet's events after ``after_seq`` (up to ``upto`` if given) in chain order, read through the
    driver's own cursor inside ``conn``'s transaction: plain tuples, no SQLAlchemy row or type processing. On
    PostgreSQL a server-side cursor when many (``expected``) are coming, so a year's events are not all held in
    memory at once."""
    dbapi: Any = conn.connection.dbapi_connection
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        cur = dbapi.cursor()
        mark = "?"
    else:
        big = expected > 20_000
        cur = dbapi.cursor(name=f"audit_chain_{secrets.token_hex(4)}") if big else dbapi.cursor()
        mark = "%s"
    bound = "" if upto is None else f" AND seq <= {mark}"
    sql = (f"SELECT {_EVENT_COLUMNS} FROM audit_event WHERE outlet_code = {mark} AND seq > {mark}{bound} "
           "ORDER BY seq, id")
    params = (outlet_code, after_seq) if upto is None else (outlet_code, after_seq, upto)
    encode, quote, is_text = canonical_json, encode_basestring, str
    try:
        cur.execute(sql, params)
        while rows := cur.fetchmany(5000):
            for event_id, oc, seq, at, op, action, entity, entity_id, person_id, before, after, prev, mac in rows:
                # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (naive UTC); the seal has the aware ISO form.
                if sqlite and isinstance(at, str) and len(at) == 26 and at[10] == " ":
                    at_text = f"{at[:10]}T{at[11:]}+00:00"
                else:
                    at_text = _at_any(at)
                if (type(oc) is type(action) is type(entity) is type(entity_id) is type(before) is type(after)
                        is type(prev) is is_text and type(seq) is int and (op is None or type(op) is int)
                        and (person_id is None or type(person_id) is int)):
                    # The canonical form written out: the same bytes as the encoder's (each string through
                    # its own escaping function), at a third of the cost; anything else goes through it.
                    message = (f"[{quote(oc)},{seq},{quote(at_text)},{'null' if op is None else op},"
                               f"{quote(action)},{quote(entity)},{quote(entity_id)},"
                               f"{'null' if person_id is None else person_id},{quote(before)},{quote(after)},"
                               f"{quote(prev)}]")
                else:
                    message = encode([oc, seq, at_text, op, action, entity, entity_id, person_id, before, after,
                                      prev])
                yield Link(event_id, seq, prev, mac, message.encode("utf-8"))
    finally:
        cur.close()


def connection_of(source: Session | Connection) -> Connection:
    return source.connection() if isinstance(source, Session) else source


def read_head(conn: Connection, outlet_code: str) -> Head | None:
    row = conn.execute(
        select(col(AuditHead.seq), col(AuditHead.mac), col(AuditHead.key_id), col(AuditHead.seal))
        .where(col(AuditHead.outlet_code) == outlet_code)
    ).first()
    return None if row is None else Head(outlet_code, int(row[0]), str(row[1]), str(row[2]), str(row[3]))


def newest_checkpoint(conn: Connection, outlet_code: str, *, full_only: bool = False) -> Checkpoint | None:
    """The newest checkpoint of the outlet (highest seq, then newest row), or the newest full one."""
    t = AuditCheckpoint.__table__  # type: ignore[attr-defined]
    query = select(*t.c).where(t.c.outlet_code == outlet_code)
    if full_only:
        query = query.where(t.c.how == "full")
    row = conn.execute(query.order_by(t.c.seq.desc(), t.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Checkpoint(row.id, row.outlet_code, row.seq, row.mac, row.verified_at, row.how, row.operator_id, row.seal)


_OPERATIONAL_TABLES = (Operator, Card, IdentityCheck, LossReport, ReissueRequest, Collection, Payment, Receipt,
                       DayClose)


def operational_rows(conn: Connection, outlet_code: str, *, with_outlet: bool = True) -> int:
    """How many rows of the outlet's own work the store holds (its registration, operators, cards,
    identity checks, requests, collections, payments, receipts, closed days): every one was written with
    an audit event, so an outlet with any of them and no event lost its chain."""
    n = conn.execute(select(func.count()).where(col(Outlet.code) == outlet_code)).scalar_one() if with_outlet else 0
    for table in _OPERATIONAL_TABLES:
        t = table.__table__  # type: ignore[union-attr]
        n += conn.execute(select(func.count()).select_from(t).where(t.c.outlet_code == outlet_code)).scalar_one()
    return int(n)
