"""A manifest from the card centre imported: every line checked against the store (the card not on record
yet, its holder on record under that name, its reissue request waiting for it), then the batch and its lines
written in one transaction as *announced*, or nothing at all with every bad line's number."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, type_coerce
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Person, ReissueRequest, StockBatch, StockItem
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.manifest import Manifest, ManifestLine, ManifestRefused, Problem
from outlet_desk.domain.names import names_match
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import AWAITING_CARD, RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.domain.stock import BatchKind, BatchStatus, StockStatus
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.request_stages import move_many, record_stage
from outlet_desk.services.uow import UnitOfWork

CHUNK = 5000
"""Lines checked (and written) per round trip; the progress bar moves once a chunk."""
OPEN_LINES = (StockStatus.ANNOUNCED, StockStatus.MISMATCHED)
"""A card on such a line is still expected: another manifest may not announce it again."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchAnnounced:
    batch_id: int
    batch_number: str
    lines: int
    with_request: int
    failed: int = 0
    """Lines of cards the card centre could not make: their requests' production failed."""


@dataclass(frozen=True)
class _Failed:
    request_id: int
    reason: str


def _chunks(lines: Sequence[ManifestLine]) -> Iterable[Sequence[ManifestLine]]:
    for start in range(0, len(lines), CHUNK):
        yield lines[start:start + CHUNK]


def _taken(s: Session, chunk: Sequence[ManifestLine], lines_open: bool) -> set[str]:
    """The card numbers and chip codes of this chunk already on record, or announced on an open line (looked for
    only when some line is open: ``lines_open``)."""
    found: set[str] = set()
    tables: list[tuple[Any, Any, tuple[Any, ...]]] = [(Card.card_number, Card.identification_code, ())]
    if lines_open:
        tables.append((StockItem.card_number, StockItem.identification_code, (col(StockItem.status).in_(OPEN_LINES),)))
    for number_column, code_column, only in tables:
        for column, values in ((number_column, [line.card_number for line in chunk]),
                               (code_column, [line.identification_code for line in chunk])):
            found.update(str(v) for v in s.exec(select(col(column)).where(col(column).in_(values), *only)).all())
    return found


def _holders(s: Session, chunk: Sequence[ManifestLine]) -> dict[str, tuple[int, str]]:
    """Citizen number -> (person id, name on record), for the holders of this chunk on record: found by the
    numbers' blind index, computed here once each as the column's type computes it (and compared as the plain
    text it is), nothing opened."""
    index_type = Person.__table__.c.citizen_index.type  # type: ignore[attr-defined]
    dialect = s.get_bind().dialect
    numbers = {index_type.process_bind_param(line.citizen_number, dialect): line.citizen_number for line in chunk}
    index = type_coerce(col(Person.citizen_index), String())
    rows = s.exec(select(col(Person.id), index, col(Person.name)).where(index.in_(list(numbers)))).all()
    return {numbers[found]: (int(pid or 0), name) for pid, found, name in rows if found in numbers}


def _waiting(s: Session, desk: Desk, person_ids: Iterable[int], request_ids: Iterable[int]
             ) -> dict[int, ReissueRequest]:
    """This outlet's factory requests in production, of these holders or with these numbers, by id."""
    rows = s.exec(select(ReissueRequest).where(
        col(ReissueRequest.outlet_code) == desk.outlet_code, col(ReissueRequest.production_mode) == "factory",
        col(ReissueRequest.status).in_(list(AWAITING_CARD)),
        col(ReissueRequest.person_id).in_(list(person_ids)) | col(ReissueRequest.id).in_(list(request_ids)),
    )).all()
    return {r.id: r for r in rows if r.id is not None}


def _announced_requests(s: Session, request_ids: Iterable[int]) -> set[int]:
    return {int(r) for r in s.exec(select(col(StockItem.request_id)).where(
        col(StockItem.status).in_(OPEN_LINES), col(StockItem.request_id).in_(list(request_ids)))).all() if r}


Row = tuple[int, str, str, str, str, int, int | None]
"""A good line to write: line number, card number, chip code, citizen number, name, holder, request."""


def _check_chunk(s: Session, desk: Desk, chunk: Sequence[ManifestLine], claimed: set[int],
                 problems: list[Problem], lines_open: bool, failed: list[_Failed]) -> list[Row]:
    """The rows to write for the good lines of ``chunk``; each bad line's problem goes into ``problems``, each
    good line of a card not made (a failure) into ``failed``."""
    taken = _taken(s, chunk, lines_open)
    holders = _holders(s, chunk)
    requests = _waiting(s, desk, (pid for pid, _name in holders.values()),
                        (line.request_id for line in chunk if line.request_id))
    by_person: dict[int, list[int]] = {}
    for request in requests.values():
        by_person.setdefault(request.person_id, []).append(request.id or 0)
    claimed |= _announced_requests(s, requests)
    rows: list[Row] = []
    for line in chunk:
        problem = None if not taken or line.failure else _on_record(line, taken)
        holder = holders.get(line.citizen_number)
        if problem is None and holder is None:
            problem = _("no card holder with this citizen number is on record.")
        if problem is not None or holder is None:
            problems.append(Problem(line.line_no, problem or ""))
            continue
        person_id, name = holder
        request_id = line.request_id
        if name != line.name and not names_match(name, line.name):
            problem = _("the name {name!r} is not the holder's name on record.").format(name=line.name)
        elif request_id is not None and (request_id not in requests or requests[request_id].person_id != person_id):
            problem = _("request {id} is not this holder's reissue waiting for a card from the factory at this "
                        "outlet.").format(id=request_id)
        else:
            if request_id is None and len(by_person.get(person_id, ())) == 1:
                request_id = by_person[person_id][0]
            if request_id is not None and request_id in claimed:
                problem = _("request {id} already expects another card.").format(id=request_id)
        if problem is not None:
            problems.append(Problem(line.line_no, problem))
            continue
        if line.failure and request_id is None:
            problems.append(Problem(line.line_no, _(
                "no reissue request of this holder waits for a card from the factory at this outlet (a failure "
                "names the request that failed).")))
            continue
        if request_id is not None:
            claimed.add(request_id)
        if line.failure:
            assert request_id is not None  # refused above
            failed.append(_Failed(request_id, line.failure))
            continue
        rows.append((line.line_no, line.card_number, line.identification_code, line.citizen_number, line.name,
                     person_id, request_id))
    return rows


