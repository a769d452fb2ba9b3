"""Unit of work: one use case = one transaction = exactly one audit event.

    with UnitOfWork(desk, actor) as uow:
        card = uow.session.get(Card, card_id)
        ...
        uow.audit(AuditAction.CARD_COLLECTED, "card", card.id, before=..., after=...)
        uow.commit()

Leaving the block without ``commit()`` (or by an exception) rolls everything back. ``commit()``
refuses unless exactly one audit event was written. The event is sealed onto the chain at the commit, the
last step (:meth:`UnitOfWork.seal`): the outlet's ``audit_head`` is locked only from there to the end of the
transaction, never across the use case's reads, and the day-open rule is read with it in one statement. On
SQLite a writer waits for its turn in the store's writer queue (``db/writer_queue.py``) before it begins;
a use case that may write nothing opens with ``writes=False`` (no writing transaction) and, if it must write
after all, does it in a writing unit of work of its own. What must be on the disk before the use case commits
(the note of its receipt: ``services/receipt_journal.py``) is registered with ``before_commit``; if it
fails, nothing is committed. Concurrency failures become ``RecordChanged``
or ``StoreBusy``, messages a clerk understands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime
from types import TracebackType
from typing import Unpack

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from outlet_desk.db.engine import WRITE
from outlet_desk.db.writer_queue import TurnNotGiven, queue_of
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Action, require
from outlet_desk.services import desk_log
from outlet_desk.services.audit import append_event
from outlet_desk.services.audit.store import EventFacts, SealedEvent
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_open import check_day_open, day_to_keep_open
from outlet_desk.services.errors import RecordChanged, ServiceError, StoreBusy
from outlet_desk.services.feed import outbox  # noqa: F401  (its listener writes every card status change)


class AuditMissing(RuntimeError):
    """A programming error: a use case tried to commit without exactly one audit event."""


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text or "deadlock" in text


class _Pending:
    """The use case's audit event as :meth:`UnitOfWork.audit` was given it, until it is sealed."""

    def __init__(self, at: datetime, action: AuditAction, entity: str, entity_id: str | int | None,
                 facts: EventFacts) -> None:
        self.at, self.action, self.entity, self.entity_id, self.facts = at, action, entity, entity_id, facts


