"""operator_outlet binds each operator to the outlets whose desks let them in

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:00:00.000000

Every existing operator is bound to the outlet they were created at (``operator.outlet_code``); one whose
outlet is not in the store (a row written by hand) is bound to the database's only outlet, if it has
exactly one.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'operator_outlet',
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(['operator_id'], ['operator.id']),
        sa.ForeignKeyConstraint(['outlet_code'], ['outlet.code']),
        sa.PrimaryKeyConstraint('operator_id', 'outlet_code'),
    )
    op.create_index(op.f('ix_operator_outlet_outlet_code'), 'operator_outlet', ['outlet_code'], unique=False)
    op.execute(
        "INSERT INTO operator_outlet (operator_id, outlet_code) "
        "SELECT id, outlet_code FROM operator WHERE outlet_code IN (SELECT code FROM outlet)"
    )
    op.execute(
        "INSERT INTO operator_outlet (operator_id, outlet_code) "
        "SELECT operator.id, (SELECT MIN(code) FROM outlet) FROM operator "
        "WHERE operator.outlet_code NOT IN (SELECT code FROM outlet) AND (SELECT COUNT(*) FROM outlet) = 1"
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_operator_outlet_outlet_code'), table_name='operator_outlet')
    op.drop_table('operator_outlet')
