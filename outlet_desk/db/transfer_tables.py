"""A ready card's transfer from the outlet that holds it to another outlet of the database
(``domain/transfers.py`` holds the rules). Migration 0024 made it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, text
from sqlmodel import Field, SQLModel, col

from outlet_desk.db.types import UTCDateTime
from outlet_desk.domain.transfers import TransferStatus


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class CardTransfer(SQLModel, table=True):
    __tablename__ = "card_transfer"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="reissue_request.id")
    from_outlet: str = Field(foreign_key="outlet.code", max_length=16)
    to_outlet: str = Field(foreign_key="outlet.code", max_length=16)
    status: str = Field(default=TransferStatus.SENT, max_length=16)
    sent_at: datetime = _ts()
    sent_by: int = Field(foreign_key="operator.id")
    received_at: datetime | None = _ts(nullable=True)
    received_by: int | None = Field(default=None, foreign_key="operator.id")


_ON_ITS_WAY = text(f"status = '{TransferStatus.SENT.value}'")
Index("ux_card_transfer_on_its_way", col(CardTransfer.card_id), unique=True,
      sqlite_where=_ON_ITS_WAY, postgresql_where=_ON_ITS_WAY)
"""A card is on its way to one outlet at most."""
Index("ix_card_transfer_to_status", col(CardTransfer.to_outlet), col(CardTransfer.status))
Index("ix_card_transfer_from_status", col(CardTransfer.from_outlet), col(CardTransfer.status))
