"""report indexes: the daily report's range scans by outlet and time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 07:13:35.049523

Every figure of the daily report is a range over one day (or 30 days for the trend) of one outlet.
``audit_event`` gets (outlet_code, action, at), so a count of one action over a day or a month is a
covering index range; the operational tables get (outlet_code, <time column>) for the same ranges.
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_audit_outlet_action_at", "audit_event", ("outlet_code", "action", "at")),
    ("ix_loss_report_outlet_reported", "loss_report", ("outlet_code", "reported_at")),
    ("ix_loss_report_outlet_formal", "loss_report", ("outlet_code", "formal_at")),
    ("ix_loss_report_outlet_lapsed", "loss_report", ("outlet_code", "lapsed_at")),
    ("ix_loss_report_outlet_withdrawn", "loss_report", ("outlet_code", "withdrawn_at")),
    ("ix_reissue_request_outlet_created", "reissue_request", ("outlet_code", "created_at")),
    ("ix_collection_outlet_collected", "collection", ("outlet_code", "collected_at")),
    ("ix_payment_outlet_paid", "payment", ("outlet_code", "paid_at")),
    ("ix_approval_outlet_status", "approval", ("outlet_code", "status")),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
