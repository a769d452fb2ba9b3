"""request_stage: a reissue request's stages, each with its time and who or what made it

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-05 02:30:00.000000

A request's status is its latest stage (entered, paid, in production, received by the city, received by the
outlet, ready, collected, production failed, cancelled). The requests already on record get their stages from
what the store knows, marked as taken from the records: entered, paid and in production when the request was
made; received by the city when a manifest announced its card; received by the outlet when the card was
scanned in; ready when its card was received (the audit event) or scanned in; collected at its collection;
cancelled at the first cancellation or return of the holder's cards after the request (else when it was made).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outlet_desk.db.types

revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_INSERT = "INSERT INTO request_stage (request_id, stage, at, operator_id, source, failure, note) "
_RECEIVED = ("(SELECT {what}(a.at) FROM audit_event a WHERE a.entity = 'reissue_request' "
             "AND a.entity_id = CAST(r.id AS VARCHAR(40)) AND a.action IN ('card_received', 'card_personalised'))")
_CANCELLED = ("(SELECT MIN(a.at) FROM audit_event a WHERE a.person_id = r.person_id AND a.at >= r.created_at "
              "AND a.action IN ('card_returned_uncollected', 'card_cancelled_death', 'card_cancelled_emigration', "
              "'card_cancelled_duplicate'))")


def upgrade() -> None:
    op.create_table(
        'request_stage',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('request_id', sa.Integer(), sa.ForeignKey('reissue_request.id'), nullable=False),
        sa.Column('stage', _S(length=16), nullable=False),
        sa.Column('at', outlet_desk.db.types.UTCDateTime(), nullable=False),
        sa.Column('operator_id', sa.Integer(), sa.ForeignKey('operator.id'), nullable=True),
        sa.Column('source', _S(length=16), nullable=False),
        sa.Column('failure', _S(length=16), nullable=False),
        sa.Column('note', _S(length=500), nullable=False),
    )
    op.create_index('ix_request_stage_request', 'request_stage', ['request_id', 'id'])
    # In the order the stages happen, so that stages of the same time read in that order (by id).
    for stage in ('entered', 'paid', 'in_production'):
        op.execute(_INSERT + f"SELECT r.id, '{stage}', r.created_at, r.operator_id, 'records', '', '' "
                   "FROM reissue_request r ORDER BY r.id")
    op.execute(_INSERT + "SELECT i.request_id, 'at_city', b.received_at, b.operator_id, 'records', '', "
               "b.manifest_ref FROM stock_item i JOIN stock_batch b ON b.id = i.batch_id "
               "WHERE i.request_id IS NOT NULL ORDER BY i.id")
    op.execute(_INSERT + "SELECT i.request_id, 'at_outlet', i.scanned_at, NULL, 'records', '', i.card_number "
               "FROM stock_item i WHERE i.request_id IS NOT NULL AND i.scanned_at IS NOT NULL ORDER BY i.id")
    op.execute(_INSERT + "SELECT r.id, 'ready', COALESCE(" + _RECEIVED.format(what="MIN") + ", "
               "(SELECT MIN(i.scanned_at) FROM stock_item i WHERE i.card_id = r.new_card_id), r.created_at), "
               "NULL, 'records', '', '' FROM reissue_request r WHERE r.new_card_id IS NOT NULL ORDER BY r.id")
    op.execute(_INSERT + "SELECT c.request_id, 'collected', c.collected_at, c.operator_id, 'records', '', '' "
               "FROM collection c WHERE c.request_id IS NOT NULL ORDER BY c.id")
    op.execute(_INSERT + "SELECT r.id, 'cancelled', COALESCE(" + _CANCELLED + ", r.created_at), NULL, 'records', "
               "'', '' FROM reissue_request r WHERE r.status = 'cancelled' ORDER BY r.id")


def downgrade() -> None:
    op.drop_index('ix_request_stage_request', table_name='request_stage')
    op.drop_table('request_stage')
