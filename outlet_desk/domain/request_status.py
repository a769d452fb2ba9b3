"""A reissue request's status, which is its latest *stage*, and the moves between them.

``entered -> paid -> in_production -> received by the city -> received by the outlet -> ready -> collected``;
a stage may be skipped forward (a card received by hand at the outlet never passed through the manifest; an
instant card is written here), never gone back, except that a request whose production failed (a photo
rejected, data refused by the card centre) is ordered again (``in_production``) without a second fee. A request
may be ``cancelled`` before it is collected. Every move is one stage on the request's timeline
(``services/request_stages.py``), with its time and who or what made it.
"""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Moves, Worded
from outlet_desk.i18n import N_, _


class RequestStatus(Worded):
    ENTERED = "entered", N_("entered")
    PAID = "paid", N_("paid")
    IN_PRODUCTION = "in_production", N_("in production")
    AT_CITY = "at_city", N_("received by the city")
    AT_OUTLET = "at_outlet", N_("received by the outlet")
    READY = "ready", N_("ready")
    COLLECTED = "collected", N_("collected")
    PRODUCTION_FAILED = "prod_failed", N_("production failed")
    CANCELLED = "cancelled", N_("cancelled")


#: The request is over: nothing more happens to it.
CLOSED_REQUESTS: frozenset[RequestStatus] = frozenset({RequestStatus.COLLECTED, RequestStatus.CANCELLED})
#: Paid and ordered, its card not arrived and checked yet: a card received (by hand, a manifest or a scan) may
#: be this request's.
AWAITING_CARD: frozenset[RequestStatus] = frozenset(
    {RequestStatus.IN_PRODUCTION, RequestStatus.AT_CITY, RequestStatus.AT_OUTLET})
#: The stages a request goes through in order, when nothing goes wrong (the timeline's order).
STAGE_ORDER: tuple[RequestStatus, ...] = (
    RequestStatus.ENTERED, RequestStatus.PAID, RequestStatus.IN_PRODUCTION, RequestStatus.AT_CITY,
    RequestStatus.AT_OUTLET, RequestStatus.READY, RequestStatus.COLLECTED)


class RequestMoveRefused(DomainError):
    code = "request_move_refused"


_S = RequestStatus
REQUEST_MOVES: Moves[RequestStatus] = Moves(RequestStatus, {
    _S.ENTERED: {_S.PAID, _S.CANCELLED},
    _S.PAID: {_S.IN_PRODUCTION, _S.CANCELLED},
    _S.IN_PRODUCTION: {_S.AT_CITY, _S.AT_OUTLET, _S.READY, _S.PRODUCTION_FAILED, _S.CANCELLED},
    _S.AT_CITY: {_S.AT_OUTLET, _S.READY, _S.PRODUCTION_FAILED, _S.CANCELLED},
    _S.AT_OUTLET: {_S.READY, _S.PRODUCTION_FAILED, _S.CANCELLED},
    _S.READY: {_S.COLLECTED, _S.CANCELLED},
    _S.PRODUCTION_FAILED: {_S.IN_PRODUCTION, _S.CANCELLED},
}, lambda status, to: RequestMoveRefused(
    _("A reissue request that is {status} cannot become {to}.").format(status=status, to=to)))
move_request = REQUEST_MOVES.move


def request_status_label(status: str) -> str:
    """The status in words, in the outlet's language (the code itself when it is new to this version)."""
    return RequestStatus.label_of(status)
