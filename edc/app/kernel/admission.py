"""Admission of a request before its handler reads anything: path numbers bounded, the caller authenticated,
the JSON body bounded.

Litestar decodes a handler's body and headers before the handler runs, so a
check made only inside `acting` lets an anonymous caller learn 422 or 412
instead of 401, and lets a hostile body reach the decoder. This hook runs
first (`before_request`, after routing): a route that is not public needs a
valid bearer token (the principal is kept for the request), and any JSON body
must nest no deeper than `MAX_JSON_DEPTH` and hold no NUL character. A route is public when it says so
in its OpenAPI security (`security=[]`), or serves the API documentation.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from litestar import Request
from sqlalchemy import Engine

from edc.app.access.tokens import authenticate
from edc.app.kernel.errors import InvalidInput, NotFound, Unauthenticated
from edc.app.kernel.permissions import Principal

MAX_JSON_DEPTH = 32
"""Form payloads nest two levels (a multichoice list in an object); no request body needs more than a few."""
MAX_QUERY_DIGITS = 18
"""A query number longer than this overflows a 64-bit column (and SQLite's integers): it cannot name anything."""
MAX_PATH_NUMBER = 2**31 - 1
"""No id, seq or occurrence in a path exceeds a 32-bit integer column; a larger one names nothing."""
PRINCIPAL_KEY = "edc_principal"
_STRUCTURE = re.compile(rb'["\\\[\]{}]')


def admission(engine_of: Callable[[Request[Any, Any, Any]], Engine],
              public_prefixes: Sequence[str] = ()) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """The before-request hook: authenticate non-public routes, bound the JSON nesting of every body."""
    async def admit(request: Request[Any, Any, Any]) -> None:
        _check_path_numbers(request)
        if not _public(request, public_prefixes):
            token = bearer_token(request)
            principal = await to_thread.run_sync(_authenticate, engine_of(request), token)
            setattr(request.state, PRINCIPAL_KEY, principal)
        if request.method in ("POST", "PUT", "PATCH"):
            _check_body(await request.body())
    return admit


def admitted_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """The principal the admission authenticated for this request (None on a public route)."""
    found = getattr(request.state, PRINCIPAL_KEY, None)
    return found if isinstance(found, Principal) else None


def bearer_token(request: Request[Any, Any, Any]) -> str:
    """The token of `Authorization: Bearer <token>`; Unauthenticated when absent or malformed."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send a bearer token: Authorization: Bearer <token> (POST /api/v1/auth/token)")
    return token.strip()


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings not counted).

    Malformed JSON is left to the decoder: this only has to be right for the nesting it can see.
    """
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _STRUCTURE.finditer(body):
        at, char = match.start(), match.group()
        if in_string:
            if char == b"\\" and at != escaped_at:
                escaped_at = at + 1  # the next byte is escaped, whatever it is
            elif char == b'"' and at != escaped_at:
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif char in (b"]", b"}"):
            depth -= 1
    return deepest


def _check_path_numbers(request: Request[Any, Any, Any]) -> None:
    """A number in the path that no row can have is a missing resource (404), not a database error; a NUL
    character in the path or the query names nothing either (PostgreSQL cannot even compare it)."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not 0 <= value <= MAX_PATH_NUMBER:
            raise NotFound(f"no {name.replace('_', ' ')} {value}")
        if isinstance(value, str) and "\x00" in value:
            raise NotFound(f"no {name.replace('_', ' ')} with a NUL character")
    if "\x00" in request.url.query or "%00" in request.url.query:
        raise InvalidInput("a query parameter holds a NUL character")
    for name, value in request.query_params.items():
        digits = value.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) > MAX_QUERY_DIGITS:
            raise InvalidInput(f"query parameter '{name}' is a number no id, count or limit can be")


def _check_body(body: bytes) -> None:
    """Refuse what no handler should see: JSON nested deeper than MAX_JSON_DEPTH, or a NUL character in any
    string (JSON spells it \\u0000; no text column of PostgreSQL can hold it, and no field needs it)."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InvalidInput(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
    if b"\\u0000" in body or b"\x00" in body:
        raise InvalidInput("the JSON body holds a NUL character (\\u0000), which no field accepts")


def _public(request: Request[Any, Any, Any], prefixes: Sequence[str]) -> bool:
    security = request.route_handler.security
    return (security is not None and len(security) == 0) or request.url.path.startswith(tuple(prefixes))


def _authenticate(engine: Engine, token: str) -> Principal:
    with engine.connect() as conn:
        return authenticate(conn, token, datetime.now(UTC))
