"""The store's tables (SQLModel). Persistence only: rules live in ``outlet_desk.domain``.

Stance (see README, Architecture): SQLModel classes here are the persistence model. Services load them
inside a unit of work, apply pure domain rules to their plain values (enums are stored as their string
values), and hand screens frozen view objects, never these rows.

Every row that belongs to an outlet carries ``outlet_code``. Cards and reissue requests carry a row
``version`` used by SQLAlchemy's optimistic locking (``version_id_col``): an UPDATE that finds another
version raises ``StaleDataError``, which services turn into "the record changed".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from outlet_desk.db.types import BlindIndex, SealedDate, SealedText, UTCDateTime, indexes
from outlet_desk.domain.approvals import ApprovalStatus
from outlet_desk.domain.fees import PAYMENT_REFERENCE_MAX
from outlet_desk.domain.text import DISPLAY_NAME_MAX, PERSON_NAME_MAX, REASON_MAX


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _sealed(table: str, column: str, default: str | None = None) -> Any:
    """Personal data sealed at rest (``db/sealing.py``): read and written as plain text."""
    return Field(default=default, sa_column=Column(column, SealedText(f"{table}.{column}"), nullable=False))


def _blind_index(table: str, column: str, *, unique: bool = False) -> Any:
    """The blind index of the sealed ``column``: filled from it at INSERT (nothing sets it), looked up by
    comparing it with a plain value."""
    return Field(default=None, sa_column=Column(BlindIndex(f"{table}.{column}"), nullable=False, unique=unique,
                                                index=not unique, default=indexes(column)))


# Row versions for optimistic locking: the same Column object is the field and the mapper's version_id_col.
_CARD_VERSION = Column("version", Integer, nullable=False, default=1)
_REQUEST_VERSION = Column("version", Integer, nullable=False, default=1)


class Outlet(SQLModel, table=True):
    __tablename__ = "outlet"

    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=200)
    division_code: str = Field(max_length=6)


class Operator(SQLModel, table=True):
    __tablename__ = "operator"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=DISPLAY_NAME_MAX)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=255)
    failed_logins: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    active: bool = True
    created_at: datetime = _ts()


class OperatorOutlet(SQLModel, table=True):
    """An operator's binding to an outlet whose desks let them in (``domain.outlet_binding``: one outlet,
    several for an administrator). Rows rather than a column, so that later kinds of binding (a city's
    roles) fit beside them."""

    __tablename__ = "operator_outlet"

    operator_id: int = Field(foreign_key="operator.id", primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", primary_key=True, max_length=16, index=True)


class LoginFailure(SQLModel, table=True):
    """Wrong sign-ins under a name that is no active operator, counted as an operator's are, so that such a
    name is answered "locked" after as many tries as a real one: the answers do not tell which names exist.
    The key is a digest of the name, never the name; the table is bounded (services.operators drops the
    oldest rows beyond its limit)."""

    __tablename__ = "login_failure"

    name_digest: str = Field(primary_key=True, max_length=64)
    failed_logins: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    last_at: datetime = _ts(index=True)


class Person(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (
        # Name prefix search is a range scan [prefix, prefix + U+10FFFF) in code-point order, ordered by
        # (name, id): SQLite's BINARY collation is that order; on PostgreSQL the migration builds this
        # index on (name COLLATE "C", id) so it holds whatever the database's default collation is.
        Index("ix_person_name_prefix", "name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    citizen_number: str = _sealed("person", "citizen_number")
    citizen_index: str | None = _blind_index("person", "citizen_number", unique=True)
    """Exact lookups by citizen number compare this with the number (``queries.person_by_citizen_number``)."""
    name: str = Field(max_length=PERSON_NAME_MAX)
    gender: str = Field(max_length=8)
    birth_date: date = Field(sa_column=Column("birth_date", SealedDate("person.birth_date"), nullable=False))
    """Sealed like the citizen number: with the region code of a masked number it would give the number back."""
    ethnicity: str = Field(default="01", max_length=2)
    phone: str = _sealed("person", "phone", "")  # at most PHONE_MAX characters (domain/text.py)
    address: str = _sealed("person", "address", "")  # at most ADDRESS_MAX characters
    created_at: datetime = _ts()


class Card(SQLModel, table=True):
    __tablename__ = "card"

    id: int | None = Field(default=None, primary_key=True)
    card_number: str = Field(max_length=9, unique=True)
    identification_code: str | None = Field(default=None, max_length=32, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    issue_date: date | None = None
    expiry_date: date | None = None
    status: str = Field(max_length=16, index=True)
    status_changed_at: datetime = _ts()
    version: int = Field(default=1, sa_column=_CARD_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _CARD_VERSION}


class CardCancellation(SQLModel, table=True):
    """A card cancelled (``domain.cancellation``): why, what proves it, and for a duplicate the card that stayed.
    One usable card per person is the index ``ux_card_usable_per_person`` on ``card`` (migration 0017)."""

    __tablename__ = "card_cancellation"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    person_id: int = Field(foreign_key="person.id", index=True)
    card_id: int = Field(foreign_key="card.id", unique=True)
    reason: str = Field(max_length=16)
    document_ref: str = Field(max_length=60)
    kept_card_id: int | None = Field(default=None, foreign_key="card.id")
    identity_check_id: int = Field(foreign_key="identity_check.id")
    operator_id: int = Field(foreign_key="operator.id")
    cancelled_at: datetime = _ts()


class IdentityCheck(SQLModel, table=True):
    __tablename__ = "identity_check"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    person_id: int = Field(foreign_key="person.id", index=True)
    flow: str = Field(max_length=32)
    presenter: str = Field(max_length=8)  # holder | proxy
    document_type: str = Field(max_length=40)
    document_number: str = _sealed("identity_check", "document_number")
    document_index: str | None = _blind_index("identity_check", "document_number")
    document_name: str = Field(max_length=60)
    document_expiry: date | None = None
    proxy_name: str = Field(default="", max_length=60)
    proxy_document_type: str = Field(default="", max_length=40)
    proxy_document_number: str = _sealed("identity_check", "proxy_document_number", "")
    proxy_document_index: str | None = _blind_index("identity_check", "proxy_document_number")
    proxy_document_expiry: date | None = None
    proxy_relationship: str = Field(default="", max_length=40)
    proxy_authorisation_ref: str = Field(default="", max_length=60)
    check_digit_ok: bool = False
    name_match_ok: bool = False
    document_valid_ok: bool = False
    face_confirmed: bool = False
    passed: bool = False
    operator_id: int = Field(foreign_key="operator.id")
    checked_at: datetime = _ts()


class LossReport(SQLModel, table=True):
    __tablename__ = "loss_report"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    channel: str = Field(max_length=8)  # hotline | counter
    kind: str = Field(max_length=10)  # temporary | formal
    reporter: str = Field(max_length=8)  # holder | proxy
    identity_check_id: int | None = Field(default=None, foreign_key="identity_check.id")
    operator_id: int = Field(foreign_key="operator.id")
    reported_at: datetime = _ts()
    lapses_at: datetime | None = _ts(nullable=True, index=True)
    formal_at: datetime | None = _ts(nullable=True)
    lapsed_at: datetime | None = _ts(nullable=True)
    withdrawn_at: datetime | None = _ts(nullable=True)
    withdrawn_by: int | None = Field(default=None, foreign_key="operator.id")


class Approval(SQLModel, table=True):
    __tablename__ = "approval"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    maker_id: int = Field(foreign_key="operator.id")
    checker_id: int | None = Field(default=None, foreign_key="operator.id")
    detail: str = Field(default="", max_length=32)
    """What exactly is asked, beside ``entity``: a fee waiver's reissue reason ("lost", ...)."""
    status: str = Field(default=ApprovalStatus.PENDING, max_length=10)
    reason: str = Field(default="", max_length=REASON_MAX)
    """The maker's reason for asking."""
    decision_reason: str = Field(default="", max_length=REASON_MAX)
    """The checker's words with the decision (required for a rejection)."""
    created_at: datetime = _ts()
    decided_at: datetime | None = _ts(nullable=True)


