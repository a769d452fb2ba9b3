"""A moment as the outlet reads it: its own time zone, to the minute, wherever the moment was recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from outlet_desk.domain.times import local_time


def test_a_moment_reads_in_the_outlets_time_zone_to_the_minute() -> None:
    at = datetime(2026, 11, 25, 2, 0, 59, tzinfo=UTC)
    assert local_time(at, ZoneInfo("Asia/Shanghai")) == "2026-11-25 10:00"
    assert local_time(at.astimezone(timezone(timedelta(hours=-5))), ZoneInfo("Asia/Shanghai")) == "2026-11-25 10:00"
    assert local_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), ZoneInfo("Asia/Urumqi")) == "2026-12-31 22:30"
