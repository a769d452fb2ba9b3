"""Words for the codes services return that have no enum of their own yet (loss kinds, channels, genders);
request and approval statuses, approval kinds and audit actions carry their words (``domain/request_status.py``,
``domain/approvals.py``, ``domain/audit_actions.py``)."""

from __future__ import annotations

from outlet_desk.i18n import N_, _

LOSS_KINDS: dict[str, str] = {"temporary": N_("temporary"), "formal": N_("formal")}
CHANNELS: dict[str, str] = {"hotline": N_("hotline"), "counter": N_("counter")}
GENDERS: dict[str, str] = {"male": N_("male"), "female": N_("female")}


def word(table: dict[str, str], code: str) -> str:
    """The translated word for ``code``, or the code itself when it is new to this version."""
    return _(table[code]) if code in table else code


