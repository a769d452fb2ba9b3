"""The refusal of a task that is another outlet's (``domain/outlet_rules.py`` says which outlet's)."""

from __future__ import annotations

from outlet_desk.domain.outlet_rules import OutletBound, only_at
from outlet_desk.services.errors import ServiceError


class OtherOutlet(ServiceError):
    """The task is another outlet's: its message names that outlet."""

    code = "other_outlet"


def refuse_elsewhere(task: OutletBound, here: str, owner: str) -> None:
    """Raise :class:`OtherOutlet` when only ``owner`` may do ``task`` and this is ``here``."""
    why = only_at(task, here, owner)
    if why:
        raise OtherOutlet(why)
