"""payment.reference: the transaction reference of an electronic payment

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04 20:30:00.000000

A WeChat Pay, Alipay or bank-card payment carries the reference the clerk entered at payment, so the
cash-up lists it (reconciled against the provider's statement) instead of counting it as cash. Payments
made before this revision, and cash payments, have none ('').
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment') as batch:
        batch.add_column(sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('payment') as batch:
        batch.drop_column('reference')
