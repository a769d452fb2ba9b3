"""audit operator index: the audit viewer's filter by operator

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 23:10:00

The audit viewer filters an outlet's events by the operator who did them, over a day or all of the trail,
newest first: ``audit_event`` gets (outlet_code, operator_id, seq), so that filter is an index range read
backwards and a page stops after its last event.
"""

from __future__ import annotations

from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_outlet_operator_seq", "audit_event", ["outlet_code", "operator_id", "seq"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_outlet_operator_seq", table_name="audit_event")