class ReissueRequest(SQLModel, table=True):
    __tablename__ = "reissue_request"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    old_card_id: int | None = Field(default=None, foreign_key="card.id", index=True)
    new_card_id: int | None = Field(default=None, foreign_key="card.id", index=True)
    reason: str = Field(max_length=16)
    fee_fen: int = 0
    waived: bool = False
    waiver_approval_id: int | None = Field(default=None, foreign_key="approval.id")
    production_mode: str = Field(max_length=8)  # factory | instant
    status: str = Field(max_length=16, index=True)
    due_date: date | None = None
    identity_check_id: int | None = Field(default=None, foreign_key="identity_check.id")
    operator_id: int = Field(foreign_key="operator.id")
    created_at: datetime = _ts()
    version: int = Field(default=1, sa_column=_REQUEST_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _REQUEST_VERSION}


class Collection(SQLModel, table=True):
    __tablename__ = "collection"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="reissue_request.id")
    identity_check_id: int = Field(foreign_key="identity_check.id")
    chip_card_number: str = Field(max_length=9)
    chip_identification_code: str = Field(max_length=32)
    chip_citizen_number: str = _sealed("collection", "chip_citizen_number")
    chip_name: str = Field(max_length=60)
    chip_check_passed: bool = False
    pin_changed: bool = False
    receipt_number: str = Field(default="", max_length=32)
    operator_id: int = Field(foreign_key="operator.id")
    collected_at: datetime = _ts()


