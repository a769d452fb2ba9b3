"""The card stock's tables (``domain/stock.py`` holds their rules): a batch (a manifest from the card centre,
or a delivery of blank cards) and its lines, one per card. Migration 0018 gave them the columns below."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from outlet_desk.db.types import SealedText, UTCDateTime
from outlet_desk.domain.stock import BatchKind, BatchStatus, StockStatus
from outlet_desk.domain.text import PERSON_NAME_MAX, REASON_MAX


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class StockBatch(SQLModel, table=True):
    __tablename__ = "stock_batch"
    __table_args__ = (UniqueConstraint("outlet_code", "manifest_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    manifest_ref: str = Field(max_length=60)
    """The card centre's batch number (a blank delivery: ``BLANKS-`` and the time it came)."""
    kind: str = Field(default=BatchKind.MANIFEST, max_length=16)
    status: str = Field(default=BatchStatus.ANNOUNCED, max_length=16)
    lines: int = 0
    operator_id: int = Field(foreign_key="operator.id")
    received_at: datetime = _ts()
    """When the batch was announced (imported)."""
    closed_at: datetime | None = _ts(nullable=True)
    closed_by: int | None = Field(default=None, foreign_key="operator.id")


class StockItem(SQLModel, table=True):
    """One card of a batch: a manifest line (what the card centre says the card is), a card scanned in that is
    on no line (``extra``), or a blank card."""

    __tablename__ = "stock_item"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="stock_batch.id", index=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    line_no: int | None = None
    status: str = Field(default=StockStatus.ANNOUNCED, max_length=16)
    card_number: str = Field(default="", max_length=9, index=True)
    identification_code: str = Field(default="", max_length=32, index=True)
    citizen_number: str = Field(default="", sa_column=Column(
        "citizen_number", SealedText("stock_item.citizen_number"), nullable=False))
    name: str = Field(default="", max_length=PERSON_NAME_MAX)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    request_id: int | None = Field(default=None, foreign_key="reissue_request.id")
    card_id: int | None = Field(default=None, foreign_key="card.id", index=True)
    blank: bool = False
    scanned_at: datetime | None = _ts(nullable=True)
    note: str = Field(default="", max_length=REASON_MAX)
    """A mismatch's fields, or the supervisor's words resolving a discrepancy, or why a card was spoiled."""
    resolved_by: int | None = Field(default=None, foreign_key="operator.id")
    resolved_at: datetime | None = _ts(nullable=True)
    spoiled_at: datetime | None = _ts(nullable=True)
    spoiled_witness_id: int | None = Field(default=None, foreign_key="operator.id")


Index("ix_stock_item_outlet_status", col(StockItem.outlet_code), col(StockItem.status))
Index("ix_stock_item_outlet_spoiled", col(StockItem.outlet_code), col(StockItem.spoiled_at))
