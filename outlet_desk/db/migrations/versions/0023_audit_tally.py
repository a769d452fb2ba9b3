"""audit_tally: the number of audit events per outlet, kept by triggers on audit_event

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-05 02:30:00.000000

The quick verification (the daily report's) read the number of events up to its checkpoint with a count
that grew with the outlet's age; the tally (``db/audit_tally.py``) is kept by the database on every insert
and delete, so it reads one row instead. Filled from the events already there.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0023'
down_revision = '0019'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_event_tally_insert AFTER INSERT ON audit_event
       BEGIN
         INSERT INTO audit_tally (outlet_code, events) VALUES (NEW.outlet_code, 1)
         ON CONFLICT (outlet_code) DO UPDATE SET events = events + 1;
       END""",
    """CREATE TRIGGER audit_event_tally_delete AFTER DELETE ON audit_event
       BEGIN
         UPDATE audit_tally SET events = events - 1 WHERE outlet_code = OLD.outlet_code;
       END""",
)

_POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION audit_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           INSERT INTO audit_tally (outlet_code, events) VALUES (NEW.outlet_code, 1)
           ON CONFLICT (outlet_code) DO UPDATE SET events = audit_tally.events + 1;
           RETURN NEW;
         END IF;
         UPDATE audit_tally SET events = events - 1 WHERE outlet_code = OLD.outlet_code;
         RETURN OLD;
       END $$""",
    """CREATE TRIGGER audit_event_tally AFTER INSERT OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_tally_count()""",
)


def upgrade() -> None:
    op.create_table(
        'audit_tally',
        sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=16), primary_key=True),
        sa.Column('events', sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO audit_tally (outlet_code, events) "
               "SELECT outlet_code, COUNT(*) FROM audit_event GROUP BY outlet_code")
    triggers = _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRESQL_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_tally_insert")
        op.execute("DROP TRIGGER IF EXISTS audit_event_tally_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_tally ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_tally_count()")
    op.drop_table('audit_tally')
