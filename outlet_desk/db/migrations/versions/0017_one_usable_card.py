"""one usable card per person (a partial unique index) and the card_cancellation table

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-04 23:10:00.000000

``ux_card_usable_per_person``: a person holds at most one card that is active or temporarily reported lost
(``domain.card_lifecycle.USABLE``; a temporary loss lapses back to active by itself), on both databases
(a partial unique index: ``WHERE status IN ('active', 'suspended')``). The collection that activates a new
card replaces the old one first, in the same transaction.

A store that already holds two such cards for one person is not changed: the upgrade refuses and names each
person's record number and cards, because which card stays is the clerk's choice with the holder, not the
migration's (the desk made no such pair: every activation replaced the old card; a pair comes from rows
written by hand or imported). The administrator settles each pair with the card centre and upgrades again.

``card_cancellation``: one row per card cancelled (the holder died or emigrated, a duplicate), with the
reason, the reference of the document that proves it and, for a duplicate, the card that stayed.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from outlet_desk.db.migrate import MigrationRefused

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None

USABLE = ('active', 'suspended')
_WHERE = "status IN ('active', 'suspended')"


def _refuse_duplicates() -> None:
    rows = op.get_bind().execute(sa.text(
        "SELECT person_id, card_number, status FROM card WHERE " + _WHERE + " AND person_id IN "
        "(SELECT person_id FROM card WHERE " + _WHERE + " GROUP BY person_id HAVING COUNT(*) > 1) "
        "ORDER BY person_id, card_number")).all()
    if not rows:
        return
    by_person: dict[int, list[tuple[str, str]]] = {}
    for person_id, card_number, status in rows:
        by_person.setdefault(person_id, []).append((card_number, status))
    raise MigrationRefused(revision, by_person)


def upgrade() -> None:
    _refuse_duplicates()
    op.create_index('ux_card_usable_per_person', 'card', ['person_id'], unique=True,
                    sqlite_where=sa.text(_WHERE), postgresql_where=sa.text(_WHERE))
    op.create_table(
        'card_cancellation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('document_ref', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('kept_card_id', sa.Integer(), nullable=True),
        sa.Column('identity_check_id', sa.Integer(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['outlet_code'], ['outlet.code']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['card_id'], ['card.id']),
        sa.ForeignKeyConstraint(['kept_card_id'], ['card.id']),
        sa.ForeignKeyConstraint(['identity_check_id'], ['identity_check.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operator.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('card_id'),
    )
    op.create_index(op.f('ix_card_cancellation_person_id'), 'card_cancellation', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_card_cancellation_person_id'), table_name='card_cancellation')
    op.drop_table('card_cancellation')
    op.drop_index('ux_card_usable_per_person', table_name='card')
