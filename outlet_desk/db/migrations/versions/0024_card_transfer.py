"""card_transfer: a ready card sent to another outlet of the database, and scanned in there

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-05 02:30:00.000000

One row per transfer: the card (and its reissue request), the outlet it leaves and the one it goes to, who
sent it and when, who scanned it in there and when. A card is on its way to one outlet at most (a partial
unique index on the transfers still ``sent``).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outlet_desk.db.types

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_ON_ITS_WAY = sa.text("status = 'sent'")


def upgrade() -> None:
    op.create_table(
        'card_transfer',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('card_id', sa.Integer(), sa.ForeignKey('card.id'), nullable=False),
        sa.Column('request_id', sa.Integer(), sa.ForeignKey('reissue_request.id'), nullable=True),
        sa.Column('from_outlet', _S(length=16), sa.ForeignKey('outlet.code'), nullable=False),
        sa.Column('to_outlet', _S(length=16), sa.ForeignKey('outlet.code'), nullable=False),
        sa.Column('status', _S(length=16), nullable=False),
        sa.Column('sent_at', outlet_desk.db.types.UTCDateTime(), nullable=False),
        sa.Column('sent_by', sa.Integer(), sa.ForeignKey('operator.id'), nullable=False),
        sa.Column('received_at', outlet_desk.db.types.UTCDateTime(), nullable=True),
        sa.Column('received_by', sa.Integer(), sa.ForeignKey('operator.id'), nullable=True),
    )
    op.create_index('ix_card_transfer_card_id', 'card_transfer', ['card_id'])
    op.create_index('ux_card_transfer_on_its_way', 'card_transfer', ['card_id'], unique=True,
                    sqlite_where=_ON_ITS_WAY, postgresql_where=_ON_ITS_WAY)
    op.create_index('ix_card_transfer_to_status', 'card_transfer', ['to_outlet', 'status'])
    op.create_index('ix_card_transfer_from_status', 'card_transfer', ['from_outlet', 'status'])


def downgrade() -> None:
    for index in ('ix_card_transfer_from_status', 'ix_card_transfer_to_status', 'ux_card_transfer_on_its_way',
                  'ix_card_transfer_card_id'):
        op.drop_index(index, table_name='card_transfer')
    op.drop_table('card_transfer')
