"""What an audit event records: one :class:`AuditAction` per kind of event, with its words.

The code is sealed into every event of the audit chain, so a member's value is the text it has always been
(a chain written by an older desk verifies the same); the words are what a clerk reads on the home's "today"
line and in a record's history. A code this version does not know reads as itself (:meth:`Worded.label_of`).
"""

from __future__ import annotations

from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_


class AuditAction(Worded):
    # The counter's work for citizens
    PERSON_OPENED = "person_opened", N_("record opened")
    PERSONAL_DATA_READ = "personal_data_read", N_("personal data read (command line)")
    CITIZEN_NUMBER_SHOWN = "citizen_number_shown", N_("full citizen number and phone shown")
    IDENTITY_CHECKED = "identity_checked", N_("identity check passed")
    IDENTITY_CHECK_REFUSED = "identity_check_refused", N_("identity check refused")
    LOSS_REPORTED_HOTLINE = "loss_reported_hotline", N_("loss reported by the hotline")
    LOSS_REPORTED_COUNTER = "loss_reported_counter", N_("loss reported at the counter")
    LOSS_MADE_FORMAL = "loss_made_formal", N_("loss report made formal")
    LOSS_WITHDRAWN = "loss_withdrawn", N_("loss report withdrawn")
    LOSS_LAPSED = "loss_lapsed", N_("temporary loss report lapsed")
    LOSS_LAPSE_ESCALATED = "loss_lapse_escalated", N_("temporary loss report lapsed, escalated")
    REISSUE_APPLIED = "reissue_applied", N_("reissue applied for")
    CARD_RECEIVED = "card_received", N_("new card received")
    CARD_PERSONALISED = "card_personalised", N_("instant card written")
    PRODUCTION_FAILED = "production_failed", N_("card centre could not make the card")
    CARD_REORDERED = "card_reordered", N_("card ordered again, no second fee")
    CHIP_CHECK_FAILED = "chip_check_failed", N_("chip check failed")
    CARD_COLLECTED = "card_collected", N_("card collected")
    PIN_RESET = "pin_reset", N_("PIN reset at the counter")
    PIN_UNBLOCKED = "pin_unblocked", N_("blocked PIN unblocked at the counter")
    BLOCKED_CARD_PRESENTED = "blocked_card_presented", N_("blocked card presented")
    CARD_RETAINED = "card_retained", N_("blocked card retained, voucher issued")
    CARD_RETURNED_UNCOLLECTED = "card_returned_uncollected", N_("uncollected card returned")
    HOLDER_CONTACTED = "holder_contacted", N_("holder contacted about a card ready for collection")
    CARD_CANCELLED_DEATH = "card_cancelled_death", N_("cards cancelled: the holder died")
    CARD_CANCELLED_EMIGRATION = "card_cancelled_emigration", N_("cards cancelled: the holder emigrated")
    CARD_CANCELLED_DUPLICATE = "card_cancelled_duplicate", N_("duplicate card cancelled")
    # The card stock
    STOCK_BATCH_ANNOUNCED = "stock_batch_announced", N_("batch of cards announced by a manifest")
    STOCK_CARD_SCANNED = "stock_card_scanned", N_("card scanned in from a batch")
    STOCK_DISCREPANCY_RESOLVED = "stock_discrepancy_resolved", N_("batch discrepancy resolved")
    STOCK_BATCH_CLOSED = "stock_batch_closed", N_("batch of cards closed")
    BLANKS_RECEIVED = "blanks_received", N_("blank cards received")
    CARD_SPOILED = "card_spoiled", N_("card spoiled, with a witness")
    CARD_TRANSFER_SENT = "card_transfer_sent", N_("ready card sent to another outlet")
    CARD_TRANSFER_RECEIVED = "card_transfer_received", N_("card from another outlet scanned in")
    # Dual control
    APPROVAL_REQUESTED = "approval_requested", N_("approval requested")
    APPROVAL_WITHDRAWN = "approval_withdrawn", N_("approval request withdrawn")
    APPROVAL_APPROVED = "approval_approved", N_("approval granted")
    APPROVAL_REJECTED = "approval_rejected", N_("approval refused")
    # The outlet's day
    CASH_UP = "cash_up", N_("cash-up recorded")
    DAY_CLOSED = "day_closed", N_("day closed")
    OUTLET_REGISTERED = "outlet_registered", N_("outlet registered")
    OUTLET_UPDATED = "outlet_updated", N_("outlet details changed")
    DEMO_SEEDED = "demo_seeded", N_("training data loaded")
    STORE_BACKED_UP = "store_backed_up", N_("database backed up")
    STORE_RESTORED = "store_restored", N_("database restored from a backup")
    DATA_KEY_ROTATED = "data_key_rotated", N_("data key rotated")
    # Operators and their sessions
    LOGIN = "login", N_("signed in")
    LOGIN_FAILED = "login_failed", N_("sign-in failed")
    LOGIN_REFUSED_LOCKED = "login_refused_locked", N_("sign-in refused: operator locked")
    LOGIN_REFUSED_OUTLET = "login_refused_outlet", N_("sign-in refused: another outlet's operator")
    OPERATOR_LOCKED = "operator_locked", N_("operator locked after failed sign-ins")
    OPERATOR_UNLOCKED = "operator_unlocked", N_("operator unlocked")
    OPERATOR_ADDED = "operator_added", N_("operator added")
    OPERATOR_ACTIVATED = "operator_activated", N_("operator activated")
    OPERATOR_DEACTIVATED = "operator_deactivated", N_("operator deactivated")
    PASSWORD_CHANGED = "password_changed", N_("password changed")
    SESSION_LOCKED = "session_locked", N_("screen locked")
    LOGOUT = "logout", N_("signed out")
    SESSION_FORCED_LOGOUT = "session_forced_logout", N_("operator signed out by another")


#: Signing in and out and locking: the operator's own events, not work done for citizens.
SESSION_ACTIONS: tuple[AuditAction, ...] = (
    AuditAction.LOGIN, AuditAction.SESSION_LOCKED, AuditAction.LOGOUT, AuditAction.SESSION_FORCED_LOGOUT,
)


class SealStatus(Worded):
    """What the audit viewer says of an event's seal: its MAC matches its content and it sits in the chain
    (the event before it is the one it points at, the event after it points at it)."""

    INTACT = "intact", N_("sealed, chain intact")
    BROKEN = "broken", N_("BROKEN")
