"""personal data sealed at rest: citizen and document numbers, phones and addresses encrypted, blind indexes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:10:00.000000

Each of these columns becomes binary and holds the value sealed with AES-GCM under the data key
(``db/sealing.py``); the exact lookups (citizen number, document numbers) move to keyed blind indexes
(HMAC-SHA256). The rows already in the store are sealed here, in batches, with the data key the caller
bound to the engine (``services.data_key.bind_data_key``: the desk's start and ``outlet-desk db upgrade``).
On SQLite the engine runs with ``secure_delete`` and the WAL is truncated after the upgrade, so the plain
values do not stay in free pages; on PostgreSQL the old row versions stay in the table's files until
VACUUM (FULL) rewrites them (docs/data-key.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

from outlet_desk.db.sealing import FieldCipher, bound_cipher

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# table -> its sealed columns (name, old length), and the blind index of each column that has one
SEALED: dict[str, tuple[tuple[str, int], ...]] = {
    'person': (('citizen_number', 18), ('phone', 32), ('address', 200)),
    'identity_check': (('document_number', 40), ('proxy_document_number', 40)),
    'collection': (('chip_citizen_number', 18),),
}
INDEXES: dict[str, dict[str, str]] = {
    'person': {'citizen_number': 'citizen_index'},
    'identity_check': {'document_number': 'document_index', 'proxy_document_number': 'proxy_document_index'},
}
BATCH = 2000
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}  # names SQLite's unnamed unique constraints


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    for table, columns in SEALED.items():
        if not sqlite:  # a text default ('' of 0004) cannot become bytea; sealed values have none
            for name, _length in columns:
                op.execute(f"ALTER TABLE {table} ALTER COLUMN {name} DROP DEFAULT")
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES if sqlite else None) as batch:
            if table == 'person':  # the unique citizen number moves to its blind index
                batch.drop_constraint('uq_person_citizen_number' if sqlite else 'person_citizen_number_key',
                                      type_='unique')
            for name, length in columns:
                batch.alter_column(name, type_=sa.LargeBinary(), existing_type=sqlmodel.AutoString(length=length),
                                   existing_nullable=False, server_default=None,
                                   postgresql_using=f"convert_to({name}, 'UTF8')")
            for index in INDEXES.get(table, {}).values():
                batch.add_column(sa.Column(index, sa.String(length=64), nullable=True))
        _seal_rows(bind, table, [name for name, _length in columns], INDEXES.get(table, {}))
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES if sqlite else None) as batch:
            for index in INDEXES.get(table, {}).values():
                batch.alter_column(index, existing_type=sa.String(length=64), nullable=False)
                if index == 'citizen_index':
                    batch.create_unique_constraint('uq_person_citizen_index' if sqlite else 'person_citizen_index_key',
                                                   [index])
                else:
                    batch.create_index(op.f(f'ix_{table}_{index}'), [index], unique=False)


def _plain(value: Any) -> str:
    return bytes(value).decode('utf-8') if isinstance(value, bytes | bytearray | memoryview) else str(value)


def _batches(bind: sa.Connection, table: str, columns: list[str]) -> Iterator[list[sa.Row[Any]]]:
    last = 0
    select = sa.text(f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > :last ORDER BY id LIMIT {BATCH}")
    while rows := bind.execute(select, {"last": last}).all():
        yield list(rows)
        last = rows[-1][0]


def _seal_rows(bind: sa.Connection, table: str, columns: list[str], indexes: dict[str, str]) -> None:
    cipher: FieldCipher | None = bound_cipher(bind.dialect)
    sets = ', '.join([*(f"{c} = :{c}" for c in columns), *(f"{i} = :{i}" for i in indexes.values())])
    update = sa.text(f"UPDATE {table} SET {sets} WHERE id = :id").bindparams(
        *(sa.bindparam(c, type_=sa.LargeBinary()) for c in columns))
    for rows in _batches(bind, table, columns):
        if cipher is None:
            raise RuntimeError(
                f"Migration 0009 seals the personal data already in table {table} and needs the data key: "
                "run `outlet-desk db upgrade` or start the desk, which load it ([database] data_key_file).")
        params = []
        for row in rows:
            plain = {c: _plain(v) for c, v in zip(columns, row[1:], strict=True)}
            values: dict[str, Any] = {"id": row[0]}
            values.update({c: cipher.seal(v, f"{table}.{c}") for c, v in plain.items()})
            values.update({i: cipher.blind(plain[c], f"{table}.{c}") for c, i in indexes.items()})
            params.append(values)
        bind.execute(update, params)


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    cipher = bound_cipher(bind.dialect)
    for table, columns in SEALED.items():
        names = [name for name, _length in columns]
        opened: list[dict[str, Any]] = []
        for rows in _batches(bind, table, names):
            if cipher is None:
                raise RuntimeError(f"Opening the sealed personal data of table {table} needs the data key.")
            opened += [{"id": row[0], **{c: cipher.open(v, f"{table}.{c}") for c, v in zip(names, row[1:],
                                                                                         strict=True)}}
                       for row in rows]
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES if sqlite else None) as batch:
            for index in INDEXES.get(table, {}).values():
                if index == 'citizen_index':
                    batch.drop_constraint('uq_person_citizen_index' if sqlite else 'person_citizen_index_key',
                                          type_='unique')
                else:
                    batch.drop_index(op.f(f'ix_{table}_{index}'))
                batch.drop_column(index)
            for name, length in columns:
                batch.alter_column(name, type_=sqlmodel.AutoString(length=length), existing_type=sa.LargeBinary(),
                                   existing_nullable=False, postgresql_using="''")  # filled below
        if opened:
            sets = ', '.join(f"{c} = :{c}" for c in names)
            bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), opened)
        if table == 'person':
            with op.batch_alter_table(table, naming_convention=SQLITE_NAMES if sqlite else None) as batch:
                batch.create_unique_constraint('uq_person_citizen_number' if sqlite else 'person_citizen_number_key',
                                               ['citizen_number'])
