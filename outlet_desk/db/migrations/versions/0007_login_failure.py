"""login_failure counts wrong sign-ins under names that are no active operator

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:10:00.000000

An unknown name is answered "locked" after as many wrong passwords as a real one, so the answers do not
tell which user names exist. Rows are keyed by a digest of the name and bounded in number.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from outlet_desk.db.types import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_failure',
        sa.Column('name_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
        sa.Column('last_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name_digest'),
    )
    op.create_index(op.f('ix_login_failure_last_at'), 'login_failure', ['last_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_failure_last_at'), table_name='login_failure')
    op.drop_table('login_failure')
