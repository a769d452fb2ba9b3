"""A ready card sent to another outlet of the same database, because the citizen asked to collect it there.

A transfer is *sent* when the card leaves the outlet that holds it, and *received* when the other outlet scans
it in by its chip; the card is then held there, and collected there. While it is on its way no outlet hands it
over. Which outlet may send or receive it is :mod:`~outlet_desk.domain.outlet_rules`'.
"""

from __future__ import annotations

from outlet_desk.domain.card_lifecycle import CardStatus, status_label
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class TransferStatus(Worded):
    SENT = "sent", N_("sent, on its way")
    RECEIVED = "received", N_("received by the other outlet")


class TransferRefused(DomainError):
    code = "transfer_refused"


def check_send(card_status: CardStatus, request_ready: bool, here: str, to_outlet: str, on_its_way: bool) -> None:
    """Refuse sending a card unless it is ready for collection (its request too), not already on its way, and
    going to another outlet."""
    if card_status is not CardStatus.READY or not request_ready:
        raise TransferRefused(_("The card is {status}, not ready for collection: only a ready card is sent to "
                                "another outlet.").format(status=status_label(card_status)))
    if on_its_way:
        raise TransferRefused(_("The card is already on its way to another outlet."))
    if to_outlet == here:
        raise TransferRefused(_("The card is already held at outlet {outlet}.").format(outlet=here))
