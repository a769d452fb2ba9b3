"""The sections of ``outlet.toml`` about what a card does at the counter beyond its life cycle: how often its PIN
may be reset (``[pin_reset]``)."""

from __future__ import annotations

from pydantic import Field

from outlet_desk.config.schema import Section


class PinResetSettings(Section):
    """``[pin_reset]``: resetting or unblocking a card's PIN at the counter (free, in person only)."""

    limit: int = Field(3, ge=1, le=20)
    """PIN resets (or unblocks) allowed per card in one period."""

    period_days: int = Field(30, ge=1, le=365)
    """The period the limit counts over: the last this many days."""