def _on_record(line: ManifestLine, taken: set[str]) -> str | None:
    if line.card_number in taken or line.identification_code in taken:
        return _("card {card} (or its chip) is already on record or expected in another batch.").format(
            card=line.card_number)
    return None


_LINE_COLUMNS = ("batch_id", "outlet_code", "line_no", "status", "card_number", "identification_code",
                 "citizen_number", "name", "person_id", "request_id", "blank", "note")


def _write_lines(s: Session, batch_id: int, outlet_code: str, rows: list[Row], tell: Callable[[int], None]) -> None:
    """The batch's lines in one ``executemany`` per chunk through the driver (the store's bulk path: each value
    bound as its column's type binds it, the citizen number sealed by its column's type, computed here once)."""
    conn = s.connection()
    dialect = conn.dialect
    table = StockItem.__table__  # type: ignore[attr-defined]
    seal = table.c.citizen_number.type.process_bind_param
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO stock_item ({', '.join(_LINE_COLUMNS)}) "
           f"VALUES ({', '.join(mark for _column in _LINE_COLUMNS)})")
    status = str(StockStatus.ANNOUNCED)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        conn.exec_driver_sql(sql, [
            (batch_id, outlet_code, line_no, status, card, code, seal(citizen, dialect), name, person_id, request_id,
             False, "")
            for line_no, card, code, citizen, name, person_id, request_id in chunk])
        tell(start + len(chunk))


def import_manifest(desk: Desk, actor: Actor, manifest: Manifest, progress: Progress | None = None
                    ) -> BatchAnnounced:
    """Record the batch and every line as *announced*, or refuse the whole manifest (``ManifestRefused``, every
    bad line with its number) and write nothing. ``progress(done, total)`` is told as the lines are checked
    and written."""
    total = len(manifest.lines)
    tell = progress or (lambda done, total: None)
    with UnitOfWork(desk, actor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        if s.exec(select(col(StockBatch.id)).where(col(StockBatch.outlet_code) == desk.outlet_code,
                                                   col(StockBatch.manifest_ref) == manifest.batch_number)).first():
            raise ManifestRefused([Problem(1, _("batch {batch} has already been imported at this outlet.").format(
                batch=manifest.batch_number))])
        problems: list[Problem] = []
        rows: list[Row] = []
        claimed: set[int] = set()
        failed: list[_Failed] = []
        lines_open = s.exec(select(col(StockItem.id)).where(col(StockItem.status).in_(OPEN_LINES)).limit(1)).first()
        for chunk in _chunks(manifest.lines):
            rows += _check_chunk(s, desk, chunk, claimed, problems, lines_open is not None, failed)
            tell(len(rows) + len(failed) + len(problems), total * 2)
        if problems:
            raise ManifestRefused(sorted(problems, key=lambda p: p.line_no))
        batch = StockBatch(outlet_code=desk.outlet_code, manifest_ref=manifest.batch_number, kind=BatchKind.MANIFEST,
                           status=BatchStatus.ANNOUNCED, lines=len(rows), operator_id=actor.operator_id,
                           received_at=desk.now())
        s.add(batch)
        s.flush()
        assert batch.id is not None
        _write_lines(s, batch.id, desk.outlet_code, rows, lambda done: tell(total + done, total * 2))
        at, by = desk.now(), actor.operator_id
        expected = [row[6] for row in rows if row[6] is not None]
        with_request = len(expected)
        move_many(s, expected, RequestStatus.AT_CITY, at, by, StageSource.MANIFEST, note=manifest.batch_number)
        for failure in failed:
            request = s.get(ReissueRequest, failure.request_id)
            assert request is not None
            record_stage(s, request, RequestStatus.PRODUCTION_FAILED, at, by, StageSource.MANIFEST,
                         failure=failure.reason, note=manifest.batch_number)
        uow.audit(AuditAction.STOCK_BATCH_ANNOUNCED, "stock_batch", batch.id,
                  after={"batch_number": manifest.batch_number, "lines": len(rows), "with_request": with_request,
                         "failed": [{"request_id": f.request_id, "reason": f.reason} for f in failed]})
        uow.commit()
        return BatchAnnounced(batch.id, manifest.batch_number, len(rows), with_request, len(failed))
