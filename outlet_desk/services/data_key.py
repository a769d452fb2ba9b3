"""The data key that seals personal data at rest (``db/sealing.py``): read from ``[database] data_key_file``,
or created there (32 random bytes, hex, mode 0600) while the database holds no sealed personal data;
refused when it is not the key that data is sealed with. Rotation: docs/data-key.md.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from outlet_desk.config import Settings
from outlet_desk.db import tables  # noqa: F401  (the tables register on SQLModel.metadata)
from outlet_desk.db.sealing import FieldCipher, bind_cipher, sealed_key_id
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
        create_key_file(path)
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


def create_key_file(path: Path) -> None:
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
