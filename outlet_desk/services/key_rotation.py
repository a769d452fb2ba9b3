"""Rotating the data key (docs/data-key.md): every personal value sealed again under a new key, in one
transaction with its audit event, by a signed-in supervisor or administrator (``domain.roles``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, bindparam, select
from sqlmodel import SQLModel

from outlet_desk.db import tables  # noqa: F401  (the tables register on SQLModel.metadata)
from outlet_desk.db.migrate import drop_old_row_versions
from outlet_desk.db.sealing import FieldCipher, bind_cipher
from outlet_desk.db.types import SEALED_TYPES, BlindIndex
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Action
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.data_key import create_key_file, load_or_create_data_key, sealed_with
from outlet_desk.services.uow import UnitOfWork


@dataclass(frozen=True)
class Rotation:
    """A finished data key rotation: the new key's id, the old one's, where the old key file was kept,
    and how many values were sealed again."""

    new_key: str
    old_key: str
    old_file: Path
    values: int


def rotate_data_key(desk: Desk, actor: Actor) -> Rotation:
    """Seal every personal value again under a new data key, in one transaction with its audit event (every
    desk of the database stopped: docs/data-key.md); ``actor``'s role must allow it. The new key is written
    first to ``<key file>.new`` (mode 0600); after the commit the old key file becomes ``<key file>.old`` and
    the new one takes its name. A crash before the commit changes nothing; after it, the refusal at the next
    start names the key the data is sealed with, and ``<key file>.new`` is that key."""
    path = desk.settings.data_key_path()
    old = load_or_create_data_key(path, sealed_key=sealed_with(desk.engine))
    with UnitOfWork(desk, actor, Action.ROTATE_DATA_KEY) as uow:  # signed in and allowed, before any key is made
        fresh = path.with_name(path.name + ".new")
        fresh.unlink(missing_ok=True)
        create_key_file(fresh)
        cipher = FieldCipher(load_or_create_data_key(fresh, sealed_key=None), previous=[old])
        bind_cipher(desk.engine, cipher)
        values, rewritten = _seal_again(uow.session.connection())
        old_key = FieldCipher(old).key_id
        uow.audit(AuditAction.DATA_KEY_ROTATED, "data_key", cipher.key_id,
                  before={"key": old_key}, after={"key": cipher.key_id, "values": values})
        uow.commit()
    kept = path.with_name(path.name + ".old")
    os.replace(path, kept)
    os.replace(fresh, path)
    drop_old_row_versions(desk.engine, rewritten)  # the values sealed with the old key leave the files too
    return Rotation(cipher.key_id, old_key, kept, values)


def _seal_again(conn: Connection) -> tuple[int, list[str]]:
    """Every sealed value read (opened with the old key) and written again (sealed with the new one), every
    blind index computed again: how many values, and the tables rewritten."""
    values = 0
    rewritten: list[str] = []
    for t in SQLModel.metadata.sorted_tables:  # every table with a sealed column (db/tables.py says which)
        sealed = [c for c in t.c if isinstance(c.type, SEALED_TYPES)]
        indexes = {c.name: c.type.label.split(".", 1)[1] for c in t.c if isinstance(c.type, BlindIndex)}
        rows = conn.execute(select(t.c.id, *sealed)).all() if sealed else []
        if not rows:
            continue
        update = t.update().where(t.c.id == bindparam("_id")).values(
            {name: bindparam(name) for name in [*(c.name for c in sealed), *indexes]})
        params = []
        for row in rows:
            plain = dict(zip([c.name for c in sealed], row[1:], strict=True))
            # an index column's type computes the HMAC of the plain value it indexes, under the new key
            plain |= {index: plain[column] for index, column in indexes.items()}
            params.append({"_id": row[0], **plain})
        conn.execute(update, params)
        values += len(rows) * len(sealed)
        rewritten.append(t.name)
    return values, rewritten
