"""audit_head is sealed with the outlet's audit key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00.000000

``audit_head.seal`` is HMAC-SHA256 with the outlet's audit key over the outlet, the last event's number and
MAC and the key's id, so the head cannot be set back to an older event (or its key id changed) unseen.
Existing rows get "" (a head from before seals) and are sealed by their next event.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('seal', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('seal')
