"""feed_record, feed_head, feed_consumer: the card-status feed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 23:30:00.000000

Every change of a card's status is written to ``feed_record`` in the same transaction (the outbox), with
the outlet's city; a record gets its city's next sequence number when it is first exported. The feed
starts with every card's status at this upgrade, so a consumer that reads it from the beginning knows
every card.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'feed_record',
        sa.Column('id', _ID, primary_key=True, autoincrement=True),
        sa.Column('city_code', _TEXT(length=4), nullable=False),
        sa.Column('city_seq', sa.BigInteger(), nullable=True),
        sa.Column('kind', _TEXT(length=16), nullable=False),
        sa.Column('outlet_code', _TEXT(length=16), sa.ForeignKey('outlet.code'), nullable=False),
        sa.Column('card_number', _TEXT(length=9), nullable=False),
        sa.Column('status', _TEXT(length=16), nullable=False),
        sa.Column('previous_status', _TEXT(length=16), nullable=False),
        sa.Column('audit_seq', sa.Integer(), nullable=True),
        sa.Column('fingerprint', _TEXT(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_feed_record_city_seq', 'feed_record', ['city_code', 'city_seq'], unique=True)
    op.create_index('ix_feed_record_unsequenced', 'feed_record', ['city_code', 'id'])
    op.create_table(
        'feed_head',
        sa.Column('city_code', _TEXT(length=4), primary_key=True),
        sa.Column('seq', sa.BigInteger(), nullable=False),
    )
    op.create_table(
        'feed_consumer',
        sa.Column('city_code', _TEXT(length=4), primary_key=True),
        sa.Column('name', _TEXT(length=64), primary_key=True),
        sa.Column('acked_seq', sa.BigInteger(), nullable=False),
        sa.Column('acked_at', sa.DateTime(), nullable=True),
    )
    # Every card's status now: the feed's first records.
    op.execute(
        "INSERT INTO feed_record (city_code, kind, outlet_code, card_number, status, previous_status, fingerprint, at) "
        "SELECT substr(o.division_code, 1, 4), 'card_status', c.outlet_code, c.card_number, c.status, '', '', "
        "c.status_changed_at FROM card c JOIN outlet o ON o.code = c.outlet_code ORDER BY c.id"
    )


def downgrade() -> None:
    op.drop_table('feed_consumer')
    op.drop_table('feed_head')
    op.drop_index('ix_feed_record_unsequenced', table_name='feed_record')
    op.drop_index('ix_feed_record_city_seq', table_name='feed_record')
    op.drop_table('feed_record')
