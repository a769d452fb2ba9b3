"""person.birth_date sealed at rest: with a masked citizen number it would give the number back

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:10:00.000000

A citizen number is region (6 digits), birth date (8), sequence (3) and a check character. The birth date
was stored in clear beside numbers that were masked to exactly the birth-date digits, so the two gave the
number back. The column becomes binary and holds the ISO date sealed with AES-GCM under the data key, like
the other personal columns of 0009 (``db/sealing.py``, label ``person.birth_date``); the rows already in the
store are sealed here with the data key the caller bound to the engine (the desk's start and ``outlet-desk
db upgrade``). ``db.migrate.upgrade`` rewrites the table's files afterwards on PostgreSQL (VACUUM FULL) and
truncates the WAL on SQLite, so no plain date stays behind (docs/data-key.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from outlet_desk.db.sealing import bound_cipher

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

LABEL = 'person.birth_date'
BATCH = 2000
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}  # names SQLite's unnamed unique constraints


def _rows(bind: sa.Connection) -> list[sa.Row[Any]]:
    return list(bind.execute(sa.text("SELECT id, birth_date FROM person ORDER BY id")).all())


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode('utf-8')
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('person', naming_convention=SQLITE_NAMES if sqlite else None) as batch:
        batch.alter_column('birth_date', type_=sa.LargeBinary(), existing_type=sa.Date(), existing_nullable=False,
                           postgresql_using="convert_to(to_char(birth_date, 'YYYY-MM-DD'), 'UTF8')")
    rows = _rows(bind)
    if not rows:
        return
    cipher = bound_cipher(bind.dialect)
    if cipher is None:
        raise RuntimeError(
            "Migration 0013 seals the birth dates already in table person and needs the data key: "
            "run `outlet-desk db upgrade` or start the desk, which load it ([database] data_key_file).")
    update = sa.text("UPDATE person SET birth_date = :sealed WHERE id = :id").bindparams(
        sa.bindparam('sealed', type_=sa.LargeBinary()))
    params = [{"id": row[0], "sealed": cipher.seal(date.fromisoformat(_as_text(row[1])[:10]).isoformat(), LABEL)}
              for row in rows]
    for start in range(0, len(params), BATCH):
        bind.execute(update, params[start:start + BATCH])


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    rows = _rows(bind)
    cipher = bound_cipher(bind.dialect)
    if rows and cipher is None:
        raise RuntimeError("Opening the sealed birth dates of table person needs the data key.")
    opened = [{"id": row[0], "born": date.fromisoformat(cipher.open(row[1], LABEL))}
              for row in rows] if cipher is not None else []
    with op.batch_alter_table('person', naming_convention=SQLITE_NAMES if sqlite else None) as batch:
        batch.alter_column('birth_date', type_=sa.Date(), existing_type=sa.LargeBinary(), existing_nullable=False,
                           postgresql_using="DATE '1900-01-01'")  # filled below
    if opened:
        bind.execute(sa.text("UPDATE person SET birth_date = :born WHERE id = :id").bindparams(
            sa.bindparam('born', type_=sa.Date())), opened)
