"""Confirming one range of an outlet's audit chain at the lowest cost per event, for the full verification in
ranges (:mod:`outlet_desk.services.audit.ranges`).

Each row is read with its text as bytes (no string built per column), the long texts (``before``, ``after``)
already quoted as JSON strings by the database (SQLite's ``json_quote``, PostgreSQL's ``to_json``: the
encoder's escaping), and the canonical bytes (the same as ``audit.seal.canonical``) are put together with one
bytes format; the HMAC is computed in C from the key's state prepared once.

Bytes put together differently from Python's canonical form (a value of an unexpected type, a time stored in
another form, an escape written otherwise) simply fail to match the seal: the range is not confirmed and the
caller verifies in order, with the canonical form computed by the encoder, which names what is wrong. A match
cannot be had by accident: the seal is the HMAC of the canonical bytes of the event as it was written, and
each field here is written as one JSON value of the type it must have (integers checked, the time only from
its fixed-width stored form, ``prev_mac`` compared with the MAC before it).

Standard library only (psycopg imported when used), so that a process checking a range starts in a fraction of
a second: ``python -m outlet_desk.services.chain_scan`` reads its task as JSON on stdin and answers on stdout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import sys
from json.encoder import encode_basestring
from typing import Any, NamedTuple
from urllib.parse import quote

# seq, at (as SQLAlchemy stores it on SQLite: "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC), operator_id, action,
# entity, entity_id, person_id, before and after already quoted as JSON strings, prev_mac, mac: text as bytes.
_SQLITE_COLUMNS = ("seq, at, operator_id, action, entity, entity_id, person_id, json_quote(before), json_quote(after), "
                   "prev_mac, mac")
_PG_COLUMNS = ("seq, convert_to(to_char(at, 'YYYY-MM-DD HH24:MI:SS.US'), 'UTF8'), operator_id, "
               "convert_to(action, 'UTF8'), convert_to(entity, 'UTF8'), convert_to(entity_id, 'UTF8'), person_id, "
               "convert_to(to_json(before)::text, 'UTF8'), convert_to(to_json(after)::text, 'UTF8'), "
               "convert_to(prev_mac, 'UTF8'), convert_to(mac, 'UTF8')")
_QUOTED_MOST = 1_000
"""How many distinct actions and entities are kept quoted (a handful in a real chain)."""


class RangeCheck(NamedTuple):
    """What one range of the chain looks like once checked: intact inside, and how it joins its neighbours."""

    intact: bool
    events: int
    first_prev_mac: str
    last_mac: str


def _query(sqlite: bool, bounded: bool) -> str:
    mark = "?" if sqlite else "%s"
    bound = f" AND seq <= {mark}" if bounded else ""
    return (f"SELECT {_SQLITE_COLUMNS if sqlite else _PG_COLUMNS} FROM audit_event "
            f"WHERE outlet_code = {mark} AND seq > {mark}{bound} ORDER BY seq, id")


def _quoted(value: bytes) -> bytes:
    """A text column's UTF-8 bytes as a JSON string, escaped as the canonical form escapes it."""
    return b'"%b"' % value if value.isalnum() else encode_basestring(value.decode()).encode()


