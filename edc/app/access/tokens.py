"""Bearer tokens: issuing one (only its SHA-256 is stored) and authenticating a request's token to a `Principal`.

Tokens are `secrets.token_urlsafe(32)`. A token authenticates while it is
neither expired nor revoked and its user is active; failed logins never end
it (they throttle new logins, `edc.app.access.throttle`). The principal
carries the user's well-formed grants.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from edc.app.access import store
from edc.app.access.clock import aware
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import NotFound, Unauthenticated
from edc.app.kernel.permissions import SITE_ROLES, Grant, Principal


def new_token() -> str:
    """A fresh random token, to be given to the client once; store only its `digest`."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The SHA-256 (hex) a token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def authenticate(conn: Connection, token: str, now: datetime) -> Principal:
    """The principal of a valid token; `Unauthenticated` for an unknown, expired or revoked one or an inactive user."""
    now = aware(now)
    rows = store.token_holder(conn, digest(token))
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None or stored_utc(row.expires_at) <= now:
        raise Unauthenticated("the token is unknown, expired or revoked; log in again")
    if not row.is_active:
        raise Unauthenticated("the account is inactive")
    return Principal(user_id=int(row.id), username=row.username, full_name=row.full_name,
                     grants=_well_formed_grants(r for r in rows if r.role is not None))


def principal_named(conn: Connection, username: str) -> Principal:
    """The principal of an active user by name, for the command line (whoever runs it holds the database URL and
    acts as that user, with that user's grants); NotFound for an unknown or inactive user."""
    row = store.user_by_name(conn, username)
    if row is None or not row.is_active:
        raise NotFound(f"no active user '{username}'")
    return Principal(user_id=int(row.id), username=row.username, full_name=row.full_name,
                     grants=_grants(conn, int(row.id)))


def _grants(conn: Connection, user_id: int) -> tuple[Grant, ...]:
    """The user's stored grants, well-formed ones only."""
    return _well_formed_grants(store.user_grants(conn, user_id))


def _well_formed_grants(rows: Iterable[store.AnyRow]) -> tuple[Grant, ...]:
    """Grants of (role, study_id, site_id) rows; a malformed one (site staff without a site) is left out, so it
    grants nothing."""
    return tuple(Grant(r.role, r.study_id, r.site_id) for r in rows if _well_formed(r.role, r.study_id, r.site_id))


def _well_formed(role: str, study_id: str | None, site_id: int | None) -> bool:
    """Site staff need a site, and a site needs its study."""
    return not (role in SITE_ROLES and site_id is None) and not (site_id is not None and study_id is None)
