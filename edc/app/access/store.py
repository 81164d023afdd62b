"""Storage of access: users, their role grants, failed-login counters and lock-outs, bearer tokens (as SHA-256).

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from edc.app.kernel.errors import Conflict
from edc.app.kernel.permissions import Grant
from edc.db.core import ApiToken, RoleAssignment, Site, Study, User

AnyRow = Row[*tuple[Any, ...]]


# --- users and grants ---------------------------------------------------------------------------

def username_taken(conn: Connection, username: str) -> bool:
    """Whether a user has `username`."""
    return conn.execute(select(User.id).where(User.username == username)).first() is not None


def study_exists(conn: Connection, study_id: str) -> bool:
    """Whether the study is registered."""
    return conn.execute(select(Study.id).where(Study.id == study_id)).first() is not None


def site_id(conn: Connection, study_id: str, site_code: str) -> int | None:
    """The id of the study's site `site_code`, None when it has none."""
    found = conn.execute(select(Site.id).where(Site.study_id == study_id, Site.code == site_code)).scalar()
    return None if found is None else int(found)


def insert_user(conn: Connection, **values: Any) -> int:
    """Insert the user row in a savepoint: a username taken concurrently is a `Conflict`, not a failed transaction."""
    now = values.pop("now")
    try:
        with conn.begin_nested():
            key = conn.execute(insert(User).values(**values, is_active=True, failed_logins=0,
                                                   created_at=now)).inserted_primary_key
    except IntegrityError:
        raise Conflict(f"username '{values['username']}' is taken") from None
    assert key is not None
    return int(key[0])


def insert_grant(conn: Connection, user_id: int, grant: Grant) -> None:
    """Store one role grant of the user."""
    conn.execute(insert(RoleAssignment).values(user_id=user_id, role=grant.role, study_id=grant.study_id,
                                               site_id=grant.site_id))


def user_by_name(conn: Connection, username: str) -> AnyRow | None:
    """The user row named `username`, None when there is none."""
    return conn.execute(select(User).where(User.username == username)).one_or_none()


def user_by_id(conn: Connection, user_id: int) -> AnyRow:
    """The user row `user_id`."""
    return conn.execute(select(User).where(User.id == user_id)).one()


def username(conn: Connection, user_id: int) -> str | None:
    """The username of `user_id`, None when there is no such user."""
    return conn.execute(select(User.username).where(User.id == user_id)).scalar()


def users(conn: Connection) -> list[AnyRow]:
    """Every user row, by username."""
    return list(conn.execute(select(User).order_by(User.username)).all())


def user_grants(conn: Connection, user_id: int) -> list[AnyRow]:
    """(role, study_id, site_id) of the user's stored grants, in grant order."""
    return list(conn.execute(select(RoleAssignment.role, RoleAssignment.study_id, RoleAssignment.site_id)
                             .where(RoleAssignment.user_id == user_id).order_by(RoleAssignment.id)).all())


def all_grants(conn: Connection) -> list[AnyRow]:
    """(user_id, role, study_id, site code) of every stored grant, in grant order."""
    return list(conn.execute(select(RoleAssignment.user_id, RoleAssignment.role, RoleAssignment.study_id, Site.code)
                             .outerjoin(Site, Site.id == RoleAssignment.site_id).order_by(RoleAssignment.id)).all())


# --- failed logins ------------------------------------------------------------------------------

def count_failure(conn: Connection, user_id: int) -> int:
    """Add one failed login to the user's count (atomically) and return the count."""
    conn.execute(update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1))
    return int(conn.execute(select(User.failed_logins).where(User.id == user_id)).scalar_one())


def lock_out(conn: Connection, user_id: int, until: datetime) -> None:
    """Lock the account until `until`; the failure count starts again."""
    conn.execute(update(User).where(User.id == user_id).values(failed_logins=0, locked_until=until))


def reset_failures(conn: Connection, user_id: int) -> None:
    """Set the failure count back to 0."""
    conn.execute(update(User).where(User.id == user_id).values(failed_logins=0))


def record_success(conn: Connection, user_id: int, new_hash: str | None) -> None:
    """After a login: reset the failure count and lock, and store the rehash when one is due."""
    reset: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if new_hash is not None:
        reset["password_hash"] = new_hash
    conn.execute(update(User).where(User.id == user_id).values(**reset))


# --- tokens -------------------------------------------------------------------------------------

def insert_token(conn: Connection, *, user_id: int, token_sha256: str, now: datetime, expires_at: datetime) -> int:
    """Store a token's digest for the user; return the token's id."""
    key = conn.execute(insert(ApiToken).values(user_id=user_id, token_sha256=token_sha256, created_at=now,
                                               expires_at=expires_at)).inserted_primary_key
    assert key is not None
    return int(key[0])


def token_holder(conn: Connection, token_sha256: str) -> AnyRow | None:
    """The token's expiry and revocation with its user (id, username, full_name, is_active, locked_until)."""
    return conn.execute(
        select(ApiToken.expires_at, ApiToken.revoked_at, User.id, User.username, User.full_name, User.is_active,
               User.locked_until)
        .join(User, User.id == ApiToken.user_id).where(ApiToken.token_sha256 == token_sha256)).one_or_none()


def revoke_token(conn: Connection, token_sha256: str, user_id: int, now: datetime) -> int:
    """Revoke the user's live token with this digest; how many were revoked (0 or 1)."""
    return int(conn.execute(update(ApiToken).where(
        ApiToken.token_sha256 == token_sha256, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount)


def revoke_all(conn: Connection, user_id: int, now: datetime) -> int:
    """Revoke every live token of the user; how many."""
    return int(conn.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=now)).rowcount)
