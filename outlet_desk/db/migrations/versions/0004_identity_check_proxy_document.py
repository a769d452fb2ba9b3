"""identity checks keep the proxy's own document: name, type, number, expiry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:10:00.000000

A card collected by a proxy is a record of who took it: the proxy's name and identity document are
kept on the identity check beside the holder's document, the relationship and the authorisation
reference (before this, only the audit event carried them, with the number masked).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

STRINGS = (("proxy_name", 60), ("proxy_document_type", 40), ("proxy_document_number", 40))


def upgrade() -> None:
    with op.batch_alter_table('identity_check') as batch:
        for name, length in STRINGS:
            batch.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False,
                                       server_default=''))
        batch.add_column(sa.Column('proxy_document_expiry', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('identity_check') as batch:
        batch.drop_column('proxy_document_expiry')
        for name, _length in reversed(STRINGS):
            batch.drop_column(name)
