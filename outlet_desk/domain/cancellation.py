"""Cancelling a person's cards: why (death, emigration, a duplicate card), who may ask, what proves it, and
which cards go. Pure rules; the use case is ``services/cancellation.py``."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from outlet_desk.domain.card_lifecycle import CardStatus, is_terminal
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import AUTHORISATION_REF_MAX, clean_text
from outlet_desk.domain.visit import Presenter
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class CancelReason(Worded):
    DEATH = "death", N_("the holder died")
    EMIGRATION = "emigration", N_("the holder emigrated")
    DUPLICATE = "duplicate", N_("a duplicate card")


class CancellationRefused(DomainError):
    code = "cancellation_refused"


def checked_document(reason: CancelReason, presenter: str, document_ref: str) -> str:
    """The reference of what proves the cancellation, as kept: a death is reported by a relative (a proxy at the
    identity check) with the death certificate's reference; an emigration with the reference of its document
    (the holder or a proxy). A duplicate needs none (the cards themselves show it)."""
    ref = clean_text(document_ref, _("The document reference"), AUTHORISATION_REF_MAX).strip()
    if reason is CancelReason.DEATH and presenter != Presenter.PROXY:
        raise CancellationRefused(
            _("A death is reported by a relative: check the relative's identity as a proxy of the holder."))
    if reason is CancelReason.DEATH and not ref:
        raise CancellationRefused(_("Enter the reference of the death certificate."))
    if reason is CancelReason.EMIGRATION and not ref:
        raise CancellationRefused(_("Enter the reference of the document that shows the emigration."))
    return ref


def cards_to_cancel(reason: CancelReason, cards: Mapping[int, CardStatus], keep: int | None,
                    exchanged_for_keep: Collection[int] = ()) -> list[int]:
    """The cards (ids) the cancellation ends, from the person's ``cards``: for a death or an emigration every
    card not yet over; for a duplicate every card not yet over but ``keep``, the one the clerk chose to stay
    (and the new card already on its way for it, ``exchanged_for_keep``). Refused when nothing would go."""
    live = sorted(card for card, status in cards.items() if not is_terminal(status))
    if reason is not CancelReason.DUPLICATE:
        if not live:
            raise CancellationRefused(_("This person holds no card that can still be cancelled."))
        return live
    if keep is None or keep not in live:
        raise CancellationRefused(_("Choose the card that stays: one of the person's cards still in use."))
    going = [card for card in live if card != keep and card not in exchanged_for_keep]
    if not going:
        raise CancellationRefused(_("This person holds no other card: there is no duplicate to cancel."))
    return going
