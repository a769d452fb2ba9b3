"""Issuer authentication: how the desk proves to the card that it may write it.

The scheme (our own, simple, symmetric; in the field a PSAM or HSM holds the key):

1. The desk sends GET CHALLENGE ``00 84 00 00 08``; the card answers 8 random bytes and remembers them.
2. The desk sends EXTERNAL AUTHENTICATE ``00 82 00 01 10 <C>`` where
   ``C = HMAC-SHA256(issuer_key, challenge)[:16]``.
3. The card computes the same; if equal it answers 9000 and allows UPDATE RECORD and RESET RETRY COUNTER
   until the next power-off, reset or SELECT of the application; otherwise it answers 6300. A challenge
   is good for one attempt only.

Key file: a text file holding the key as hexadecimal digits (16 to 64 bytes, i.e. 32 to 128 hex
digits); whitespace and line breaks are ignored, and lines starting with ``#`` are comments. The
training outlet's key is :data:`TRAINING_ISSUER_KEY`, which the virtual card accepts by default.

The desk never needs the key itself, only the answer to a challenge: :class:`IssuerAuthority` is that one
method. :class:`KeyIssuer` answers with a key read from a key file (the training outlet's test key); a real
outlet's PSAM or HSM implements the same method, and the card operations (personalisation, PIN reset) take
any of them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from outlet_desk.private_files import write_private
from outlet_desk.reader.apdu import AUTH_CRYPTOGRAM_LENGTH
from outlet_desk.reader.errors import IssuerKeyError

MIN_KEY_BYTES = 16
MAX_KEY_BYTES = 64

TRAINING_ISSUER_KEY = bytes.fromhex("5452414954494e472d4f55544c45542d4b45592d30303031")
"""The issuer test key the training outlet holds (24 bytes)."""


def cryptogram(key: bytes, challenge: bytes) -> bytes:
    """``HMAC-SHA256(key, challenge)`` truncated to 16 bytes."""
    return hmac.new(key, challenge, hashlib.sha256).digest()[:AUTH_CRYPTOGRAM_LENGTH]


def cryptogram_matches(key: bytes, challenge: bytes, candidate: bytes) -> bool:
    return hmac.compare_digest(cryptogram(key, challenge), candidate)


@runtime_checkable
class IssuerAuthority(Protocol):
    """Whoever holds the issuer's key: answers the card's challenge (step 2 above) without giving the key out."""

    def answer_challenge(self, challenge: bytes) -> bytes:
        """The cryptogram for ``challenge`` (16 bytes); raises :class:`IssuerKeyError` when the key is missing."""


@dataclass(frozen=True)
class KeyIssuer:
    """The issuer's key held in memory (a test key)."""

    key: bytes = field(repr=False)

    def answer_challenge(self, challenge: bytes) -> bytes:
        return cryptogram(self.key, challenge)


def parse_issuer_key(text: str) -> bytes:
    """The key from a key file's text (format in the module docstring)."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    digits = "".join("".join(lines).split())
    try:
        key = bytes.fromhex(digits)
    except ValueError as exc:
        raise IssuerKeyError("issuer key file is not hexadecimal") from exc
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise IssuerKeyError(f"issuer key is {len(key)} bytes, expected {MIN_KEY_BYTES}..{MAX_KEY_BYTES}")
    return key


def load_issuer_key(path: Path) -> bytes:
    """Read and parse the key file at ``path``."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise IssuerKeyError(f"{path}: {exc}") from exc
    return parse_issuer_key(text)


def write_issuer_key(path: Path, key: bytes) -> None:
    """Write ``key`` as a key file (mode 0600 from the start, its folder 0700 if it is made here)."""
    write_private(path, "# outlet desk issuer key (hex)\n" + key.hex() + "\n", encoding="ascii")
