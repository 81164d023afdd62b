"""The request's unit of work: one database transaction, the caller authenticated and authorised inside it.

The caller was authenticated before the handler read its body (`admission`).
Controllers open `acting(request, study_id, permission, write=...)` and call
services with what it yields. The transaction commits when the block ends
normally and rolls back on any exception, so a change and its audit events
are stored together or not at all (services never commit). Write requests
take SQLite's write lock up front (see `edc.db.engine`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from sqlalchemy import Connection, Engine

from edc.app.access.tokens import authenticate
from edc.app.kernel.actor import Actor
from edc.app.kernel.admission import admitted_principal, bearer_token
from edc.app.kernel.errors import NotFound
from edc.app.kernel.permissions import Permission, Principal, actor_for
from edc.audit.sequencer import audited_transaction
from edc.db.engine import WRITE
from edc.definitions.catalog import Catalog, StudyDefinition

STATE_KEY = "edc"


@dataclass(frozen=True)
class AppState:
    """What every request needs: the database engine and the loaded definitions."""

    engine: Engine
    catalog: Catalog


@dataclass(frozen=True)
class Scope:
    """An authorised request inside its transaction."""

    conn: Connection
    actor: Actor
    principal: Principal
    study: StudyDefinition
    now: datetime


def app_state(request: Request[Any, Any, Any]) -> AppState:
    """The application's engine and catalog."""
    state: AppState = request.app.state[STATE_KEY]
    return state


@contextmanager
def transaction(request: Request[Any, Any, Any], *, write: bool) -> Iterator[Connection]:
    """A transaction of the request (committed at the end of the block, rolled back on error)."""
    engine = app_state(request).engine
    # The audit events are chained at the end, not when they are written: on PostgreSQL after the commit, by the
    # process's sequencer, which holds the chain head once for every transaction committed meanwhile.
    with audited_transaction(engine, **(WRITE if write else {})) as conn:
        yield conn


@contextmanager
def acting(request: Request[Any, Any, Any], study_id: str, permission: Permission, *,
           write: bool = False) -> Iterator[Scope]:
    """Authenticate the bearer token, find the study, check the permission; yield the scope in one transaction.

    Order matters: no credentials is 401 whatever the study, an unknown study
    is 404, a role without the permission is 403.
    """
    now = datetime.now(UTC)
    with transaction(request, write=write) as conn:
        principal = _principal(request, conn, now)
        study = find_study(request, study_id)
        actor = actor_for(principal, study.id, permission)
        yield Scope(conn, actor, principal, study, now)


@contextmanager
def authenticated(request: Request[Any, Any, Any], *, write: bool = False) -> Iterator[tuple[Connection, Principal,
                                                                                           datetime]]:
    """An authenticated request not tied to one study (study lists, logout)."""
    now = datetime.now(UTC)
    with transaction(request, write=write) as conn:
        yield conn, _principal(request, conn, now), now


def _principal(request: Request[Any, Any, Any], conn: Connection, now: datetime) -> Principal:
    """The caller: as the admission authenticated them before the body was read, else from the token now."""
    return admitted_principal(request) or authenticate(conn, bearer_token(request), now)


def find_study(request: Request[Any, Any, Any], study_id: str) -> StudyDefinition:
    """The loaded study `study_id`; NotFound otherwise."""
    study = app_state(request).catalog.studies.get(study_id)
    if study is None:
        raise NotFound(f"no study '{study_id}'")
    return study


def next_link(request: Request[Any, Any, Any], cursor: str) -> str:
    """The request's own URL with `cursor` set: the link to the following page."""
    query = {key: value for key, value in request.query_params.items() if key != "cursor"}
    query["cursor"] = cursor
    return str(request.url.with_replacements(query=urlencode(query)))
