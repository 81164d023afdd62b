"""Users, logins and bearer tokens: creating users with their grants, logging in, authenticating requests.

- `create_user` validates and stores a user and their role grants;
- `login` checks a password and gives a bearer token. A refusal is returned,
  never raised, after the failure counters and the audit event are written,
  so the caller commits them before answering 401. Failures throttle later
  logins of the account and from the client address with a growing wait
  (`edc.app.access.throttle`); a login during a wait is refused as
  `THROTTLED` with its `retry_after`, its password unchecked. Failures never
  end live tokens. An unknown username is audited without its text (it may be
  a password typed in the wrong field);
- `reauthenticate` checks a logged-in user's password again (signatures);
  its wrong passwords count against the account's throttle;
- `revoke_token` and `revoke_all` end tokens before they expire.

Turning a token into the `Principal` with its grants is `edc.app.access.tokens`;
the SQL is in
`edc.app.access.store`. Every function works inside the caller's transaction
and never commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from edc import audit, config
from edc.app.access import passwords, store, throttle, tokens
from edc.app.access.clock import aware
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import Conflict, InvalidInput, Unauthenticated
from edc.app.kernel.permissions import ROLE_PERMISSIONS, SITE_ROLES, Grant

#: Usernames: lower-case letters, digits, `.`, `_`, `-`, starting with a letter, 2 to 30 characters.
USERNAME_PATTERN = re.compile(r"[a-z][a-z0-9._-]{1,29}")
#: Refusal reasons of `LoginOutcome`. Tell clients BAD_CREDENTIALS and INACTIVE apart never: it would reveal
#: that the user exists. THROTTLED (answered 429) reveals nothing: unknown usernames are throttled alike.
BAD_CREDENTIALS, INACTIVE, THROTTLED = "bad_credentials", "inactive", "throttled"
_AUDIT_ITEM_LENGTH = 30


@dataclass(frozen=True)
class GrantSpec:
    """A grant as an administrator writes it: a role, a study id (None: every study), a site code."""

    role: str
    study_id: str | None = None
    site_code: str | None = None

    def __str__(self) -> str:
        return ":".join(p for p in (self.role, self.study_id, self.site_code) if p is not None)


@dataclass(frozen=True)
class LoginOutcome:
    """A login's result: the user and token (its only appearance in plain text), or the refusal's reason.

    A refusal carries no user id: a wrong password and an unknown username give equal outcomes.
    `retry_after` is the whole seconds a THROTTLED login must wait.
    """

    ok: bool
    user_id: int | None = None
    token: str | None = None
    expires_at: datetime | None = None
    reason: str | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class UserSummary:
    """A user as listed: identity, grants, whether active and until when new logins must wait (None: no wait set;
    it may have ended already)."""

    user_id: int
    username: str
    full_name: str
    email: str | None
    is_active: bool
    throttled_until: datetime | None
    grants: tuple[GrantSpec, ...]


def create_user(conn: Connection, *, username: str, full_name: str, password: str, grants: Sequence[GrantSpec],
                now: datetime, email: str | None = None, created_by: int | None = None) -> int:
    """Store a new user with `grants`, audited as `user.create` and one `user.grant` each; return the id.

    Raises `InvalidInput` for a bad username, name, email or password, an
    unknown role, study or site, or a site-staff grant without a site;
    `Conflict` when the username is taken. Nothing is written then.
    """
    _check_identity(username, full_name, email)
    problem = passwords.password_problem(password)
    if problem is not None:
        raise InvalidInput(problem)
    specs = _distinct(grants)
    resolved = [_resolve_grant(conn, spec) for spec in specs]
    if store.username_taken(conn, username):
        raise Conflict(f"username '{username}' is taken")
    user_id = store.insert_user(conn, username=username, full_name=full_name, email=email,
                                password_hash=passwords.hash_password(password), now=now)
    audit.append(conn, action="user.create", occurred_at=now, user_id=created_by, item=username,
                 new_value={"user_id": user_id, "full_name": full_name, "email": email})
    for spec, grant in zip(specs, resolved, strict=True):
        store.insert_grant(conn, user_id, grant)
        audit.append(conn, action="user.grant", occurred_at=now, user_id=created_by, study_id=grant.study_id,
                     site_id=grant.site_id, item=username, new_value=str(spec))
    return user_id


def _check_identity(username: str, full_name: str, email: str | None) -> None:
    """InvalidInput for a bad username, full name or email address."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput(f"username '{username}' is not valid: 2 to 30 lower-case letters, digits, '.', '_' "
                           "or '-', starting with a letter")
    if not full_name.strip() or len(full_name) > 200:
        raise InvalidInput("the full name must have 1 to 200 characters")
    if email is not None and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise InvalidInput(f"email '{email}' is not a valid address")


