"""Exporting a city's feed: sequence numbers given in commit order at first export, records from a sequence
number on, and a consumer's acknowledgement (at-least-once delivery)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from outlet_desk.db.engine import WRITE
from outlet_desk.db.feed_tables import FeedConsumer, FeedHead, FeedRecord
from outlet_desk.domain.feed import FeedKind
from outlet_desk.domain.roles import Action, require
from outlet_desk.domain.text import clean_text
from outlet_desk.i18n import _
from outlet_desk.services import desk_log
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.feed.outbox import city_of_outlet

EXPORT_LIMIT_MAX = 100_000
"""The most records one export returns; a consumer asks again from where it stopped."""

CONSUMER_NAME_MAX = 64


class FeedRefused(ServiceError):
    code = "feed_refused"


class FeedItem(NamedTuple):
    """One record as exported (``docs/feed.md``): a named tuple, made by the hundred thousand per export."""

    seq: int
    city: str
    kind: FeedKind
    outlet: str
    at: datetime
    card_number: str = ""
    status: str = ""
    previous_status: str = ""
    audit_seq: int | None = None
    fingerprint: str = ""

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"seq": self.seq, "city": self.city, "kind": self.kind.value,
                                 "outlet": self.outlet, "at": self.at.astimezone(UTC).isoformat()}
        if self.kind is FeedKind.CARD_STATUS:
            shown.update(card_number=self.card_number, status=self.status,
                         previous_status=self.previous_status or None)
        else:
            shown.update(audit_seq=self.audit_seq, fingerprint=self.fingerprint)
        return shown


@dataclass(frozen=True)
class FeedBatch:
    city: str
    since: int
    head: int
    """The city's newest sequence number when this batch was exported."""
    items: tuple[FeedItem, ...]

    @property
    def last(self) -> int:
        """The sequence number to acknowledge once the batch is applied (``since`` if it was empty)."""
        return self.items[-1].seq if self.items else self.since


def _city(session: Session, desk: Desk) -> str:
    city = city_of_outlet(session, desk.outlet_code)
    if not city:
        raise FeedRefused(_("Outlet {code} belongs to no city, so it has no feed.").format(code=desk.outlet_code))
    return city


def _lock_head(session: Session, city: str) -> FeedHead:
    """The city's head row, made if missing and locked for this transaction (one exporter at a time)."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(insert(FeedHead).values(city_code=city, seq=0).on_conflict_do_nothing())
    head: FeedHead = session.execute(
        select(FeedHead).where(col(FeedHead.city_code) == city).with_for_update()).scalar_one()
    return head


_RECORDS: Table = FeedRecord.__table__  # type: ignore[attr-defined]


def sequence_city(session: Session, city: str) -> int:
    """Give the city's records without a sequence number the next ones, in the order they were written
    (every record visible here is committed: one written later by a transaction that commits later gets a
    later number at the next export, so none is ever skipped). One statement however many are waiting: an
    UPDATE from the waiting records numbered in ``id`` order after the head. Returns the city's newest number."""
    head = _lock_head(session, city)
    t = _RECORDS
    numbered = select(t.c.id, (head.seq + func.row_number().over(order_by=t.c.id)).label("seq")).where(
        t.c.city_code == city, t.c.city_seq.is_(None)).subquery()
    done = session.execute(update(t).where(t.c.id == numbered.c.id).values(city_seq=numbered.c.seq))
    head.seq += int(done.rowcount or 0)  # type: ignore[attr-defined]
    return head.seq


def _acked(session: Session, city: str, consumer: str) -> int:
    return int(session.execute(select(col(FeedConsumer.acked_seq)).where(
        col(FeedConsumer.city_code) == city, col(FeedConsumer.name) == consumer)).scalar() or 0)


def consumer_name(name: str) -> str:
    cleaned = clean_text(name, _("The consumer's name"), CONSUMER_NAME_MAX).strip()
    if not cleaned:
        raise FeedRefused(_("Name the consumer (--consumer NAME): the system that applies the feed."))
    return cleaned


def export_feed(desk: Desk, actor: Actor, *, since: int | None = None, consumer: str | None = None,
                limit: int = 10_000) -> FeedBatch:
    """The city's records after ``since`` (default: after what ``consumer`` acknowledged; else from the
    start), at most ``limit``, in sequence order."""
    require(actor.role, Action.EXPORT_FEED)
    if not 1 <= limit <= EXPORT_LIMIT_MAX:
        raise FeedRefused(_("--limit must be from 1 to {most}.").format(most=f"{EXPORT_LIMIT_MAX:,}"))
    if since is not None and since < 0:
        raise FeedRefused(_("--since must be 0 or more."))
    name = consumer_name(consumer) if consumer is not None else None
    with Session(desk.engine.execution_options(**WRITE)) as s:
        city = _city(s, desk)
        head = sequence_city(s, city)
        start = since if since is not None else (_acked(s, city, name) if name else 0)
        t = _RECORDS
        rows = s.execute(select(t.c.city_seq, t.c.city_code, t.c.kind, t.c.outlet_code, t.c.at, t.c.card_number,
                                t.c.status, t.c.previous_status, t.c.audit_seq, t.c.fingerprint)
                         .where(t.c.city_code == city, t.c.city_seq > start).order_by(t.c.city_seq).limit(limit))
        kinds, item = {k.value: k for k in FeedKind}, FeedItem._make
        # Core rows (no ORM objects), each made a FeedItem as it comes: the kind looked up, not constructed.
        items = tuple(item((q, c, kinds[k], o, a, n, st, ps, au, f)) for q, c, k, o, a, n, st, ps, au, f in rows)
        s.commit()
    desk_log.use_case(desk.outlet_code, actor.username, Action.EXPORT_FEED.value, "done", 0.0,
                      record=f"feed:{city}:{start}-{items[-1].seq if items else start}")
    return FeedBatch(city, start, head, items)


def acknowledge(desk: Desk, actor: Actor, consumer: str, through: int) -> int:
    """Record that ``consumer`` applied the city's feed up to ``through``; the next export for it starts
    after. Refused beyond the city's newest number or behind what it acknowledged before."""
    require(actor.role, Action.EXPORT_FEED)
    name = consumer_name(consumer)
    with Session(desk.engine.execution_options(**WRITE)) as s:
        city = _city(s, desk)
        head = _lock_head(s, city).seq
        before = _acked(s, city, name)
        if through > head:
            raise FeedRefused(_("The city's feed ends at {head}; {n} cannot be acknowledged.").format(
                head=f"{head:,}", n=f"{through:,}"))
        if through < before:
            raise FeedRefused(_("{name} already acknowledged up to {before}; an acknowledgement never goes back "
                                "(export again with --since to read earlier records).").format(
                                    name=name, before=f"{before:,}"))
        row = s.get(FeedConsumer, (city, name)) or FeedConsumer(city_code=city, name=name)
        row.acked_seq, row.acked_at = through, desk.now()
        s.add(row)
        s.commit()
    return through


def record_checkpoint_in_feed(session: Session, outlet_code: str, audit_seq: int, fingerprint: str,
                              at: datetime) -> None:
    """An outlet's chain verified intact in full up to ``audit_seq``: into the feed, in the caller's
    transaction (the one that records the checkpoint), so a party outside the outlet witnesses it."""
    city = city_of_outlet(session, outlet_code)
    if city:
        session.add(FeedRecord(city_code=city, kind=FeedKind.CHECKPOINT, outlet_code=outlet_code,
                               audit_seq=audit_seq, fingerprint=fingerprint, at=at))