def scan(cur: Any, sqlite: bool, key: bytes, outlet_code: str, after_seq: int, upto: int, *,
         last: bool) -> RangeCheck:
    """Events ``after_seq`` + 1 .. ``upto`` of the outlet through the DB-API cursor ``cur`` (text read as bytes:
    SQLite's ``text_factory``; on PostgreSQL a server-side cursor, the text converted to bytea), each numbered
    in turn, pointing at the one before it (the first one's pointer is only reported) and matching its seal;
    with ``last``, no event after ``upto`` either.

    Each event's canonical bytes are put together here from bytes: the time rewritten in the aware ISO form
    (only from the 26-character stored form), integers written by ``%d`` (anything else raises: verified in order
    then), the short texts quoted by the canonical escaping, ``before`` and ``after`` quoted by the database;
    ``prev_mac`` is written unquoted because it must equal the MAC before it, which is hex, or ""."""
    prefix = f"[{encode_basestring(outlet_code)},".encode()
    params: tuple[Any, ...] = (outlet_code, after_seq) if last else (outlet_code, after_seq, upto)
    cur.execute(_query(sqlite, not last), params)
    expected = after_seq + 1
    first_prev: bytes | None = None
    prev = b""
    compare, keyed = hmac.compare_digest, hmac.new(key, digestmod=hashlib.sha256)
    # The key's state prepared once and copied per event; OpenSSL's own object where the module has one (a
    # quarter less per event than the module's wrapper around it, a half less than hmac.digest).
    sealer = getattr(keyed, "_hmac", keyed)
    quoted: dict[bytes, bytes] = {}
    get = quoted.get
    while rows := cur.fetchmany(10_000):
        for seq, at, op, action, entity, entity_id, person_id, before, after, prev_mac, mac in rows:
            if (seq != expected or type(seq) is not int or len(at) != 26 or at[10] != 32
                    or (op is not None and type(op) is not int)
                    or (person_id is not None and type(person_id) is not int)
                    or (first_prev is not None and prev_mac != prev)):
                return RangeCheck(False, expected - after_seq - 1, (first_prev or b"").decode(), prev.decode())
            if (q_action := get(action)) is None:
                q_action = _quoted(action)
                if len(quoted) < _QUOTED_MOST:
                    quoted[action] = q_action
            if (q_entity := get(entity)) is None:
                q_entity = _quoted(entity)
                if len(quoted) < _QUOTED_MOST:
                    quoted[entity] = q_entity
            message = b'%b%d,"%bT%b+00:00",%b,%b,%b,%b,%b,%b,%b,"%b"]' % (
                prefix, seq, at[:10], at[11:], b"null" if op is None else b"%d" % op, q_action, q_entity,
                _quoted(entity_id), b"null" if person_id is None else b"%d" % person_id, before, after, prev_mac)
            seal = sealer.copy()
            seal.update(message)
            if not compare(seal.hexdigest().encode(), mac):
                return RangeCheck(False, expected - after_seq - 1, (first_prev or b"").decode(), prev.decode())
            if first_prev is None:
                first_prev = prev_mac
            prev = mac
            expected += 1
    return RangeCheck(expected == upto + 1, expected - after_seq - 1, (first_prev or b"").decode(), prev.decode())


def scan_connection(dbapi: Any, sqlite: bool, key: bytes, outlet_code: str, after_seq: int, upto: int, *,
                    last: bool) -> RangeCheck:
    """:func:`scan` through a driver connection, inside its current transaction: on SQLite its text read as
    bytes meanwhile, on PostgreSQL through a server-side cursor in binary."""
    if not sqlite:
        with dbapi.cursor(name="audit_chain_range", binary=True) as cur:
            return scan(cur, False, key, outlet_code, after_seq, upto, last=last)
    text_factory = dbapi.text_factory
    dbapi.text_factory = bytes
    cur = dbapi.cursor()
    try:
        return scan(cur, True, key, outlet_code, after_seq, upto, last=last)
    finally:
        cur.close()
        dbapi.text_factory = text_factory


def scan_task(task: dict[str, Any]) -> RangeCheck:
    """One range checked on a connection of its own: ``task`` names the store (``sqlite`` file or PostgreSQL
    ``conninfo`` with the exported ``snapshot`` to read in), the key (hex), the outlet and the range."""
    key = bytes.fromhex(task["key"])
    args = (key, task["outlet"], int(task["after"]), int(task["upto"]))
    if "sqlite" in task:
        db = sqlite3.connect(f"file:{quote(task['sqlite'])}?mode=ro", uri=True, isolation_level=None)
        try:
            db.execute("BEGIN")
            return scan_connection(db, True, *args, last=bool(task["last"]))
        finally:
            db.close()
    import psycopg

    with psycopg.connect(task["conninfo"], autocommit=True) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if task.get("snapshot"):
            pg.execute(f"SET TRANSACTION SNAPSHOT '{task['snapshot']}'")
        return scan_connection(pg, False, *args, last=bool(task["last"]))


def main() -> int:
    try:
        result = scan_task(json.loads(sys.stdin.read()))
    except Exception as exc:  # the caller verifies in order, which says what is wrong
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result._asdict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
