"""The kinds of record in the card-status feed (:mod:`outlet_desk.services.feed`)."""

from __future__ import annotations

from enum import StrEnum


class FeedKind(StrEnum):
    CARD_STATUS = "card_status"
    """A card's status changed (or the card was made): ``card_number``, ``status``, ``previous_status``."""
    CHECKPOINT = "checkpoint"
    """An outlet's chain was verified intact in full up to ``audit_seq``, sealed ``fingerprint``."""
