"""Idempotency-Key for creating requests: a retry with the same key returns what the first request created.

The key is claimed (per user) in a savepoint before anything is created, so
of two concurrent requests with one key only one creates; the other finds
the claim and answers with the first result, or with Conflict while the first
is still running. A key reused with a different request is refused
(IdempotencyMismatch). Form records have their own path in `records`; this
serves the other creating requests (screening, queries, locks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict, IdempotencyMismatch, InvalidInput
from edc.db.core import IdempotencyKey

MAX_KEY = 100
T = TypeVar("T")


def once(conn: Connection, *, actor: Actor, key: str | None, resource: str, request: Mapping[str, object],
         now: datetime, create: Callable[[], T], ident: Callable[[T], int], read: Callable[[int], T]) -> T:
    """`create()` once per key: a retry with the same key and request gets `read(id of the first result)`."""
    if key is None:
        return create()
    if not 1 <= len(key) <= MAX_KEY:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY} characters")
    digest = _digest(resource, request)
    first = _replayed(conn, actor, key, digest)
    if first is not None:
        return read(first)
    if not _claim(conn, actor, key, resource, digest, now):
        first = _replayed(conn, actor, key, digest)
        if first is None:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        return read(first)
    created = create()
    conn.execute(update(IdempotencyKey).where(IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key)
                 .values(resource_id=ident(created)))
    return created


def _replayed(conn: Connection, actor: Actor, key: str, digest: str) -> int | None:
    row = conn.execute(select(IdempotencyKey.request_sha256, IdempotencyKey.resource_id)
                       .where(IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key)).one_or_none()
    if row is None:
        return None
    if row.request_sha256 != digest:
        raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
    if row.resource_id is None:
        raise Conflict("a request with this Idempotency-Key is still being processed")
    return int(row.resource_id)


def _claim(conn: Connection, actor: Actor, key: str, resource: str, digest: str, now: datetime) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(insert(IdempotencyKey).values(user_id=actor.user_id, key=key, request_sha256=digest,
                                                       resource=resource, resource_id=None, created_at=now))
    except IntegrityError:
        return False
    return True


def _digest(resource: str, request: Mapping[str, object]) -> str:
    text = json.dumps({"resource": resource, "request": dict(request)}, sort_keys=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()
