"""A reissue request's status and the moves between them: ``in_production -> ready -> collected``, or
``cancelled`` from any status before ``collected`` (a request is made in production: paid and ordered)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class RequestStatus(Worded):
    IN_PRODUCTION = "in_production", N_("in production")
    READY = "ready", N_("ready")
    COLLECTED = "collected", N_("collected")
    CANCELLED = "cancelled", N_("cancelled")


#: The request is over: nothing more happens to it.
CLOSED_REQUESTS: frozenset[RequestStatus] = frozenset({RequestStatus.COLLECTED, RequestStatus.CANCELLED})

_S = RequestStatus
REQUEST_MOVES: Mapping[RequestStatus, frozenset[RequestStatus]] = MappingProxyType({
    _S.IN_PRODUCTION: frozenset({_S.READY, _S.CANCELLED}),
    _S.READY: frozenset({_S.COLLECTED, _S.CANCELLED}),
    _S.COLLECTED: frozenset(),
    _S.CANCELLED: frozenset(),
})


class RequestMoveRefused(DomainError):
    code = "request_move_refused"


def move_request(status: str, to: RequestStatus) -> RequestStatus:
    """``to``, if a request in ``status`` may move there; else :class:`RequestMoveRefused` naming both."""
    if to not in REQUEST_MOVES.get(RequestStatus(status), frozenset()):
        raise RequestMoveRefused(_("A reissue request that is {status} cannot become {to}.").format(
            status=RequestStatus.label_of(status), to=to.label))
    return to


def request_status_label(status: str) -> str:
    """The status in words, in the outlet's language (the code itself when it is new to this version)."""
    return RequestStatus.label_of(status)