def _distinct(grants: Sequence[GrantSpec]) -> list[GrantSpec]:
    """The grants, refused when there are none or one is listed twice."""
    if not grants:
        raise InvalidInput("a user needs at least one grant (role[:study[:site]])")
    if len(set(grants)) != len(grants):
        raise InvalidInput("a grant is listed twice")
    return list(grants)


def _resolve_grant(conn: Connection, spec: GrantSpec) -> Grant:
    """The stored form of `spec` (site code -> site id), refused with a message when it names nothing real."""
    if spec.role not in ROLE_PERMISSIONS:
        raise InvalidInput(f"unknown role '{spec.role}' (roles: {', '.join(ROLE_PERMISSIONS)})")
    if spec.role in SITE_ROLES and spec.site_code is None:
        raise InvalidInput(f"grant '{spec}': site staff ({spec.role}) must be granted a study and a site, "
                           f"e.g. {spec.role}:STUDY:01")
    if spec.study_id is None:
        if spec.site_code is not None:
            raise InvalidInput(f"grant '{spec}' names a site but no study")
        return Grant(spec.role, None, None)
    if not store.study_exists(conn, spec.study_id):
        raise InvalidInput(f"unknown study '{spec.study_id}' in grant '{spec}'")
    if spec.site_code is None:
        return Grant(spec.role, spec.study_id, None)
    site_id = store.site_id(conn, spec.study_id, spec.site_code)
    if site_id is None:
        raise InvalidInput(f"study '{spec.study_id}' has no site '{spec.site_code}' (grant '{spec}')")
    return Grant(spec.role, spec.study_id, site_id)


def login(conn: Connection, *, username: str, password: str, now: datetime, address: str) -> LoginOutcome:
    """Check the password and give a token, or refuse; see the module docstring. Never raises for bad credentials.

    `address` is the client's (the request's client host). Every outcome but
    THROTTLED writes (counters, token, audit event): call it in a write
    transaction (`edc.db.engine.WRITE`).
    """
    now = aware(now)
    address = _storable(address or throttle.UNKNOWN_ADDRESS)
    keys = (throttle.account_key(username), throttle.address_key(address))
    wait = throttle.wait_seconds(conn, keys, now)
    if wait is not None:  # refused before the password is checked; not counted, so the wait is not extended
        return LoginOutcome(ok=False, reason=THROTTLED, retry_after=wait)
    user = None
    if USERNAME_PATTERN.fullmatch(username):  # anything else names nobody (and may hold what no database stores)
        user = store.user_by_name(conn, username)
    if user is None:
        passwords.verify_dummy(password)  # as slow as a wrong password
        _record_failure(conn, keys, now, None, None, "unknown user", address)
        return LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    verified = passwords.verify_password(user.password_hash, password)
    if not user.is_active:
        _record_failure(conn, keys, now, user.id, username, "account inactive", address)
        return LoginOutcome(ok=False, reason=INACTIVE)
    if not verified.ok:
        _record_failure(conn, keys, now, user.id, username, "wrong password", address)
        return LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    throttle.forget(conn, keys[0])
    return _succeed(conn, user.id, username, verified.new_hash, now)


def reauthenticate(conn: Connection, *, user_id: int, password: str, now: datetime) -> bool:
    """Check the password of a logged-in user again (electronic signature); a wrong one counts as a failed login.

    Refused unchecked while the account's logins must wait. Writes like `login`
    (failure count, audit event): the caller must commit even when it refuses.
    """
    now = aware(now)
    user = store.user_by_id(conn, user_id)
    key = throttle.account_key(user.username)
    if not user.is_active:
        _audit_auth(conn, "auth.reauth_failed", now, user.id, user.username, reason="account inactive")
        return False
    wait = throttle.wait_seconds(conn, (key,), now)
    if wait is not None:
        _audit_auth(conn, "auth.reauth_failed", now, user.id, user.username, reason="logins throttled",
                    new_value={"retry_after": wait})
        return False
    verified = passwords.verify_password(user.password_hash, password)
    if not verified.ok:
        _record_failure(conn, (key,), now, user.id, user.username, "wrong password", None)
        return False
    throttle.forget(conn, key)
    return True


