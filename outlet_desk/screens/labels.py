"""Words for the codes services return that have no enum of their own yet (audit actions, loss kinds, genders);
request and approval statuses and approval kinds carry their words (``domain/request_status.py``,
``domain/approvals.py``)."""

from __future__ import annotations

from outlet_desk.i18n import N_, _

AUDIT_ACTIONS: dict[str, str] = {
    "person_opened": N_("records opened"),
    "identity_checked": N_("identity checks passed"),
    "identity_check_refused": N_("identity checks refused"),
    "session_locked": N_("screen locks"),
    "logout": N_("log-outs"),
    "session_forced_logout": N_("operators logged out"),
    "card_suspended": N_("cards suspended"),
    "operator_added": N_("operators added"),
    "operator_unlocked": N_("operators unlocked"),
    "password_changed": N_("passwords changed"),
    "login": N_("sign-ins"),
    "login_failed": N_("failed sign-ins"),
    "demo_seeded": N_("training data loaded"),
    "personal_data_read": N_("personal data reads (command line)"),
    "citizen_number_shown": N_("full citizen numbers shown"),
    "login_refused_outlet": N_("sign-ins refused: another outlet's operator"),
}

TRAIL_ACTIONS: dict[str, str] = {
    "person_opened": N_("record opened"),
    "identity_checked": N_("identity check passed"),
    "identity_check_refused": N_("identity check refused"),
    "card_suspended": N_("card suspended"),
    "citizen_number_shown": N_("full citizen number shown"),
}

LOSS_KINDS: dict[str, str] = {"temporary": N_("temporary"), "formal": N_("formal")}
CHANNELS: dict[str, str] = {"hotline": N_("hotline"), "counter": N_("counter")}
GENDERS: dict[str, str] = {"male": N_("male"), "female": N_("female")}


def word(table: dict[str, str], code: str) -> str:
    """The translated word for ``code``, or the code itself when it is new to this version."""
    return _(table[code]) if code in table else code


