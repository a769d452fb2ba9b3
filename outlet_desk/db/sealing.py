"""Personal data sealed at rest: AES-GCM for the values, a keyed blind index (HMAC-SHA256) for exact lookups.

One data key (32 random bytes in a file outside the database, ``[database] data_key_file``) gives two
keys through HKDF-SHA256: one encrypts, the other computes blind indexes, so an index reveals nothing
about the encryption key and the other way round. A sealed value is
``version (1 byte) | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext and tag``, with the
column's label (``"person.citizen_number"``) as associated data: a value copied into another column does
not open. The key id names the data key, so a desk started with another key is told so, and a key
rotation (docs/data-key.md) can read values sealed with the previous key while it seals them again.

The cipher is bound to an engine (:func:`bind_cipher`); the column types (``db/types.py``) find it through
the engine's dialect, so services and screens read and write plain values.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from weakref import WeakKeyDictionary

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Dialect, Engine

FORMAT_VERSION = 1
_HEADER = 1 + 4 + 12  # version, key id, nonce


class SealingError(Exception):
    """A sealed value that cannot be opened, or no data key where one is needed."""


class NoDataKey(SealingError):
    """Personal data was read or written through an engine that has no data key bound to it."""

    def __init__(self) -> None:
        super().__init__("no data key is bound to this database engine (services.data_key.bind_data_key)")


class WrongDataKey(SealingError):
    """A value sealed with a data key this cipher does not hold (its key id is another)."""

    def __init__(self, found: str) -> None:
        super().__init__(f"a value sealed with data key {found}, which this desk does not hold")
        self.found = found


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


class DataKey:
    """One data key: its id and the two keys derived from it."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a data key has at least 16 bytes")
        self.key_id = hmac.new(key, b"outlet-desk data key id", hashlib.sha256).digest()[:4]
        self.aead = AESGCM(_derive(key, b"outlet-desk personal data v1"))
        self.index_key = _derive(key, b"outlet-desk blind index v1")

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()


class FieldCipher:
    """Seals and opens personal values with the current data key; opens values sealed with ``previous`` keys
    too (during a rotation). Blind indexes always use the current key."""

    def __init__(self, key: bytes, previous: Iterable[bytes] = ()) -> None:
        self.current = DataKey(key)
        self._keys = {self.current.key_id: self.current}
        for old in previous:
            data_key = DataKey(old)
            self._keys.setdefault(data_key.key_id, data_key)

    @property
    def key_id(self) -> str:
        return self.current.key_id_hex

    def seal(self, plain: str, label: str) -> bytes:
        nonce = os.urandom(12)
        body = self.current.aead.encrypt(nonce, plain.encode("utf-8"), label.encode())
        return bytes([FORMAT_VERSION]) + self.current.key_id + nonce + body

    def open(self, sealed: bytes, label: str) -> str:
        sealed = bytes(sealed)
        if len(sealed) < _HEADER + 16 or sealed[0] != FORMAT_VERSION:
            raise SealingError(f"{label}: not a sealed value")
        data_key = self._keys.get(sealed[1:5])
        if data_key is None:
            raise WrongDataKey(sealed[1:5].hex())
        try:
            plain = data_key.aead.decrypt(sealed[5:_HEADER], sealed[_HEADER:], label.encode())
        except InvalidTag:
            raise SealingError(f"{label}: a sealed value was altered") from None
        return plain.decode("utf-8")

    def blind(self, plain: str, label: str) -> str:
        """The blind index of ``plain`` in the index ``label``: HMAC-SHA256, hex (equal values, equal index)."""
        message = label.encode() + b"\x00" + plain.encode("utf-8")
        return hmac.new(self.current.index_key, message, hashlib.sha256).hexdigest()


def sealed_key_id(sealed: bytes) -> str:
    """The id of the data key a sealed value was sealed with (hex)."""
    return bytes(sealed)[1:5].hex()


_CIPHERS: WeakKeyDictionary[Dialect, FieldCipher] = WeakKeyDictionary()


def bind_cipher(engine: Engine, cipher: FieldCipher) -> None:
    """Every sealed column read or written through ``engine`` uses ``cipher`` from now on."""
    _CIPHERS[engine.dialect] = cipher


def cipher_of(dialect: Dialect) -> FieldCipher:
    """The cipher bound to the engine of ``dialect``; :class:`NoDataKey` when there is none."""
    cipher = _CIPHERS.get(dialect)
    if cipher is None:
        raise NoDataKey()
    return cipher


def bound_cipher(dialect: Dialect) -> FieldCipher | None:
    """The cipher bound to the engine of ``dialect``, if any (for a migration that may have nothing to seal)."""
    return _CIPHERS.get(dialect)
