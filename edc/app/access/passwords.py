"""Password hashing with Argon2id (argon2-cffi): the password policy, hashing, verifying and rehashing.

The cost is argon2-cffi's default; `EDC_ARGON2_PROFILE=test` switches to the
cheapest parameters so test suites stay fast (never use it in production).
The setting is read at every call, and a hash records its own parameters,
so hashes made under one profile verify under the other and are rehashed
at the next successful login (`Verified.new_hash`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from edc import config

#: The shortest password accepted for a new user.
MIN_PASSWORD_LENGTH = 12
#: The longest one (hashing cost grows with the length; nobody types more).
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class Verified:
    """Whether the password matched, and a fresh hash to store when the stored one's cost is outdated."""

    ok: bool
    new_hash: str | None = None


def password_problem(password: str) -> str | None:
    """Why `password` is not acceptable for a new user, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "the password must not be blank"
    return None


def hash_password(password: str) -> str:
    """The Argon2id hash of `password` under the current profile."""
    return _hasher(config.argon2_profile()).hash(_bytes(password))


def verify_password(stored_hash: str, password: str) -> Verified:
    """Check `password` against `stored_hash`; a malformed stored hash never matches."""
    hasher = _hasher(config.argon2_profile())
    try:
        hasher.verify(stored_hash, _bytes(password))
    except (VerificationError, InvalidHashError):
        return Verified(ok=False)
    if hasher.check_needs_rehash(stored_hash):
        return Verified(ok=True, new_hash=hasher.hash(_bytes(password)))
    return Verified(ok=True)


def verify_dummy(password: str) -> None:
    """Spend the time of a real verification, so an unknown username answers as slowly as a wrong password."""
    verify_password(_dummy_hash(config.argon2_profile()), password)


def _bytes(password: str) -> bytes:
    """UTF-8, letting a lone surrogate through (a JSON body may carry one) instead of failing."""
    return password.encode("utf-8", "surrogatepass")


@cache
def _hasher(profile: str) -> PasswordHasher:
    if profile == "test":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("no user has this password, it only costs time")
