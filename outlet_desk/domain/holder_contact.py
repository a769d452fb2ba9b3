"""Telling a holder that their card is ready: how the outlet tried (text message, phone, letter), what came of
it (informed, not reached, the day they said they will come), and the one rule for that day."""

from __future__ import annotations

from datetime import date, timedelta

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class ContactMethod(Worded):
    SMS = "sms", N_("text message")
    PHONE = "phone", N_("phone call")
    LETTER = "letter", N_("letter")


class ContactOutcome(Worded):
    INFORMED = "informed", N_("holder informed")
    NOT_REACHED = "not_reached", N_("holder not reached")
    WILL_COME = "will_come", N_("holder said when they will come")


class ContactRefused(DomainError):
    code = "contact_refused"


def check_coming_on(outcome: ContactOutcome, coming_on: date | None, today: date, return_from: date) -> date | None:
    """The day the holder said they will come: required with :attr:`ContactOutcome.WILL_COME` (today or later,
    and while the card is still kept for them), given with no other outcome."""
    if outcome is not ContactOutcome.WILL_COME:
        if coming_on is not None:
            raise ContactRefused(_("A day the holder will come goes only with the outcome \u201c{outcome}\u201d.")
                                 .format(outcome=ContactOutcome.WILL_COME.label))
        return None
    if coming_on is None:
        raise ContactRefused(_("Give the day the holder said they will come."))
    if coming_on < today:
        raise ContactRefused(_("{day} has passed: give the day the holder said they will come, today or later.")
                             .format(day=coming_on.isoformat()))
    last = return_from - timedelta(days=1)
    if coming_on > last:
        raise ContactRefused(_("The card is kept for its holder until {last}; {day} is later: ask the holder to "
                               "come by then.").format(last=last.isoformat(), day=coming_on.isoformat()))
    return coming_on


def parse_coming_on(text: str) -> date | None:
    """The day typed at the counter (``YYYY-MM-DD``), or None when the field is left empty."""
    text = text.strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ContactRefused(_("\u201c{text}\u201d is not a day: write it as YYYY-MM-DD.").format(
            text=text[:40])) from None
