"""audit_head keeps the id of the key that seals the chain

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:40:00.000000

A desk whose audit key file is not the outlet's key is refused at start and at every write, before it
seals an event with it. Existing rows get "" and take the id of the key of their next event.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                   server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('key_id')