class UnitOfWork:
    def __init__(self, desk: Desk, actor: Actor | None, action: Action | None = None, *,
                 writes: bool = True) -> None:
        """Open a transaction (a writing one unless ``writes`` is False: then it may not commit); with
        ``action`` the actor's role must allow it (else Forbidden)."""
        self.desk = desk
        self.actor = actor
        self.action = action
        self.writes = writes
        self.started = time.perf_counter()
        self.events: list[SealedEvent] = []
        """The use case's sealed event (at most one), once :meth:`seal` or :meth:`commit` sealed it."""
        self._pending: list[_Pending] = []
        self._committed = False
        self._before_commit: list[Callable[[], None]] = []
        self._turn = ExitStack()
        self.identity_check_id: int | None = None
        """The visit's identity check the use case stands on (named in its audit event)."""
        if action is not None:
            if actor is None:
                raise ValueError("an action needs an actor")
            try:
                require(actor.role, action)
            except DomainError as error:
                self._log(error)
                raise
        engine = desk.engine.execution_options(**WRITE) if writes else desk.engine
        self.session = Session(engine, expire_on_commit=False)

    def __enter__(self) -> UnitOfWork:
        try:
            self._take_turn()
            self.session.connection()  # BEGIN (IMMEDIATE on SQLite) now, so the reads below are consistent
        except OperationalError as exc:
            self._end()
            busy = StoreBusy() if _is_busy(exc) else None
            self._log(busy or exc)
            if busy is not None:
                raise busy from exc
            raise
        except StoreBusy as busy:
            self._end()
            self._log(busy)
            raise
        if not self.writes:
            try:  # a use case that may write nothing: its day rule now (a writing one has it with the head)
                check_day_open(self.session, self.desk, self.actor, self.action)
            except Exception as error:
                self._end()
                self._log(error)
                raise
        return self

    def _take_turn(self) -> None:
        queue = queue_of(self.desk.engine) if self.writes else None
        if queue is None:
            return
        try:
            self._turn.enter_context(queue.turn(self.desk.settings.database.busy_timeout_ms / 1000))
        except TurnNotGiven as exc:
            raise StoreBusy() from exc

    def _end(self) -> None:
        """Close the session and give the writer's turn to the next one."""
        try:
            self.session.close()
        finally:
            self._turn.close()

    def stands_on(self, identity_check_id: int) -> None:
        """The use case acts on the visit's identity check ``identity_check_id``: its audit event names it."""
        self.identity_check_id = identity_check_id

    def audit(self, action: AuditAction, entity: str, entity_id: str | int | None = None,
              **facts: Unpack[EventFacts]) -> None:
        """The use case's audit event, by its actor, now; with the identity check it stands on
        (:meth:`stands_on`) in its detail. It is sealed onto the chain at the commit (or :meth:`seal`)."""
        if self.identity_check_id is not None:
            facts["after"] = {**(facts.get("after") or {}), "identity_check": self.identity_check_id}
        self._pending.append(_Pending(self.desk.now(), action, entity, entity_id, facts))

    def seal(self) -> SealedEvent:
        """Seal the use case's event onto the chain now (the receipt's code is its MAC): the last step before
        the commit, since from here the outlet's ``audit_head`` is locked until the transaction ends."""
        if not self.writes:
            raise AuditMissing("a unit of work opened with writes=False writes nothing")
        if len(self._pending) + len(self.events) != 1:
            raise AuditMissing("a use case must write exactly one audit event, "
                               f"wrote {len(self._pending) + len(self.events)}")
        if self.events:
            return self.events[0]
        pending = self._pending.pop()
        day: date | None = day_to_keep_open(self.desk, self.actor, self.action)
        try:
            event = append_event(self.session, self.desk.audit_key, pending.at,
                                 self.actor.operator_id if self.actor else None, self.desk.outlet_code,
                                 pending.action, pending.entity, pending.entity_id, open_day=day, **pending.facts)
        except IntegrityError as exc:  # the event's place on the chain is taken: as at the commit's flush
            raise RecordChanged() from exc
        self.events.append(event)
        return event

    def before_commit(self, step: Callable[[], None]) -> None:
        """Run ``step`` just before the transaction commits; if it raises, the use case is rolled back."""
        self._before_commit.append(step)

    def commit(self) -> None:
        self.seal()
        for step in self._before_commit:
            step()
        try:
            self.session.commit()
        except StaleDataError as exc:
            raise RecordChanged() from exc
        except OperationalError as exc:
            if _is_busy(exc):
                raise StoreBusy() from exc
            raise
        except IntegrityError as exc:
            raise RecordChanged() from exc
        self._committed = True
        self._turn.close()  # the transaction is over: the next writer's turn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self.session.rollback()
        self._end()
        refusal: ServiceError | None = None
        if isinstance(exc, StaleDataError):
            refusal = RecordChanged()
        elif isinstance(exc, OperationalError) and _is_busy(exc):
            refusal = StoreBusy()
        self._log(refusal or exc)
        if refusal is not None:
            raise refusal from exc

    def _log(self, error: BaseException | None) -> None:
        """The use case's line in the desk's log (:mod:`outlet_desk.services.desk_log`)."""
        named = [str(e.action) for e in self.events] + [str(p.action) for p in self._pending]
        name = self.action.value if self.action else (named[0] if named else "store")
        if error is None:
            outcome = "done" if self._committed else "rolled back"
        else:
            outcome = "refused" if isinstance(error, ServiceError | DomainError) else "failed"
        record = f"{self.events[0].entity}:{self.events[0].entity_id}" if self.events and self._committed else ""
        desk_log.use_case(self.desk.outlet_code, self.actor.username if self.actor else None, name, outcome,
                          (time.perf_counter() - self.started) * 1000, error=error, record=record)
