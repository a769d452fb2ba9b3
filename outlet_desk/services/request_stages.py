"""A reissue request's stages: every move of its status written as one stage (its time, who or what made it),
and the timeline read back for the screens and the command line. The one place a request's status changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Operator, ReissueRequest, RequestStage
from outlet_desk.domain.request_stages import FailureReason, StageSource, tell_citizen
from outlet_desk.domain.request_status import CLOSED_REQUESTS, REQUEST_MOVES, RequestStatus, move_request

CHUNK = 5000
"""Requests moved per round trip by :func:`move_many`."""
_KNOWN = frozenset(status.value for status in RequestStatus)


def record_stage(s: Session, request: ReissueRequest, to: RequestStatus, at: datetime, operator_id: int | None,
                 source: StageSource, *, failure: str = "", note: str = "") -> None:
    """Move the request (saved: it has its id) to ``to`` by the moves' rule, and write the stage (one Core
    INSERT now, in the session's transaction: no ORM object built and flushed for a row only written)."""
    assert request.id is not None
    request.status = move_request(request.status, to)
    s.connection().execute(_STAGE_INSERT, {"request_id": request.id, "stage": to, "at": at, "operator_id": operator_id,
                                           "source": source, "failure": failure, "note": note[:500]})


_STAGE_INSERT = RequestStage.__table__.insert()  # type: ignore[attr-defined]


def enter_request(s: Session, request: ReissueRequest, at: datetime, operator_id: int) -> None:
    """Save a new request, taken at the counter: entered, paid (or its fee waived, or none due) and in
    production at once."""
    request.status = RequestStatus.ENTERED
    s.add(request)
    s.flush()
    assert request.id is not None
    s.connection().execute(_STAGE_INSERT, {"request_id": request.id, "stage": RequestStatus.ENTERED, "at": at,
                                           "operator_id": operator_id, "source": StageSource.COUNTER,
                                           "failure": "", "note": ""})  # written before the moves' stages
    record_stage(s, request, RequestStatus.PAID, at, operator_id, StageSource.COUNTER)
    record_stage(s, request, RequestStatus.IN_PRODUCTION, at, operator_id, StageSource.COUNTER)


def move_many(s: Session, request_ids: Sequence[int], to: RequestStatus, at: datetime, operator_id: int | None,
              source: StageSource, *, note: str = "") -> int:
    """Move many requests at once (a manifest's thousands): those the moves' rule lets become ``to`` (the others
    stay as they are), in one UPDATE and one INSERT of their stages a chunk. How many moved."""
    table = ReissueRequest.__table__  # type: ignore[attr-defined]
    moved = 0
    for start in range(0, len(request_ids), CHUNK):
        chunk = list(request_ids[start:start + CHUNK])
        found = s.exec(select(col(ReissueRequest.id), col(ReissueRequest.status))
                       .where(col(ReissueRequest.id).in_(chunk))).all()
        ids = [rid for rid, status in found if rid is not None and status in _KNOWN
               and to in REQUEST_MOVES[RequestStatus(status)]]
        if not ids:
            continue
        s.execute(table.update().where(table.c.id.in_(ids)).values(status=to.value, version=table.c.version + 1))
        s.execute(insert(RequestStage), [
            {"request_id": rid, "stage": to.value, "at": at, "operator_id": operator_id, "source": source.value,
             "failure": "", "note": note[:500]} for rid in ids])
        for request in [r for r in s.identity_map.values() if isinstance(r, ReissueRequest) and r.id in ids]:
            s.expire(request)
        moved += len(ids)
    return moved


@dataclass(frozen=True)
class StageLine:
    stage: str
    """A ``RequestStatus`` code."""
    at: datetime
    source: str
    """A ``StageSource`` code."""
    by: str
    """The operator's name, when one made the stage."""
    failure: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        """The stage in words (with why production failed)."""
        words = RequestStatus.label_of(self.stage)
        return f"{words} ({FailureReason.label_of(self.failure)})" if self.failure else words

    @property
    def who(self) -> str:
        """Who or what made the stage, in words: the operator (and how), or the source alone."""
        how = StageSource.label_of(self.source)
        return f"{self.by}, {how}" if self.by else how


@dataclass(frozen=True)
class RequestTimeline:
    request_id: int
    reason: str
    status: str
    due_date: date | None
    stages: tuple[StageLine, ...]

    @property
    def failure(self) -> str:
        """Why production failed, when it did last."""
        return next((st.failure for st in reversed(self.stages) if st.failure), "")

    @property
    def open(self) -> bool:
        return self.status not in CLOSED_REQUESTS

    def tell(self, today: date) -> str:
        """The one sentence to tell the citizen."""
        return tell_citizen(self.status, self.due_date, today, self.failure)


def timelines(s: Session, person_id: int) -> list[RequestTimeline]:
    """The person's reissue requests, newest first, each with its stages in the order they happened."""
    requests = s.exec(select(ReissueRequest).where(col(ReissueRequest.person_id) == person_id)
                      .order_by(col(ReissueRequest.id).desc())).all()
    return timelines_of(s, requests)


def timelines_of(s: Session, requests: Iterable[ReissueRequest]) -> list[RequestTimeline]:
    requests = list(requests)
    ids = [r.id for r in requests]
    rows = s.exec(select(RequestStage, Operator.display_name)
                  .join(Operator, col(Operator.id) == col(RequestStage.operator_id), isouter=True)
                  .where(col(RequestStage.request_id).in_(ids))
                  .order_by(col(RequestStage.at), col(RequestStage.id))).all()
    stages: dict[int, list[StageLine]] = {}
    for st, by in rows:
        stages.setdefault(st.request_id, []).append(
            StageLine(st.stage, st.at, st.source, by or "", st.failure, st.note))
    return [RequestTimeline(r.id or 0, r.reason, r.status, r.due_date, tuple(stages.get(r.id or 0, ())))
            for r in requests]
