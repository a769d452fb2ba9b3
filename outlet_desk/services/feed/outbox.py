"""The outbox: a ``feed_record`` for every card whose status a flush writes (a new card, a changed status),
inserted just before that flush in the same transaction, so the record commits or rolls back with the change.
One listener for every session of the process: no use case can change a card's status without it, whoever
writes the use case.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.orm import Session
from sqlmodel import col

from outlet_desk.db.feed_tables import FeedRecord
from outlet_desk.db.tables import Card, Outlet
from outlet_desk.domain.divisions import Division, is_division_code
from outlet_desk.domain.feed import FeedKind

_CITIES = "feed.cities"
"""The session's cache of outlet code -> city code."""


_DIVISION = select(col(Outlet.division_code)).where(col(Outlet.code) == bindparam("outlet"))


def city_of_outlet(session: Session, outlet_code: str) -> str:
    """The city code (four digits) of an outlet, cached in the session; "" if it has no division code."""
    cities: dict[str, str] = session.info.setdefault(_CITIES, {})
    if outlet_code not in cities:
        with session.no_autoflush:
            code = session.execute(_DIVISION, {"outlet": outlet_code}).scalar()
        cities[outlet_code] = Division(code).city_code if code and is_division_code(code) else ""
    return cities[outlet_code]


def _status_change(session: Session, card: Card) -> str | None:
    """The status before this flush ("" for a new card), or None when the status did not change."""
    if card in session.new:
        return ""
    history = inspect(card).attrs.status.history
    before = history.deleted[0] if history.deleted else None
    if not history.added or history.added[0] == before:
        return None
    return str(before or "")


_HAS_FEED = "feed.has_table"
"""The session's answer of :func:`_has_feed` for its transaction (a store's tables do not change inside one of
its use cases); forgotten when the transaction ends."""


def _has_feed(session: Session) -> bool:
    """Whether the store has the feed's table: a store at a revision before the feed's (a test building an
    older store, an upgrade's data steps) changes cards without one. Asked only when a card's status changes,
    once per session (a hand-over changes two cards in two flushes; the question is a catalogue query)."""
    known = session.info.get(_HAS_FEED)
    if known is None:
        conn = session.connection()
        known = session.info[_HAS_FEED] = bool(conn.dialect.has_table(conn, FeedRecord.__tablename__))
    return bool(known)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_has_feed(session: Session) -> None:
    session.info.pop(_HAS_FEED, None)


_RECORD_INSERT = FeedRecord.__table__.insert()  # type: ignore[attr-defined]


@event.listens_for(Session, "before_flush")
def _write_card_changes(session: Session, _context: Any, _instances: Any) -> None:
    """The changed cards' records, inserted in Core on the session's connection ahead of the flush that writes
    the cards (same transaction: both commit or neither; no ORM object built or flushed for them)."""
    changed = [(card, previous) for card in [*session.new, *session.dirty]
               if isinstance(card, Card) and (previous := _status_change(session, card)) is not None]
    if not changed or not _has_feed(session):
        return
    rows = [{"city_code": city_of_outlet(session, card.outlet_code), "city_seq": None, "kind": FeedKind.CARD_STATUS,
             "outlet_code": card.outlet_code, "card_number": card.card_number, "status": card.status,
             "previous_status": previous, "audit_seq": None, "fingerprint": "",
             "at": card.status_changed_at or datetime.now(UTC)} for card, previous in changed]
    session.connection().execute(_RECORD_INSERT, rows)
