"""The sections of ``outlet.toml`` about what a card does beyond its life cycle: how often its PIN may be reset
(``[pin_reset]``), and which functions each card generation carries (``[functions]``)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from outlet_desk.config.schema import Section, _Code, _Words
from outlet_desk.domain.card_functions import CardFunction
from outlet_desk.i18n import _


class PinResetSettings(Section):
    """``[pin_reset]``: resetting or unblocking a card's PIN at the counter (free, in person only)."""

    limit: int = Field(3, ge=1, le=20)
    """PIN resets (or unblocks) allowed per card in one period."""

    period_days: int = Field(30, ge=1, le=365)
    """The period the limit counts over: the last this many days."""


_ALL = tuple(CardFunction)


class FunctionSettings(Section):
    """``[functions]``: which of the card's functions the region opened on each card generation, and when it
    began issuing each generation (a card's generation follows from its issue date)."""

    second_generation_from: date = date(2011, 1, 1)
    """The day the region began issuing second-generation cards (chip version 2.00)."""

    third_generation_from: date = date(2018, 1, 1)
    """The day the region began issuing third-generation cards (chip version 3.00)."""

    generation_1: _Words[_Code[CardFunction]] = (
        CardFunction.MEDICAL_SETTLEMENT, CardFunction.PENSION, CardFunction.EMPLOYMENT_REGISTRATION,
        CardFunction.UNEMPLOYMENT_BENEFITS)
    """Functions a first-generation card carries."""

    generation_2: _Words[_Code[CardFunction]] = _ALL
    """Functions a second-generation card carries."""

    generation_3: _Words[_Code[CardFunction]] = _ALL
    """Functions a third-generation card carries."""

    @model_validator(mode="after")
    def _generations_in_order(self) -> FunctionSettings:
        if self.third_generation_from <= self.second_generation_from:
            raise ValueError(_("{later} must come after {earlier}").format(
                later="third_generation_from", earlier="second_generation_from"))
        return self

    def generation_from(self) -> dict[int, date]:
        """When each later generation began (the first generation before both)."""
        return {2: self.second_generation_from, 3: self.third_generation_from}

    def carried_by(self, generation: int) -> tuple[CardFunction, ...]:
        """The functions a card of ``generation`` carries in this region."""
        return {1: self.generation_1, 2: self.generation_2}.get(generation, self.generation_3)
