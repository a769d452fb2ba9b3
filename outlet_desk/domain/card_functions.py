"""What a card is for: the seven functions of the social security card, which of them a card carries (its
generation, and what the region opened on cards of that generation: ``[functions]``), and whether each is usable
now or suspended, and why, for a card in any status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from outlet_desk.domain.card_lifecycle import CardStatus, is_expired
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class CardFunction(Worded):
    MEDICAL_SETTLEMENT = "medical_settlement", N_("medical insurance settlement")
    PENSION = "pension", N_("pension affairs")
    EMPLOYMENT_REGISTRATION = "employment_registration", N_("job and unemployment registration")
    UNEMPLOYMENT_BENEFITS = "unemployment_benefits", N_("unemployment benefits")
    TRAINING = "training", N_("employment training")
    LABOUR_ABILITY_APPRAISAL = "labour_ability_appraisal", N_("labour ability appraisal")
    WORK_INJURY = "work_injury", N_("work injury insurance")


GENERATIONS: tuple[int, ...] = (1, 2, 3)
"""Card generations, by the chip's specification version (``1.00``, ``2.00``, ``3.00``)."""

_S = CardStatus

#: Why a card in this status cannot be used for any function (a status not here: the card is in use).
SUSPENDED_BECAUSE: Mapping[CardStatus, str] = MappingProxyType({
    _S.ORDERED: N_("not handed over to the holder yet"),
    _S.IN_STOCK: N_("not handed over to the holder yet"),
    _S.READY: N_("not handed over to the holder yet"),
    _S.SUSPENDED: N_("temporarily reported lost"),
    _S.LOST: N_("reported lost"),
    _S.DAMAGED: N_("reported damaged"),
    _S.REPLACED: N_("replaced by a new card"),
    _S.RETURNED: N_("never collected, returned"),
    _S.SPOILED: N_("spoiled before issue"),
    _S.CANCELLED: N_("cancelled (death, emigration or a duplicate card)"),
})


def generation_of(issue_date: date | None, generation_from: Mapping[int, date], today: date) -> int:
    """The generation of a card issued on ``issue_date`` (unknown: today) in a region that began issuing each
    later generation on the date ``generation_from`` gives it; the first generation before all of them."""
    day = issue_date or today
    return max((g for g, start in generation_from.items() if start <= day), default=GENERATIONS[0])


def spec_version(issue_date: date, generation_from: Mapping[int, date]) -> str:
    """The chip's specification version of a card issued on ``issue_date`` (a third-generation card: ``3.00``)."""
    return f"{generation_of(issue_date, generation_from, issue_date)}.00"


def suspension_reason(status: CardStatus, expiry_date: date | None, today: date) -> str | None:
    """Why the card's functions are suspended now (in the outlet's language), or None when it is usable."""
    if status in SUSPENDED_BECAUSE:
        return _(SUSPENDED_BECAUSE[status])
    if expiry_date is not None and is_expired(expiry_date, today):
        return _("expired on {date}").format(date=expiry_date.isoformat())
    return None


@dataclass(frozen=True)
class FunctionUse:
    """One function of one card: carried by the card or not, usable now or suspended (``why``)."""

    function: CardFunction
    carried: bool
    why: str | None
    """Why it is suspended; None when it is usable (or not carried)."""

    @property
    def usable(self) -> bool:
        return self.carried and self.why is None


def functions_of(carried: Iterable[CardFunction], status: CardStatus, expiry_date: date | None,
                 today: date) -> tuple[FunctionUse, ...]:
    """Each of the seven functions for a card carrying ``carried``, in status ``status`` on ``today``."""
    on_card = frozenset(carried)
    why = suspension_reason(status, expiry_date, today)
    return tuple(FunctionUse(f, f in on_card, why if f in on_card else None) for f in CardFunction)
