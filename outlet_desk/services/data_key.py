"""The data key that seals personal data at rest (``db/sealing.py``): read from ``[database] data_key_file``,
or created there (32 random bytes, hex, mode 0600) while the database holds no sealed personal data;
refused when it is not the key that data is sealed with. Rotation: docs/data-key.md.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, inspect, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from outlet_desk.config import Settings
from outlet_desk.db import tables  # noqa: F401  (the tables register on SQLModel.metadata)
from outlet_desk.db.sealing import FieldCipher, bind_cipher, sealed_key_id
from outlet_desk.db.types import BlindIndex, SealedText
from outlet_desk.i18n import _
from outlet_desk.services.errors import DataKeyProblem


def sealed_with(engine: Engine) -> str | None:
    """The id of the data key the database's personal data is sealed with (one sealed citizen number is
    enough: every value is sealed with the same key); ``None`` when nothing is sealed yet (no person, or a
    database from before sealing, whose rows its migration seals)."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        if not inspector.has_table("person"):
            return None
        if not any(c["name"] == "citizen_index" for c in inspector.get_columns("person")):
            return None
        sealed = conn.execute(text("SELECT citizen_number FROM person LIMIT 1")).scalar()
    return None if sealed is None else sealed_key_id(sealed)


def load_or_create_data_key(path: Path, *, sealed_key: str | None) -> bytes:
    """Read the data key; create it only while nothing is sealed (``sealed_key`` is None): a new key for a
    database whose personal data is sealed could open none of it."""
    if not path.exists():
        if sealed_key is not None:
            raise DataKeyProblem(_(
                "The data key file {path} is missing, and this database's personal data is sealed with key "
                "{key}. Copy the data key file from the first desk of this database (or restore it from backup) "
                "to {path}, then start again. Nothing was written.").format(path=path, key=sealed_key))
        _create(path)
    if path.is_dir():
        raise DataKeyProblem(_("The data key file {path} is a folder; [database] data_key_file must name a file "
                               "(it is created on first run).").format(path=path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DataKeyProblem(_("The data key file {path} can be read by other users (mode {mode}); run: "
                               "chmod 600 {path}").format(path=path, mode=oct(mode)))
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (ValueError, UnicodeDecodeError):
        key = b""
    except OSError as error:
        raise DataKeyProblem(_("The data key file {path} cannot be read: {reason}.").format(
            path=path, reason=error.strerror or error)) from error
    if len(key) < 16:
        raise DataKeyProblem(_("The data key file {path} is damaged (expected at least 32 hex characters).").format(
            path=path))
    return key


def _create(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it a moment ago; read theirs
    except OSError as error:
        raise DataKeyProblem(_("The data key file {path} cannot be created: {reason}. Check [database] "
                               "data_key_file and that its folder can be written.").format(
                                   path=path, reason=error.strerror or error)) from error
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")


def bind_data_key(settings: Settings, engine: Engine) -> FieldCipher:
    """Load (or create) the data key and bind it to ``engine``, so its sealed columns read and write plain
    values; refused before anything is written when the key is not the one the data is sealed with."""
    path = settings.data_key_path()
    sealed_key = sealed_with(engine)
    cipher = FieldCipher(load_or_create_data_key(path, sealed_key=sealed_key))
    if sealed_key is not None and sealed_key != cipher.key_id:
        raise DataKeyProblem(_(
            "The data key file {path} (key {mine}) is not the key this database's personal data is sealed with "
            "(key {theirs}). Every desk of a database needs the same data key file: copy it from the first desk "
            "(or restore it from backup) to {path}, then start again. Nothing was written.").format(
                path=path, mine=cipher.key_id, theirs=sealed_key))
    bind_cipher(engine, cipher)
    return cipher


@dataclass(frozen=True)
class Rotation:
    """A finished data key rotation: the new key's id, the old one's, where the old key file was kept,
    and how many values were sealed again."""

    new_key: str
    old_key: str
    old_file: Path
    values: int


def rotate_data_key(settings: Settings, engine: Engine) -> Rotation:
    """Seal every personal value again under a new data key, in one transaction (every desk of the database
    stopped: docs/data-key.md). The new key is written first to ``<key file>.new`` (mode 0600); after the
    commit the old key file becomes ``<key file>.old`` and the new one takes its name. A crash before the
    commit changes nothing; after it, the refusal at the next start names the key the data is sealed with, and
    ``<key file>.new`` is that key."""
    path = settings.data_key_path()
    old = load_or_create_data_key(path, sealed_key=sealed_with(engine))
    fresh = path.with_name(path.name + ".new")
    fresh.unlink(missing_ok=True)
    _create(fresh)
    new = load_or_create_data_key(fresh, sealed_key=None)
    cipher = FieldCipher(new, previous=[old])
    bind_cipher(engine, cipher)
    values = 0
    with engine.begin() as conn:
        for t in SQLModel.metadata.sorted_tables:  # every table with a sealed column (db/tables.py says which)
            sealed = [c for c in t.c if isinstance(c.type, SealedText)]
            indexes = {c.name: c.type.label.split(".", 1)[1] for c in t.c if isinstance(c.type, BlindIndex)}
            rows = conn.execute(select(t.c.id, *sealed)).all() if sealed else []  # opened with the old key
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
    kept = path.with_name(path.name + ".old")
    os.replace(path, kept)
    os.replace(fresh, path)
    return Rotation(cipher.key_id, FieldCipher(old).key_id, kept, values)
