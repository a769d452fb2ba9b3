"""card_contact: the contact log of cards ready for collection

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 02:30:00.000000

Each time the outlet tried to tell a holder that their card is ready: who, when, how (text message, phone,
letter), what came of it (informed, not reached, the day they said they will come) and a note.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outlet_desk.db.types

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'card_contact',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('card_id', sa.Integer(), sa.ForeignKey('card.id'), nullable=False),
        sa.Column('outlet_code', _TEXT(length=16), sa.ForeignKey('outlet.code'), nullable=False),
        sa.Column('operator_id', sa.Integer(), sa.ForeignKey('operator.id'), nullable=False),
        sa.Column('at', outlet_desk.db.types.UTCDateTime(), nullable=False),
        sa.Column('method', _TEXT(length=16), nullable=False),
        sa.Column('outcome', _TEXT(length=16), nullable=False),
        sa.Column('coming_on', sa.Date(), nullable=True),
        sa.Column('note', _TEXT(length=500), nullable=False),
    )
    op.create_index('ix_card_contact_card_id', 'card_contact', ['card_id'])


def downgrade() -> None:
    op.drop_index('ix_card_contact_card_id', table_name='card_contact')
    op.drop_table('card_contact')
