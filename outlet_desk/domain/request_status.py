"""A reissue request's status (``open -> in_production -> ready -> collected``, or ``cancelled``) in words:
the one table the screens and the services' messages share."""

from __future__ import annotations

from outlet_desk.i18n import N_, _

REQUEST_STATUS: dict[str, str] = {
    "open": N_("open"),
    "in_production": N_("in production"),
    "ready": N_("ready"),
    "collected": N_("collected"),
    "cancelled": N_("cancelled"),
}


def request_status_label(status: str) -> str:
    """The status in words, in the outlet's language (the code itself when it is new to this version)."""
    return _(REQUEST_STATUS[status]) if status in REQUEST_STATUS else status
