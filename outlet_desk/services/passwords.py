"""Password hashing: argon2id at (at least) OWASP ASVS 5's minimum: m = 19 MiB, t = 2, p = 1."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# A fixed hash to verify against when the user does not exist, so the reply takes as long either way.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
