"""The contact log of cards ready for collection (``domain/holder_contact.py`` holds its rules): each time the
outlet tried to tell a holder, who, when, how, what came of it. Migration 0020 made it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from outlet_desk.db.types import UTCDateTime
from outlet_desk.domain.text import REASON_MAX


class CardContact(SQLModel, table=True):
    __tablename__ = "card_contact"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    operator_id: int = Field(foreign_key="operator.id")
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    method: str = Field(max_length=16)
    outcome: str = Field(max_length=16)
    coming_on: date | None = None
    note: str = Field(default="", max_length=REASON_MAX)
