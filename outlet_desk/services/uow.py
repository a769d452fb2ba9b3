"""Unit of work: one use case = one transaction = exactly one audit event.

    with UnitOfWork(desk, actor) as uow:
        card = uow.session.get(Card, card_id)
        ...
        uow.audit(AuditAction.CARD_COLLECTED, "card", card.id, before=..., after=...)
        uow.commit()

Leaving the block without ``commit()`` (or by an exception) rolls everything back. ``commit()``
refuses unless exactly one audit event was written. What must be on the disk before the use case commits
(the note of its receipt: ``services/receipt_journal.py``) is registered with ``before_commit``; if it
fails, nothing is committed. Concurrency failures become ``RecordChanged``
or ``StoreBusy``, messages a clerk understands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Unpack

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from outlet_desk.db.engine import WRITE
from outlet_desk.db.tables import AuditEvent
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Action, require
from outlet_desk.services import desk_log
from outlet_desk.services.audit import append_event
from outlet_desk.services.audit.store import EventFacts
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_open import check_day_open
from outlet_desk.services.errors import RecordChanged, ServiceError, StoreBusy
from outlet_desk.services.feed import outbox  # noqa: F401  (its listener writes every card status change)


class AuditMissing(RuntimeError):
    """A programming error: a use case tried to commit without exactly one audit event."""


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text or "deadlock" in text


class UnitOfWork:
    def __init__(self, desk: Desk, actor: Actor | None, action: Action | None = None) -> None:
        """Open a writing transaction; with ``action`` the actor's role must allow it (else Forbidden)."""
        self.desk = desk
        self.actor = actor
        self.action = action
        self.started = time.perf_counter()
        self.events: list[AuditEvent] = []
        self._committed = False
        self._before_commit: list[Callable[[], None]] = []
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
        self.session = Session(desk.engine.execution_options(**WRITE), expire_on_commit=False)

    def __enter__(self) -> UnitOfWork:
        try:
            self.session.connection()  # BEGIN (IMMEDIATE on SQLite) now, so the reads below are consistent
        except OperationalError as exc:
            self.session.close()
            busy = StoreBusy() if _is_busy(exc) else None
            self._log(busy or exc)
            if busy is not None:
                raise busy from exc
            raise
        try:
            check_day_open(self.session, self.desk, self.actor, self.action)  # a closed day takes no new work
        except Exception as error:
            self.session.close()
            self._log(error)
            raise
        return self

    def stands_on(self, identity_check_id: int) -> None:
        """The use case acts on the visit's identity check ``identity_check_id``: its audit event names it."""
        self.identity_check_id = identity_check_id

    def audit(self, action: AuditAction, entity: str, entity_id: str | int | None = None,
              **facts: Unpack[EventFacts]) -> AuditEvent:
        """Write the use case's audit event (in its transaction), by its actor, now; with the identity check it
        stands on (:meth:`stands_on`) in its detail."""
        if self.identity_check_id is not None:
            facts["after"] = {**(facts.get("after") or {}), "identity_check": self.identity_check_id}
        event = append_event(self.session, self.desk.audit_key, self.desk.now(),
                             self.actor.operator_id if self.actor else None, self.desk.outlet_code,
                             action, entity, entity_id, **facts)
        self.events.append(event)
        return event

    def before_commit(self, step: Callable[[], None]) -> None:
        """Run ``step`` just before the transaction commits; if it raises, the use case is rolled back."""
        self._before_commit.append(step)

    def commit(self) -> None:
        if len(self.events) != 1:
            raise AuditMissing(f"a use case must write exactly one audit event, wrote {len(self.events)}")
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

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()
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
        name = self.action.value if self.action else (self.events[0].action if self.events else "store")
        if error is None:
            outcome = "done" if self._committed else "rolled back"
        else:
            outcome = "refused" if isinstance(error, ServiceError | DomainError) else "failed"
        record = f"{self.events[0].entity}:{self.events[0].entity_id}" if self.events and self._committed else ""
        desk_log.use_case(self.desk.outlet_code, self.actor.username if self.actor else None, name, outcome,
                          (time.perf_counter() - self.started) * 1000, error=error, record=record)
