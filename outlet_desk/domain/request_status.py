"""A reissue request's status and the moves between them: ``in_production -> ready -> collected``, or
``cancelled`` from any status before ``collected`` (a request is made in production: paid and ordered)."""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Moves, Worded
from outlet_desk.i18n import N_, _


class RequestStatus(Worded):
    IN_PRODUCTION = "in_production", N_("in production")
    READY = "ready", N_("ready")
    COLLECTED = "collected", N_("collected")
    CANCELLED = "cancelled", N_("cancelled")


#: The request is over: nothing more happens to it.
CLOSED_REQUESTS: frozenset[RequestStatus] = frozenset({RequestStatus.COLLECTED, RequestStatus.CANCELLED})


class RequestMoveRefused(DomainError):
    code = "request_move_refused"


_S = RequestStatus
REQUEST_MOVES: Moves[RequestStatus] = Moves(RequestStatus, {
    _S.IN_PRODUCTION: {_S.READY, _S.CANCELLED},
    _S.READY: {_S.COLLECTED, _S.CANCELLED},
}, lambda status, to: RequestMoveRefused(
    _("A reissue request that is {status} cannot become {to}.").format(status=status, to=to)))
move_request = REQUEST_MOVES.move


def request_status_label(status: str) -> str:
    """The status in words, in the outlet's language (the code itself when it is new to this version)."""
    return RequestStatus.label_of(status)
