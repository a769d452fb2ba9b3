"""The card-status feed's tables (:mod:`outlet_desk.services.feed`): the outbox every change of a card's
status is written to in the same transaction, each city's sequence, and where each consumer has read to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from outlet_desk.db.tables import _ts

_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite numbers rows itself only for INTEGER PRIMARY KEY


class FeedRecord(SQLModel, table=True):
    """One record of the feed: a card's new status (``kind`` card_status) or an outlet's audit checkpoint
    (``kind`` checkpoint). ``city_seq`` is given when the record is first exported (in commit order, per
    city): writers never wait for each other on a sequence."""

    __tablename__ = "feed_record"
    __table_args__ = (
        Index("ix_feed_record_city_seq", "city_code", "city_seq", unique=True),
        Index("ix_feed_record_unsequenced", "city_code", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(_ID, primary_key=True, autoincrement=True))
    city_code: str = Field(max_length=4)
    city_seq: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    kind: str = Field(max_length=16)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    card_number: str = Field(default="", max_length=9)
    status: str = Field(default="", max_length=16)
    previous_status: str = Field(default="", max_length=16)
    audit_seq: int | None = None
    fingerprint: str = Field(default="", max_length=64)
    at: datetime = _ts()


class FeedHead(SQLModel, table=True):
    """A city's last sequence number given to a feed record."""

    __tablename__ = "feed_head"

    city_code: str = Field(primary_key=True, max_length=4)
    seq: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False, default=0))


class FeedConsumer(SQLModel, table=True):
    """Where a consumer of a city's feed has acknowledged it read to (at-least-once delivery: what is not
    acknowledged is exported again)."""

    __tablename__ = "feed_consumer"

    city_code: str = Field(primary_key=True, max_length=4)
    name: str = Field(primary_key=True, max_length=64)
    acked_seq: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False, default=0))
    acked_at: datetime | None = _ts(nullable=True)
