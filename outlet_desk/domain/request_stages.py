"""What a request's stages mean to the citizen: who or what made a stage, why production failed and what the
citizen must do then, and the one sentence the clerk (or the hotline) tells the citizen of where the card is."""

from __future__ import annotations

from datetime import date

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class StageSource(Worded):
    """Who or what made a stage (the operator, when one did, is kept beside it)."""

    COUNTER = "counter", N_("at the counter")
    MANIFEST = "manifest", N_("the card centre's manifest")
    SCAN = "scan", N_("scanned in by chip")
    SUPERVISOR = "supervisor", N_("by a supervisor")
    RECORDS = "records", N_("from the records kept before stages")


class FailureReason(Worded):
    """Why the card centre could not make the card."""

    PHOTO_REJECTED = "photo_rejected", N_("the photo was rejected")
    DATA_REFUSED = "data_refused", N_("the card centre refused the data")


_MUST = {
    FailureReason.PHOTO_REJECTED: N_("bring a new photo that meets the rules to the outlet"),
    FailureReason.DATA_REFUSED: N_("bring the ID card and the document that proves the data to the outlet, "
                                   "so the record can be checked"),
}


class FailureRefused(DomainError):
    code = "failure_refused"


def failure_reason(code: str) -> FailureReason:
    """The reason named by ``code`` (from a manifest line or a supervisor), or the refusal naming the codes."""
    try:
        return FailureReason(code.strip())
    except ValueError:
        raise FailureRefused(_("{value!r} is not a reason production fails; it is one of: {codes}.").format(
            value=code[:40], codes=", ".join(r.value for r in FailureReason))) from None


def citizen_must(reason: str) -> str:
    """What the citizen must do before the card is made again (a reason this version does not know: ask)."""
    try:
        return _(_MUST[FailureReason(reason)])
    except ValueError:
        return _("ask the card centre what is wrong")


_SETTLED: dict[str, str] = {
    RequestStatus.READY: N_("Your new card is ready: collect it at the outlet with your ID card."),
    RequestStatus.COLLECTED: N_("Your new card has been collected; this request is done."),
    RequestStatus.CANCELLED: N_("This request was cancelled: no card will be made for it."),
}
_ON_ITS_WAY: dict[str, str] = {
    RequestStatus.AT_OUTLET: N_("Your new card has reached the outlet and is being checked; it will be ready by "
                                "{due}."),
    RequestStatus.AT_CITY: N_("Your new card has been made and is on its way from the city's card centre to the "
                              "outlet; it is due by {due}."),
}
_BEING_MADE = N_("Your new card is being made; it is due at the outlet by {due}.")


def tell_citizen(status: str, due_date: date | None, today: date, failure: str = "") -> str:
    """The one sentence to tell the citizen, in the outlet's language."""
    if status in _SETTLED:
        return _(_SETTLED[status])
    if status == RequestStatus.PRODUCTION_FAILED:
        return _("Your card could not be made ({why}): please {must}; it is then made again at no "
                 "charge.").format(why=FailureReason.label_of(failure), must=citizen_must(failure))
    due = due_date.isoformat() if due_date else "?"
    if due_date is not None and today > due_date:
        return _("Your new card was due by {due} and is late; the outlet tells you as soon as it arrives.").format(
            due=due)
    return _(_ON_ITS_WAY.get(status, _BEING_MADE)).format(due=due)
