"""How a moment reads to the people at the outlet: in the outlet's time zone, to the minute."""

from __future__ import annotations

from datetime import datetime, tzinfo


def local_time(at: datetime, tz: tzinfo) -> str:
    """``2026-11-25 10:00``: ``at`` (timezone-aware) in ``tz``, to the minute."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
