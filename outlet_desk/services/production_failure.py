"""A card the card centre could not make (a photo rejected, data refused): recorded by a supervisor (or by the
manifest, ``services/stock_import.py``), told to the clerk with what the citizen must do, and, once the citizen
has done it, the card ordered again without a second fee and with a new due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.request_stages import StageSource, citizen_must, failure_reason
from outlet_desk.domain.request_status import RequestStatus, request_status_label
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound, ServiceError
from outlet_desk.services.records import load_request
from outlet_desk.services.request_stages import record_stage
from outlet_desk.services.uow import UnitOfWork


class ProductionRefused(ServiceError):
    code = "production_refused"


@dataclass(frozen=True)
class ProductionFailed:
    request_id: int
    reason: str
    """A ``FailureReason`` code."""

    def what_to_do(self) -> str:
        """What the clerk tells the citizen to do, in one sentence."""
        return _("Request {id}: the card could not be made; the citizen must {must}. Then order it again (no "
                 "second fee).").format(id=self.request_id, must=citizen_must(self.reason))


@dataclass(frozen=True)
class Reordered:
    request_id: int
    due_date: date


def record_production_failure(desk: Desk, supervisor: Actor, request_id: int, reason: str, note: str = ""
                              ) -> ProductionFailed:
    """The card centre said it cannot make request ``request_id``'s card, for ``reason`` (a ``FailureReason``
    code; ``note``: its words). Only a request waiting for its card from the factory can fail."""
    code = failure_reason(reason)
    note = clean_text(note, _("The note"), REASON_MAX, multi_line=False)
    with UnitOfWork(desk, supervisor, Action.RECORD_PRODUCTION_FAILURE) as uow:
        request = load_request(uow.session, request_id, None)
        _here(desk, request.outlet_code, request_id)
        if request.production_mode != "factory":
            raise ProductionRefused(_("Request {id} is an instant card written at this outlet: the card centre does "
                                      "not make it.").format(id=request_id))
        before = request.status
        record_stage(uow.session, request, RequestStatus.PRODUCTION_FAILED, desk.now(), supervisor.operator_id,
                     StageSource.SUPERVISOR, failure=code, note=note)
        uow.audit(AuditAction.PRODUCTION_FAILED, "reissue_request", request_id, person_id=request.person_id,
                  before={"status": before}, after={"status": request.status, "failure": code, "note": note})
        uow.commit()
        return ProductionFailed(request_id, code)


def reorder_card(desk: Desk, actor: Actor, request_id: int) -> Reordered:
    """The citizen did what the failure asked: the card is ordered again, in production with a new due date, and
    no fee is taken (the request's fee was paid once)."""
    with UnitOfWork(desk, actor, Action.REORDER_CARD) as uow:
        request = load_request(uow.session, request_id, None)
        _here(desk, request.outlet_code, request_id)
        if request.status != RequestStatus.PRODUCTION_FAILED:
            raise ProductionRefused(_("Request {id} is {status}: only a request whose production failed is ordered "
                                      "again.").format(id=request_id, status=request_status_label(request.status)))
        before = {"status": request.status, "due_date": request.due_date}
        request.due_date = desk.local_now().date() + timedelta(days=desk.settings.reissue.due_days_factory)
        record_stage(uow.session, request, RequestStatus.IN_PRODUCTION, desk.now(), actor.operator_id,
                     StageSource.COUNTER)
        uow.audit(AuditAction.CARD_REORDERED, "reissue_request", request_id, person_id=request.person_id,
                  before=before, after={"status": request.status, "due_date": request.due_date, "fee_fen": 0})
        uow.commit()
        return Reordered(request_id, request.due_date)


def _here(desk: Desk, outlet_code: str, request_id: int) -> None:
    if outlet_code != desk.outlet_code:
        raise NotFound(_("No reissue request with number {id} at this outlet.").format(id=request_id))
