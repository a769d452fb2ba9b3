"""The card's life cycle: one state machine, the only place a card's status changes.

``ordered -> in_stock -> ready -> active``; ``active -> suspended`` (temporary loss, hotline)
``-> lost`` (formal loss, counter) ``-> replaced`` (when the new card is collected);
``suspended|lost -> active`` (loss withdrawn: card found); ``suspended -> active`` (temporary loss
lapsed); ``active -> damaged -> replaced``; ``ready -> returned`` (uncollected); ``in_stock -> spoiled``
(witnessed); any card not yet over ``-> cancelled`` (the holder died or emigrated, or a duplicate card:
``domain/cancellation.py``). Every other change is refused with a message that names the card's current status.

Two transitions go beyond design.md's list, and both are needed:

- ``active -> lost``: a citizen who walks into the outlet to report the loss has not called the
  hotline first, so there is no ``suspended`` step; the formal loss at the counter stops the card at
  once (design.md's path through ``suspended`` is the hotline's, not the only one).
- ``active -> replaced``: a reissue for an expired card (``expired``) or for changed personal data
  (``info_change``) replaces a card that is still in use, neither lost nor damaged; the old card stays
  ``active`` until the holder collects the new one (never two usable cards, never none in between).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class CardStatus(Worded):
    ORDERED = "ordered", N_("ordered")
    IN_STOCK = "in_stock", N_("in stock")
    READY = "ready", N_("ready for collection")
    ACTIVE = "active", N_("active")
    SUSPENDED = "suspended", N_("temporarily reported lost")
    LOST = "lost", N_("reported lost")
    DAMAGED = "damaged", N_("damaged")
    REPLACED = "replaced", N_("replaced")
    RETURNED = "returned", N_("returned uncollected")
    SPOILED = "spoiled", N_("spoiled")
    CANCELLED = "cancelled", N_("cancelled")


class CardEvent(Worded):
    """What can happen to a card.

    ``activate`` may only be fired by a collection whose chip check passed (card number,
    identification code, citizen number and name read from the chip all match the record); the
    services layer enforces that, this table only says a card must be ``ready`` to be activated.
    """

    RECEIVE = "receive", N_("receive the card into stock")
    MAKE_READY = "make_ready", N_("make the card ready for collection")
    ACTIVATE = "activate", N_("activate the card")
    SUSPEND = "suspend", N_("report the card lost by the hotline")
    REPORT_LOST = "report_lost", N_("report the card lost at the counter")
    WITHDRAW_LOSS = "withdraw_loss", N_("withdraw the loss report")
    LAPSE = "lapse", N_("let the temporary loss report lapse")
    REPORT_DAMAGED = "report_damaged", N_("report the card damaged")
    REPLACE = "replace", N_("replace the card")
    RETURN_UNCOLLECTED = "return_uncollected", N_("return the uncollected card")
    SPOIL = "spoil", N_("spoil the card")
    CANCEL = "cancel", N_("cancel the card")


_S = CardStatus
_E = CardEvent

#: (current status, event) -> new status. A pair that is not here is refused.
TRANSITIONS: Mapping[tuple[CardStatus, CardEvent], CardStatus] = MappingProxyType(
    {
        (_S.ORDERED, _E.RECEIVE): _S.IN_STOCK,
        (_S.IN_STOCK, _E.MAKE_READY): _S.READY,
        (_S.IN_STOCK, _E.SPOIL): _S.SPOILED,
        (_S.READY, _E.ACTIVATE): _S.ACTIVE,
        (_S.READY, _E.RETURN_UNCOLLECTED): _S.RETURNED,
        (_S.ACTIVE, _E.SUSPEND): _S.SUSPENDED,
        (_S.ACTIVE, _E.REPORT_LOST): _S.LOST,
        (_S.ACTIVE, _E.REPORT_DAMAGED): _S.DAMAGED,
        (_S.ACTIVE, _E.REPLACE): _S.REPLACED,
        (_S.SUSPENDED, _E.REPORT_LOST): _S.LOST,
        (_S.SUSPENDED, _E.WITHDRAW_LOSS): _S.ACTIVE,
        (_S.SUSPENDED, _E.LAPSE): _S.ACTIVE,
        (_S.LOST, _E.WITHDRAW_LOSS): _S.ACTIVE,
        (_S.LOST, _E.REPLACE): _S.REPLACED,
        (_S.DAMAGED, _E.REPLACE): _S.REPLACED,
        # Cancellation (death, emigration, a duplicate): every card of the person not yet over.
        (_S.ORDERED, _E.CANCEL): _S.CANCELLED,
        (_S.IN_STOCK, _E.CANCEL): _S.CANCELLED,
        (_S.READY, _E.CANCEL): _S.CANCELLED,
        (_S.ACTIVE, _E.CANCEL): _S.CANCELLED,
        (_S.SUSPENDED, _E.CANCEL): _S.CANCELLED,
        (_S.LOST, _E.CANCEL): _S.CANCELLED,
        (_S.DAMAGED, _E.CANCEL): _S.CANCELLED,
    }
)

#: A card in one of these states must not be accepted when a citizen presents it.
BLOCKED_WHEN_PRESENTED: frozenset[CardStatus] = frozenset(
    {_S.SUSPENDED, _S.LOST, _S.REPLACED, _S.RETURNED, _S.SPOILED, _S.CANCELLED}
)

#: A person holds at most one card in these states (the store enforces it: migration 0017's partial unique
#: index ``ux_card_usable_per_person``): an active card, and a temporarily lost one, which lapses back to
#: active by itself. A new card becomes active in the same transaction that replaces the old one.
USABLE: frozenset[CardStatus] = frozenset({_S.ACTIVE, _S.SUSPENDED})


class TransitionRefused(DomainError):
    """The card's status does not allow the action; the message names both."""

    code = "transition_refused"

    def __init__(self, status: CardStatus, event: CardEvent) -> None:
        super().__init__(
            _("Cannot {action}: the card is {status}.").format(
                action=event_label(event), status=status_label(status)
            )
        )
        self.status = status
        self.event = event


def transition(status: CardStatus, event: CardEvent) -> CardStatus:
    """The status after ``event``, or :class:`TransitionRefused` if ``status`` does not allow it."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise TransitionRefused(status, event) from None


def allowed_events(status: CardStatus) -> frozenset[CardEvent]:
    return frozenset(event for (source, event) in TRANSITIONS if source == status)


def is_terminal(status: CardStatus) -> bool:
    """No event leaves this status (replaced, returned, spoiled)."""
    return not allowed_events(status)


def status_label(status: CardStatus) -> str:
    """The status in words, in the outlet's language."""
    return CardStatus.label_of(status)


def event_label(event: CardEvent) -> str:
    """The action in words (``withdraw the loss report``), in the outlet's language."""
    return event.label


def functions_suspended(status: CardStatus) -> bool:
    """While a card is reported lost (temporarily or formally) all its functions are suspended."""
    return status in (_S.SUSPENDED, _S.LOST)


def is_expired(expiry_date: date, today: date) -> bool:
    """A card is valid through its expiry date and expired from the day after."""
    return today > expiry_date
