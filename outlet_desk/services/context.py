"""What every service call needs: the settings, the engine, the audit key, the clock, and who acts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from outlet_desk.domain.roles import Role

if TYPE_CHECKING:  # the sign-in screen imports this module before the store and the settings load
    from sqlalchemy.engine import Engine

    from outlet_desk.config import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """The operator on whose behalf a service acts (``None`` actor = the system itself)."""

    operator_id: int
    username: str
    display_name: str
    role: Role

    def is_another_supervisor(self, *operator_ids: int) -> bool:
        """Whether this operator may co-sign a supervisor's act: a supervisor, none of ``operator_ids``."""
        return self.role is Role.SUPERVISOR and self.operator_id not in operator_ids


@dataclass
class Desk:
    """The service context: one per process (or per test)."""

    settings: Settings
    engine: Engine
    audit_key: bytes
    clock: Callable[[], datetime] = field(default=utc_now)
    report_engine: Engine | None = None
    """The hot standby the city and province reports read from (``[database] report_url``), if one is set."""

    @property
    def outlet_code(self) -> str:
        return self.settings.outlet.code

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.outlet.timezone)

    def now(self) -> datetime:
        return self.clock()

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.tz)
