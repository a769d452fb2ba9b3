"""A reissue request's stages (``domain/request_status.py``): one row per move of its status, with its time and
who or what made it. Migration 0022 made the table and gave the requests already on record their stages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel, col

from outlet_desk.db.types import UTCDateTime
from outlet_desk.domain.text import REASON_MAX


def _ts() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=False))


class RequestStage(SQLModel, table=True):
    __tablename__ = "request_stage"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="reissue_request.id")
    stage: str = Field(max_length=16)
    """A ``RequestStatus`` code: the status the request took."""
    at: datetime = _ts()
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    source: str = Field(max_length=16)
    """A ``StageSource`` code: the counter, the manifest, a scan, a supervisor, or the records (migration)."""
    failure: str = Field(default="", max_length=16)
    """Production failed: a ``FailureReason`` code."""
    note: str = Field(default="", max_length=REASON_MAX)
    """The card centre's or the supervisor's words, the batch or card number."""


Index("ix_request_stage_request", col(RequestStage.request_id), col(RequestStage.id))
