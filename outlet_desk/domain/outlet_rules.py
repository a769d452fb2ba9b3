"""Serving a citizen across the outlets of one database: what any outlet may do, and what only one outlet may.

A person, their cards, their loss reports and their reissue requests are the city's: any outlet of the
database finds the person, takes a loss report or makes a hotline report formal, and takes a reissue
application, whichever outlet saw the citizen first. What stays with one outlet is what it holds in its
hands or its drawer: its cash, its card stock, its day (cash-up, day close) and its audit chain. The rules
below name each task only one outlet may do and which outlet that is; every service asks
:func:`only_at` and refuses with its words, so the rule lives here alone.
"""

from __future__ import annotations

from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class OutletBound(Worded):
    """A task only one outlet may do, with the outlet that may."""

    WITHDRAW_LOSS = "loss_withdrawal", N_("only the outlet that took a loss report withdraws it (where the region "
                                          "says so: [loss] withdraw_same_outlet_only)")
    COLLECT_CARD = "collection", N_("a new card is handed over only at the outlet that holds it")
    RETURN_CARD = "uncollected_return", N_("an uncollected card is returned by the outlet that holds it")
    SEND_CARD = "transfer_out", N_("only the outlet that holds a ready card sends it to another outlet")
    RECEIVE_CARD = "transfer_in", N_("only the outlet a card was sent to scans it in")
    WRITE_INSTANT_CARD = "instant_write", N_("an instant card is written at the outlet that took the "
                                                  "application, from its own blank cards")


def _refusal(task: OutletBound, owner: str) -> str:
    if task is OutletBound.WITHDRAW_LOSS:
        return _("The loss report cannot be withdrawn here: it can only be withdrawn at outlet {outlet}, "
                 "which took the report.").format(outlet=owner)
    if task is OutletBound.COLLECT_CARD:
        return _("The new card is held at outlet {outlet}, not here: it is collected there, or that outlet sends "
                 "it here first.").format(outlet=owner)
    if task is OutletBound.RETURN_CARD:
        return _("The card is held at outlet {outlet}, not here: that outlet returns it.").format(outlet=owner)
    if task is OutletBound.SEND_CARD:
        return _("The card is held at outlet {outlet}, not here: only that outlet can send it.").format(outlet=owner)
    if task is OutletBound.RECEIVE_CARD:
        return _("The card was sent to outlet {outlet}, not here: it is scanned in there.").format(outlet=owner)
    return _("This instant card is written at outlet {outlet}, which took the application.").format(outlet=owner)


def only_at(task: OutletBound, here: str, owner: str) -> str | None:
    """Why ``here`` may not do ``task``, which only outlet ``owner`` may do (None: ``here`` is ``owner``)."""
    return None if here == owner else _refusal(task, owner)
