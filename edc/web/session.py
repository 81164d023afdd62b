"""The workspace session: the login cookie holding an access token, and the page's unit of work.

The cookie carries the same token `POST /api/v1/auth/token` gives (HttpOnly,
SameSite=Strict, path /workspace), so a page authenticates, is throttled and
audited exactly like an API client; the API reads only the Authorization
header, so the cookie opens no API route.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from edc.app.access.tokens import authenticate
from edc.app.kernel.context import Scope, find_study, transaction
from edc.app.kernel.errors import Unauthenticated
from edc.app.kernel.permissions import Permission, Principal, actor_for

PREFIX = "/workspace"
COOKIE = "edc_session"


def session_token(request: Request[Any, Any, Any]) -> str:
    """The token of the session cookie; Unauthenticated when there is none."""
    token = request.cookies.get(COOKIE, "").strip()
    if not token:
        raise Unauthenticated("log in to open the workspace")
    return token


@contextmanager
def page_scope(request: Request[Any, Any, Any], study_id: str, permission: Permission, *,
               write: bool = False) -> Iterator[Scope]:
    """As the API's `acting`, authenticated by the session cookie: 401 (login), then 404 study, then 403."""
    now = datetime.now(UTC)
    with transaction(request, write=write) as conn:
        principal = authenticate(conn, session_token(request), now)
        study = find_study(request, study_id)
        yield Scope(conn, actor_for(principal, study.id, permission), principal, study, now)


def page_principal(request: Request[Any, Any, Any]) -> Principal:
    """The logged-in user of a page not tied to a study."""
    with transaction(request, write=False) as conn:
        return authenticate(conn, session_token(request), datetime.now(UTC))


def session_cookie(request: Request[Any, Any, Any], token: str, expires_at: datetime) -> Cookie:
    """The cookie that keeps the token: not readable by scripts, never sent by another site's page."""
    return Cookie(key=COOKIE, value=token, path=PREFIX, httponly=True, samesite="strict",
                  secure=request.url.scheme == "https",
                  max_age=max(1, int((expires_at - datetime.now(UTC)).total_seconds())))


def cleared(response: Response[Any]) -> Response[Any]:
    """`response` deleting the session cookie (logout)."""
    response.delete_cookie(COOKIE, path=PREFIX)
    return response