class Payment(SQLModel, table=True):
    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    request_id: int | None = Field(default=None, foreign_key="reissue_request.id")
    amount_fen: int
    method: str = Field(max_length=16)
    reference: str = Field(default="", max_length=PAYMENT_REFERENCE_MAX)
    """An electronic payment's transaction reference, entered at payment ('' for cash)."""
    receipt_number: str = Field(max_length=32, unique=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    paid_at: datetime = _ts(index=True)


class CashUp(SQLModel, table=True):
    __tablename__ = "cash_up"
    __table_args__ = (UniqueConstraint("outlet_code", "operator_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    operator_id: int = Field(foreign_key="operator.id")
    day: date
    expected_fen: int
    counted_fen: int
    reason: str = Field(default="", max_length=REASON_MAX)
    supervisor_id: int = Field(foreign_key="operator.id")
    signed_at: datetime = _ts()


class DayClose(SQLModel, table=True):
    __tablename__ = "day_close"
    __table_args__ = (UniqueConstraint("outlet_code", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    day: date
    closed_by: int = Field(foreign_key="operator.id")
    closed_at: datetime = _ts()
    reason: str = Field(default="", max_length=REASON_MAX)
    blockers: str = Field(default="", max_length=4000)


class AuditEvent(SQLModel, table=True):
    """One link of an outlet's audit chain. Append-only.

    ``seq`` counts 1, 2, 3... per outlet; ``prev_mac`` is the previous event's ``mac`` (empty for the
    first); ``mac`` is HMAC-SHA256 over the canonical form of every other column, with the outlet's key.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("outlet_code", "seq"),
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_outlet_at", "outlet_code", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    seq: int
    at: datetime = _ts()
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    action: str = Field(max_length=40, index=True)
    entity: str = Field(max_length=32)
    entity_id: str = Field(default="", max_length=40)
    person_id: int | None = Field(default=None, index=True)
    before: str = Field(default="", max_length=4000)
    after: str = Field(default="", max_length=4000)
    prev_mac: str = Field(max_length=64)
    mac: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The last link of each outlet's chain; locked by every writer so the chain never forks, and
    compared by verification so that deleting the newest events is noticed too."""

    __tablename__ = "audit_head"

    outlet_code: str = Field(primary_key=True, foreign_key="outlet.code", max_length=16)
    seq: int = 0
    mac: str = Field(default="", max_length=64)
    key_id: str = Field(default="", max_length=16)
    """The id of the key that seals the chain (``services.audit.key_id``), set by the first event; ""
    on a store from before key ids until its next event."""
    seal: str = Field(default="", max_length=64)
    """HMAC-SHA256 with the outlet's audit key over outlet, ``seq``, ``mac`` and ``key_id``
    (``services.audit.seal.head_message``), renewed by every event; "" on a store from before head seals
    until its next event."""


class AuditCheckpoint(SQLModel, table=True):
    """A verification of an outlet's chain that succeeded: every event up to ``seq`` was found intact at
    ``verified_at``, the last of them sealed ``mac``. ``how`` is ``full`` (recomputed from event 1) or
    ``since <seq>`` (recomputed from the previous checkpoint). ``seal`` is HMAC-SHA256 with the outlet's
    audit key over the other columns, so a checkpoint cannot be forged or edited without the key.
    Audit machinery like ``audit_head``: written in its own short transaction, not a use case."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (Index("ix_audit_checkpoint_outlet_seq", "outlet_code", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16)
    seq: int
    mac: str = Field(max_length=64)
    verified_at: datetime = _ts()
    how: str = Field(max_length=32)
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    seal: str = Field(max_length=64)




class Receipt(SQLModel, table=True):
    """The receipt of one use case: its short verification code points at the audit event it stands for."""

    __tablename__ = "receipt"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    outlet_code: str = Field(foreign_key="outlet.code", max_length=16, index=True)
    audit_event_id: int = Field(foreign_key="audit_event.id")
    kind: str = Field(max_length=40)
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    card_number: str = Field(default="", max_length=9)
    fee_fen: int = 0
    issued_at: datetime = _ts()


# The daily report's range scans (migration 0002): one outlet's rows over a day or a month.
Index("ix_audit_outlet_action_at", col(AuditEvent.outlet_code), col(AuditEvent.action), col(AuditEvent.at))
# The audit viewer's filter by operator (migration 0015).
Index("ix_audit_outlet_operator_seq", col(AuditEvent.outlet_code), col(AuditEvent.operator_id), col(AuditEvent.seq))
Index("ix_loss_report_outlet_reported", col(LossReport.outlet_code), col(LossReport.reported_at))
Index("ix_loss_report_outlet_formal", col(LossReport.outlet_code), col(LossReport.formal_at))
Index("ix_loss_report_outlet_lapsed", col(LossReport.outlet_code), col(LossReport.lapsed_at))
Index("ix_loss_report_outlet_withdrawn", col(LossReport.outlet_code), col(LossReport.withdrawn_at))
Index("ix_reissue_request_outlet_created", col(ReissueRequest.outlet_code), col(ReissueRequest.created_at))
Index("ix_collection_outlet_collected", col(Collection.outlet_code), col(Collection.collected_at))
Index("ix_payment_outlet_paid", col(Payment.outlet_code), col(Payment.paid_at))
Index("ix_approval_outlet_status", col(Approval.outlet_code), col(Approval.status))

# The stock tables, the audit tally and the other newer tables live in their own modules; importing this one
# registers them too (migrations, tests).
from outlet_desk.db.audit_tally import AuditTally  # noqa: E402
from outlet_desk.db.contact_tables import CardContact  # noqa: E402
from outlet_desk.db.request_tables import RequestStage  # noqa: E402
from outlet_desk.db.stock_tables import StockBatch, StockItem  # noqa: E402
from outlet_desk.db.transfer_tables import CardTransfer  # noqa: E402

__all__ = ["AuditTally", "CardContact", "CardTransfer", "RequestStage", "StockBatch", "StockItem"]
