"""approvals say exactly what is asked (detail) and keep the checker's words apart (decision_reason)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:40:00.000000

A fee waiver asked for by request is bound to the old card (``entity = "card"``, ``entity_id``) and the
reissue reason, now in ``detail``; the supervisor's words with a decision go to ``decision_reason``
instead of being appended to the maker's ``reason``. Rows written by the first version of waivers by
request (``entity = "card:<reason>"``, same day) are converted.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approval') as batch:
        batch.add_column(sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                   server_default=''))
    op.execute("UPDATE approval SET detail = substr(entity, 6), entity = 'card' WHERE entity LIKE 'card:%'")


def downgrade() -> None:
    op.execute("UPDATE approval SET entity = 'card:' || detail WHERE entity = 'card' AND detail <> ''")
    with op.batch_alter_table('approval') as batch:
        batch.drop_column('decision_reason')
        batch.drop_column('detail')
