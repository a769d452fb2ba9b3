"""stock_batch and stock_item: batches from a manifest, cards scanned in by their chip, blanks, spoiled cards

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 23:00:00.000000

Until this revision both tables existed and stayed empty (a new card came in by hand, one at a time). A batch
now has its kind (a manifest or a delivery of blank cards), status and number of lines; a line holds what the
manifest says of its card (the citizen number sealed like every personal value), its status, and who resolved
it. A batch number is unique per outlet.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outlet_desk.db.types

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('stock_batch') as batch:
        batch.add_column(sa.Column('kind', _S(length=16), nullable=False, server_default='manifest'))
        batch.add_column(sa.Column('status', _S(length=16), nullable=False, server_default='announced'))
        batch.add_column(sa.Column('lines', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('closed_at', outlet_desk.db.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('closed_by', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_stock_batch_closed_by', 'operator', ['closed_by'], ['id'])
        batch.create_unique_constraint('uq_stock_batch_outlet_ref', ['outlet_code', 'manifest_ref'])
    with op.batch_alter_table('stock_item') as batch:
        batch.add_column(sa.Column('outlet_code', _S(length=16), nullable=False))
        batch.add_column(sa.Column('line_no', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('status', _S(length=16), nullable=False, server_default='announced'))
        batch.add_column(sa.Column('card_number', _S(length=9), nullable=False, server_default=''))
        batch.add_column(sa.Column('identification_code', _S(length=32), nullable=False, server_default=''))
        batch.add_column(sa.Column('citizen_number', outlet_desk.db.types.SealedText('stock_item.citizen_number'),
                                   nullable=False))
        batch.add_column(sa.Column('name', _S(length=60), nullable=False, server_default=''))
        batch.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('note', _S(length=500), nullable=False, server_default=''))
        batch.add_column(sa.Column('resolved_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('resolved_at', outlet_desk.db.types.UTCDateTime(), nullable=True))
        batch.alter_column('scanned_at', existing_type=outlet_desk.db.types.UTCDateTime(), nullable=True)
        batch.create_foreign_key('fk_stock_item_outlet_code', 'outlet', ['outlet_code'], ['code'])
        batch.create_foreign_key('fk_stock_item_person_id', 'person', ['person_id'], ['id'])
        batch.create_foreign_key('fk_stock_item_request_id', 'reissue_request', ['request_id'], ['id'])
        batch.create_foreign_key('fk_stock_item_resolved_by', 'operator', ['resolved_by'], ['id'])
        batch.create_index('ix_stock_item_card_number', ['card_number'], unique=False)
        batch.create_index('ix_stock_item_identification_code', ['identification_code'], unique=False)
        batch.create_index('ix_stock_item_outlet_status', ['outlet_code', 'status'], unique=False)
        batch.create_index('ix_stock_item_outlet_spoiled', ['outlet_code', 'spoiled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stock_item') as batch:
        for index in ('ix_stock_item_outlet_spoiled', 'ix_stock_item_outlet_status', 'ix_stock_item_card_number',
                      'ix_stock_item_identification_code'):
            batch.drop_index(index)
        for fk in ('fk_stock_item_resolved_by', 'fk_stock_item_request_id', 'fk_stock_item_person_id',
                   'fk_stock_item_outlet_code'):
            batch.drop_constraint(fk, type_='foreignkey')
        batch.alter_column('scanned_at', existing_type=outlet_desk.db.types.UTCDateTime(), nullable=False)
        for column in ('resolved_at', 'resolved_by', 'note', 'request_id', 'person_id', 'name', 'citizen_number',
                       'identification_code', 'card_number', 'status', 'line_no', 'outlet_code'):
            batch.drop_column(column)
    with op.batch_alter_table('stock_batch') as batch:
        batch.drop_constraint('uq_stock_batch_outlet_ref', type_='unique')
        batch.drop_constraint('fk_stock_batch_closed_by', type_='foreignkey')
        for column in ('closed_by', 'closed_at', 'lines', 'status', 'kind'):
            batch.drop_column(column)
