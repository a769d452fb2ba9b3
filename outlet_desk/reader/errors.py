"""Typed errors of the card reader layer.

Every error carries a ``.message`` a counter clerk can act on (translated with ``_`` when the error is
raised, never at import time) and an optional untranslated ``.detail`` for logs (a PC/SC code, a status
word). Screens show ``message``; nothing here is ever shown as a traceback.

Hierarchy::

    ReaderError
      ServiceGone            the PC/SC service (pcscd) is not running or went away
      NoReader               no reader connected, or the chosen reader went away
      CardGone               no card in the reader, or it was pulled out during the operation
      CardNotResponding      the card does not answer (timeout) or answers nonsense
        UnexpectedStatus       a status word this profile does not know
      NotSocialSecurityCard  the card has no social security application
      CardDataError          the chip's data are malformed (lengths, tags, BCD, text)
        BlankCard              the card has not been personalised yet
      WrongPin               the PIN was wrong; ``tries_left`` says how many tries remain
      PinBlocked             the PIN is blocked (too many wrong tries)
      NotAuthorised          the card refused a write: the issuer key is wrong or was not presented
      IssuerKeyError         the issuer key file is missing or malformed
      ReaderBusy             another program holds the card exclusively
      EmulatorNotInserted    ``card emulate``: vpcd did not take the virtual card into its reader
"""

from __future__ import annotations

from typing import ClassVar

from outlet_desk.i18n import N_, _, ngettext


class ReaderError(Exception):
    """Base of all reader errors; ``message`` is for the clerk, ``detail`` for the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message if not self.detail else f"{self.message} [{self.detail}]"


class ClerkMessageError(ReaderError):
    """An error whose message for the clerk is its class's ``MESSAGE`` (a message id, translated when the error
    is raised) unless the raiser gives a more precise one; the first argument is the ``detail`` for the log."""

    MESSAGE: ClassVar[str]

    def __init__(self, detail: str = "", message: str | None = None) -> None:
        super().__init__(message or _(self.MESSAGE), detail)


class ServiceGone(ClerkMessageError):
    MESSAGE = N_("The card reader service is not running. Ask your administrator to start it.")


class NoReader(ClerkMessageError):
    MESSAGE = N_("No card reader is connected. Check the reader's cable.")


class CardGone(ClerkMessageError):
    MESSAGE = N_("The card was taken out of the reader. Put it back in and try again.")


class CardNotResponding(ClerkMessageError):
    MESSAGE = N_("The card is not responding. Take it out, put it back in and try again; "
                 "if this happens again, the card may be faulty.")


class UnexpectedStatus(CardNotResponding):
    """The card answered with a status word this profile does not expect."""

    def __init__(self, sw: int, detail: str = "") -> None:
        self.sw = sw
        super().__init__(
            detail or f"SW {sw:04X}",
            _("The card gave an unexpected answer (code {code}). Try again; if this happens again, "
              "the card may be faulty.").format(code=f"{sw:04X}"),
        )


class NotSocialSecurityCard(ClerkMessageError):
    MESSAGE = N_("This is not a social security card. Check the card and put the right one in.")


class CardDataError(ClerkMessageError):
    MESSAGE = N_("The data on this card's chip are damaged or unreadable. The card may need replacing.")


class BlankCard(CardDataError):
    MESSAGE = N_("This card is blank: its chip has not been personalised yet.")


class WrongPin(ReaderError):
    def __init__(self, tries_left: int, detail: str = "") -> None:
        self.tries_left = tries_left
        super().__init__(
            ngettext(
                "Wrong PIN. {n} try left before the card is blocked.",
                "Wrong PIN. {n} tries left before the card is blocked.",
                tries_left,
            ).format(n=tries_left),
            detail,
        )


class PinBlocked(ClerkMessageError):
    MESSAGE = N_("The card's PIN is blocked. The holder must unblock it in person at the counter.")


class NotAuthorised(ClerkMessageError):
    MESSAGE = N_("The card refused to be written: the issuer key was not accepted.")


class IssuerKeyError(ClerkMessageError):
    MESSAGE = N_("The issuer key file is missing or unreadable. Ask your administrator.")


class ReaderBusy(ClerkMessageError):
    MESSAGE = N_("The card reader is in use by another program. Close it and try again.")


class EmulatorNotInserted(ReaderError):
    """``card emulate``: the virtual card is not in pcscd's reader; ``message`` says why."""
