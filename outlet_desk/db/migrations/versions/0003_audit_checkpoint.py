"""audit checkpoints: where the last successful verification of each outlet's chain ended

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:50:00.000000

``audit_checkpoint`` keeps, per verification that succeeded, the last event verified (``seq``, ``mac``),
when, how (``full`` or ``since <seq>``), by whom, and a ``seal`` (HMAC with the outlet's audit key) over
those columns. A later verification starts at the newest checkpoint instead of event 1; an index on
(outlet_code, seq) finds it.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outlet_desk.db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('verified_at', outlet_desk.db.types.UTCDateTime(), nullable=False),
    sa.Column('how', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('seal', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['outlet_code'], ['outlet.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_checkpoint_outlet_seq', 'audit_checkpoint', ['outlet_code', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_checkpoint_outlet_seq', table_name='audit_checkpoint')
    op.drop_table('audit_checkpoint')
