"""Logging in and out: bearer tokens for API clients."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from edc.app.access.bodies import GrantOut, LoginRequest, MeOut, TokenOut
from edc.app.access.service import THROTTLED, login, revoke_token
from edc.app.access.throttle import UNKNOWN_ADDRESS
from edc.app.kernel.admission import bearer_token
from edc.app.kernel.context import authenticated, transaction
from edc.app.kernel.problems import problem


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("auth",)

    @post("/token", status_code=HTTP_201_CREATED, sync_to_thread=True, security=[])
    def create_token(self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest]) -> Response[Any]:
        """Exchange a username and password for a bearer token (expires; revocable).

        A refused login is stored (failure counters, audit event) before the 401
        is returned, and says nothing about whether the user exists. After
        repeated failures of the account or from the client's address, logins
        wait: 429 with `Retry-After` (seconds), the password unchecked. Failed
        logins never end the account's live tokens.
        """
        address = request.client.host if request.client is not None else UNKNOWN_ADDRESS
        with transaction(request, write=True) as conn:
            outcome = login(conn, username=data.username, password=data.password, now=datetime.now(UTC),
                            address=address)
        if outcome.reason == THROTTLED:
            return problem(429, "login-throttled", "Too many failed logins",
                           "too many failed logins for this account or from this address; "
                           "try again after the Retry-After delay",
                           headers={"Retry-After": str(outcome.retry_after or 1)})
        if not outcome.ok or outcome.token is None or outcome.expires_at is None:
            return problem(401, "login-refused", "Login refused", "wrong username or password, or account inactive",
                           headers={"WWW-Authenticate": 'Bearer realm="edc"'})
        return Response(TokenOut(token=outcome.token, expires_at=outcome.expires_at), status_code=HTTP_201_CREATED)

    @delete("/token", status_code=HTTP_204_NO_CONTENT, sync_to_thread=True)
    def revoke(self, request: Request[Any, Any, Any]) -> None:
        """Revoke the token of this request (log out)."""
        token = bearer_token(request)
        with authenticated(request, write=True) as (conn, principal, now):
            revoke_token(conn, token, now, principal.user_id)

    @get("/me", sync_to_thread=True)
    def me(self, request: Request[Any, Any, Any]) -> MeOut:
        """Who the token belongs to and the roles granted to them."""
        with authenticated(request) as (_, principal, _now):
            grants = [GrantOut(role=g.role, study_id=g.study_id, site_id=g.site_id) for g in principal.grants]
            return MeOut(user_id=principal.user_id, username=principal.username, full_name=principal.full_name,
                         grants=grants)
