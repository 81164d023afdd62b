"""Storage of access: users, their role grants, login throttles (failed logins), bearer tokens (as SHA-256).

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from edc.app.kernel.errors import Conflict
from edc.app.kernel.permissions import Grant
from edc.db.core import ApiToken, LoginThrottle, RoleAssignment, Site, Study, User

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
            key = conn.execute(insert(User).values(**values, is_active=True, created_at=now)).inserted_primary_key
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


# --- login throttles ----------------------------------------------------------------------------

def throttles(conn: Connection, keys: Sequence[tuple[str, str]]) -> list[AnyRow]:
    """The stored throttle rows (kind, key, failures, last_failure, blocked_until) of `keys`, unlocked."""
    if not keys:
        return []
    return list(conn.execute(select(LoginThrottle).where(
        or_(*((LoginThrottle.kind == kind) & (LoginThrottle.key == key) for kind, key in keys)))).all())


def lock_throttle(conn: Connection, kind: str, key: str, now: datetime) -> AnyRow:
    """The throttle row of (kind, key), created when missing, locked until the transaction ends.

    Created with `ON CONFLICT DO NOTHING` (a concurrent creation waits on the
    key, then finds the row), then read `FOR UPDATE` on PostgreSQL (READ
    COMMITTED: the latest committed count); SQLite's writers are serialised
    already (a login is a write transaction, BEGIN IMMEDIATE).
    """
    insert_ = pg_insert(LoginThrottle) if conn.dialect.name == "postgresql" else sqlite_insert(LoginThrottle)
    conn.execute(insert_.values(kind=kind, key=key, failures=0, last_failure=now, blocked_until=None)
                 .on_conflict_do_nothing(index_elements=["kind", "key"]))
    query = select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return conn.execute(query).one()


def set_throttle(conn: Connection, kind: str, key: str, *, failures: int, last_failure: datetime,
                 blocked_until: datetime | None) -> None:
    """Store a throttle row's new count, last failure and wait (the row is locked by `lock_throttle`)."""
    conn.execute(update(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
                 .values(failures=failures, last_failure=last_failure, blocked_until=blocked_until))


def purge_throttles(conn: Connection, quiet_before: datetime) -> None:
    """Delete the throttle rows with no failure since `quiet_before` (forgotten counters), so the table stays
    as small as the failures of the last minutes, however many names are guessed. On PostgreSQL rows another
    login holds are skipped (`SKIP LOCKED`), so purging never waits for, or deadlocks with, a login."""
    stale = select(LoginThrottle.kind, LoginThrottle.key).where(LoginThrottle.last_failure < quiet_before)
    if conn.dialect.name != "sqlite":
        stale = stale.with_for_update(skip_locked=True)
    conn.execute(delete(LoginThrottle).where(tuple_(LoginThrottle.kind, LoginThrottle.key).in_(stale)))


def clear_throttle(conn: Connection, kind: str, key: str) -> None:
    """Forget the failures of (kind, key): its row is deleted."""
    conn.execute(delete(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key))


def blocked_until(conn: Connection, kind: str) -> dict[str, datetime]:
    """key -> blocked_until of every throttle row of `kind` that has a wait set (it may have ended)."""
    rows = conn.execute(select(LoginThrottle.key, LoginThrottle.blocked_until)
                        .where(LoginThrottle.kind == kind, LoginThrottle.blocked_until.is_not(None)))
    return {str(r.key): r.blocked_until for r in rows}


def store_rehash(conn: Connection, user_id: int, new_hash: str) -> None:
    """Store the password's new hash (its cost was outdated)."""
    conn.execute(update(User).where(User.id == user_id).values(password_hash=new_hash))


# --- tokens -------------------------------------------------------------------------------------

def insert_token(conn: Connection, *, user_id: int, token_sha256: str, now: datetime, expires_at: datetime) -> int:
    """Store a token's digest for the user; return the token's id."""
    key = conn.execute(insert(ApiToken).values(user_id=user_id, token_sha256=token_sha256, created_at=now,
                                               expires_at=expires_at)).inserted_primary_key
    assert key is not None
    return int(key[0])


_TOKEN_HOLDER = (
    select(ApiToken.expires_at, ApiToken.revoked_at, User.id, User.username, User.full_name, User.is_active,
           RoleAssignment.role, RoleAssignment.study_id, RoleAssignment.site_id)
    .join(User, User.id == ApiToken.user_id).outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
    .where(ApiToken.token_sha256 == bindparam("token_sha256")).order_by(RoleAssignment.id))


def token_holder(conn: Connection, token_sha256: str) -> list[AnyRow]:
    """The token's expiry and revocation with its user (id, username, full_name, is_active) and the user's grants
    (role, study_id, site_id), one row per grant in grant order (one row of null grant columns for a user
    without any); empty for an unknown token. One statement, built once: every authenticated request sends it."""
    return list(conn.execute(_TOKEN_HOLDER, {"token_sha256": token_sha256}).all())


def revoke_token(conn: Connection, token_sha256: str, user_id: int, now: datetime) -> int:
    """Revoke the user's live token with this digest; how many were revoked (0 or 1)."""
    return int(conn.execute(update(ApiToken).where(
        ApiToken.token_sha256 == token_sha256, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount)


def revoke_all(conn: Connection, user_id: int, now: datetime) -> int:
    """Revoke every live token of the user; how many."""
    return int(conn.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=now)).rowcount)