def _record_failure(conn: Connection, keys: Sequence[tuple[str, str]], now: datetime, user_id: int | None,
                    username: str | None, reason: str, address: str | None) -> None:
    """Count the failure on each throttle key (account first, then address: one lock order) and audit it.

    `username` is None for an unknown user: the typed text is never stored.
    """
    counted = throttle.count_failures(conn, keys, now)
    where = {} if address is None else {"address": address}
    _audit_auth(conn, "auth.login_failed", now, user_id, username, reason=reason,
                new_value={**where, "failures": counted[0].failures})
    for count in counted:
        if count.blocked_until is None:
            continue
        subject = "this account" if count.kind == throttle.ACCOUNT else "this address"
        _audit_auth(conn, "auth.throttle", now, user_id, username if count.kind == throttle.ACCOUNT else None,
                    reason=f"{count.failures} failed logins of {subject}",
                    new_value={"kind": count.kind, **where, "failures": count.failures,
                               "until": count.blocked_until})


def _succeed(conn: Connection, user_id: int, username: str, new_hash: str | None, now: datetime) -> LoginOutcome:
    """Store a rehash if one is due, issue and audit the token."""
    if new_hash is not None:
        store.store_rehash(conn, user_id, new_hash)
    token = tokens.new_token()
    expires_at = now + timedelta(minutes=config.token_ttl_minutes())
    token_id = store.insert_token(conn, user_id=user_id, token_sha256=tokens.digest(token), now=now,
                                  expires_at=expires_at)
    _audit_auth(conn, "auth.login", now, user_id, username, new_value={"token_id": token_id, "expires_at": expires_at})
    return LoginOutcome(ok=True, user_id=user_id, token=token, expires_at=expires_at)


def revoke_token(conn: Connection, token: str, now: datetime, user_id: int) -> None:
    """Revoke `user_id`'s token (log out), audited as `auth.logout`; `Unauthenticated` when it is not theirs or live."""
    if store.revoke_token(conn, tokens.digest(token), user_id, now) != 1:
        raise Unauthenticated("the token is unknown or already revoked")
    _audit_auth(conn, "auth.logout", now, user_id, store.username(conn, user_id))


def revoke_all(conn: Connection, user_id: int, now: datetime, by: int | None) -> int:
    """Revoke every live token of `user_id` (audited as `auth.revoke_all` by `by`); return how many."""
    revoked = store.revoke_all(conn, user_id, now)
    _audit_auth(conn, "auth.revoke_all", now, by, store.username(conn, user_id), new_value=revoked)
    return revoked


def list_users(conn: Connection) -> list[UserSummary]:
    """Every user by username, with grants as written (role:study:site code) and their account's wait."""
    grants: dict[int, list[GrantSpec]] = {}
    for row in store.all_grants(conn):
        grants.setdefault(int(row.user_id), []).append(GrantSpec(row.role, row.study_id, row.code))
    waits = store.blocked_until(conn, throttle.ACCOUNT)

    def until(username: str) -> datetime | None:
        found = waits.get(throttle.account_key(username)[1])
        return None if found is None else stored_utc(found)

    return [UserSummary(u.id, u.username, u.full_name, u.email, u.is_active, until(u.username),
                        tuple(grants.get(u.id, ()))) for u in store.users(conn)]


def _audit_auth(conn: Connection, action: str, now: datetime, user_id: int | None, username: str | None, *,
                reason: str | None = None, new_value: object = None) -> None:
    """Append one `auth.*` event; its item is the (storable, shortened) username."""
    item = None if username is None else _storable(username)[:_AUDIT_ITEM_LENGTH]
    audit.append(conn, action=action, occurred_at=now, user_id=user_id, item=item, reason=reason,
                 new_value=new_value)


def _storable(text: str) -> str:
    """`text` with what no database stores (NUL, lone surrogates) replaced: a typed username is arbitrary."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
