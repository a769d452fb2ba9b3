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
down_revision = '0022'
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

# On PostgreSQL one update per statement, from its transition table: a row-level trigger would update the
# outlet's tally row once per event, and a bulk load (COPY of a million events in one transaction) would leave
# a new version of that row per event, each update walking the ones before it (quadratic: 100,000 events took
# minutes). One function for both triggers: each names its rows ``changed``.
_POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION audit_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           INSERT INTO audit_tally (outlet_code, events)
             SELECT outlet_code, COUNT(*) FROM changed GROUP BY outlet_code
           ON CONFLICT (outlet_code) DO UPDATE SET events = audit_tally.events + EXCLUDED.events;
         ELSE
           UPDATE audit_tally SET events = audit_tally.events - gone.n
             FROM (SELECT outlet_code, COUNT(*) AS n FROM changed GROUP BY outlet_code) AS gone
            WHERE audit_tally.outlet_code = gone.outlet_code;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER audit_event_tally_insert AFTER INSERT ON audit_event
       REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION audit_tally_count()""",
    """CREATE TRIGGER audit_event_tally_delete AFTER DELETE ON audit_event
       REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION audit_tally_count()""",
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
        op.execute("DROP TRIGGER IF EXISTS audit_event_tally_insert ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_tally_delete ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_tally_count()")
    op.drop_table('audit_tally')
