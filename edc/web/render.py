"""Rendering a page: the template with what every page needs (user, study, navigation), and errors as pages.

A service error on a page is the same error the API would answer, with the
same status: 404 for another site's subject exactly as for a missing one,
403 for a role without the permission, 409/422 for a refused action. An
expired or absent session sends the browser to the login page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from edc.app.kernel import errors as svc
from edc.app.kernel.permissions import Principal
from edc.web.session import PREFIX

#: Service error -> HTTP status, as edc.app.kernel.problems maps them for the API (first match wins).
_STATUS: tuple[tuple[type[svc.ServiceError], int], ...] = (
    (svc.ValidationFailed, 422), (svc.ReasonRequired, 422), (svc.InvalidInput, 422),
    (svc.IdempotencyMismatch, 422), (svc.NotFound, 404), (svc.VersionRequired, 428),
    (svc.VersionMismatch, 412), (svc.NotEligible, 409), (svc.Locked, 409), (svc.Conflict, 409),
    (svc.EntryNotPermitted, 403), (svc.NotPermitted, 403), (svc.Forbidden, 403), (svc.Unavailable, 503),
)


def status_of(exc: svc.ServiceError) -> int:
    """The HTTP status the API gives this service error."""
    return next((status for cls, status in _STATUS if isinstance(exc, cls)), 500)


def page(name: str, principal: Principal | None, *, status: int = 200, **context: Any) -> Template:
    """The template `name` with the user and the workspace prefix."""
    return Template(template_name=name, context={"user": principal, "prefix": PREFIX, **context},
                    status_code=status)


def to_login(request: Request[Any, Any, Any]) -> Redirect:
    """Back to the login page, remembering where the user was going."""
    return Redirect(path=f"{PREFIX}/login", query_params={"next": request.url.path}, status_code=303)


def service_error_page(request: Request[Any, Any, Any], exc: svc.ServiceError) -> Response[Any]:
    """A service error raised while building a page, shown as a page with the API's status."""
    if isinstance(exc, svc.Unauthenticated):
        return to_login(request)
    return _error(status_of(exc), str(exc))


def http_error_page(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """A framework error (CSRF refused, malformed form, unknown path) on a workspace page."""
    return _error(exc.status_code, str(exc.detail))


_TITLES = {403: "Not allowed", 404: "Not found", 409: "Refused", 412: "Changed meanwhile", 422: "Not valid"}


def _error(status: int, detail: str) -> Response[Any]:
    from edc.web.templating import render_string

    body = render_string("error.html", {"title": _TITLES.get(status, "Error"), "detail": detail,
                                        "status": status, "prefix": PREFIX, "user": None})
    return Response(body, status_code=status, media_type="text/html")


def field_errors(exc: svc.ServiceError, default_field: str) -> Mapping[str, str]:
    """The refusal of an action keyed by the form field it concerns (item errors by item, else `default_field`)."""
    errors = getattr(exc, "errors", None)
    if errors:
        return {str(e.item): str(e.message) for e in errors}
    return {default_field: str(exc)}
