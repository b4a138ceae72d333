"""Password hashing with Argon2id, run in a worker thread so a sign-in never stalls the event loop."""

from __future__ import annotations

import functools

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_LENGTH = 10
MAX_LENGTH = 256


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so both paths take the same time. Made at the first
    sign-in of either kind (so that one pays it whatever the account), not at import: Argon2 takes a worker's
    start-up a quarter of a second and 64 MB."""
    return _hasher.hash("giuria-timing-equaliser")


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Why a new password is refused, as message ids for translation; empty when acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("password_too_short")
    if len(password) > MAX_LENGTH:
        problems.append("password_too_long")
    if len(set(password)) < 4 or (email and password.lower() == email.lower()):
        problems.append("password_too_simple")
    return problems


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def _verify(stored_hash: str, password: str) -> bool:
    dummy = _dummy_hash()
    try:
        return _hasher.verify(stored_hash or dummy, password) and bool(stored_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; an empty or missing hash never matches but costs the same."""
    return await anyio.to_thread.run_sync(_verify, stored_hash or "", password)


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
