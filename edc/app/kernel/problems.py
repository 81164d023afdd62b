"""RFC 9457 problem details: every error the API returns, one shape, `application/problem+json`.

Service errors map to their status here and only here; validation failures
carry an `errors` list of `{item, message, value}` with every failing item.
An unexpected exception is logged and answered with a 500 problem without
internals (a 500 is a bug to fix, never a way to report bad input).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from edc.app.kernel import errors as svc

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://edc.example.org/problems/"
log = logging.getLogger("edc.api")

#: Service error -> (status, problem type slug, title); the first matching class in order wins.
_SERVICE_STATUS: tuple[tuple[type[svc.ServiceError], int, str, str], ...] = (
    (svc.ValidationFailed, 422, "validation", "The submitted data is not valid"),
    (svc.ImportRefused, 422, "import-refused", "The import file has problems; nothing was stored"),
    (svc.ReasonRequired, 422, "reason-required", "A reason for change is required"),
    (svc.InvalidInput, 422, "invalid-input", "The request is not valid"),
    (svc.IdempotencyMismatch, 422, "idempotency-key-reused", "Idempotency-Key reused with another request"),
    (svc.NotFound, 404, "not-found", "Not found"),
    (svc.VersionRequired, 428, "if-match-required", "If-Match required"),
    (svc.VersionMismatch, 412, "stale-version", "The record changed since you read it"),
    (svc.NotEligible, 409, "not-eligible", "The subject is not eligible"),
    (svc.Locked, 409, "locked", "The data are frozen or locked"),
    (svc.DuplicateKey, 409, "duplicate-key", "Another record of the subject has this key"),
    (svc.KeyReferenced, 409, "key-referenced", "Other records refer to this key"),
    (svc.UncodedTerms, 409, "uncoded-terms", "Verbatim terms are not coded"),
    (svc.FormNotForCohort, 409, "form-not-for-cohort", "The form is not collected for the subject's cohort"),
    (svc.Withdrawn, 409, "withdrawn", "The record was withdrawn (entered in error)"),
    (svc.Conflict, 409, "conflict", "Conflict with the stored state"),
    (svc.EntryNotPermitted, 403, "entry-not-permitted", "Reserved to another role"),
    (svc.NotPermitted, 403, "forbidden", "Not allowed"),
    (svc.Forbidden, 403, "forbidden", "Not allowed for your role"),
    (svc.Unavailable, 503, "unavailable", "Not available now"),
)


def problem(status: int, slug: str, title: str, detail: str, *,
            errors: Sequence[Mapping[str, object]] | None = None,
            headers: Mapping[str, str] | None = None) -> Response[dict[str, Any]]:
    """A problem-details response."""
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = [dict(error) for error in errors]
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def service_error(_: Request[Any, Any, Any], exc: svc.ServiceError) -> Response[dict[str, Any]]:
    """Map a service error to its status and problem type."""
    if isinstance(exc, svc.Unauthenticated):
        return problem(401, "unauthenticated", "Authentication required", str(exc),
                       headers={"WWW-Authenticate": 'Bearer realm="edc"'})
    for cls, status, slug, title in _SERVICE_STATUS:
        if isinstance(exc, cls):
            return problem(status, slug, title, str(exc), errors=_item_errors(exc))
    log.error("service error without an HTTP mapping: %r", exc)
    return problem(500, "internal", "Internal error", "an unexpected error occurred")


def _item_errors(exc: svc.ServiceError) -> list[dict[str, object]] | None:
    if isinstance(exc, svc.ValidationFailed | svc.EntryNotPermitted | svc.ItemConflict):
        return [{"item": e.item, "message": e.message, "value": _jsonable(e.value)} for e in exc.errors]
    if isinstance(exc, svc.ImportRefused):  # "item" names the place, as in every other problem's errors
        return [{"item": f"line {p.line}", "line": p.line, "message": p.message, "value": None}
                for p in exc.problems]
    if isinstance(exc, svc.ReasonRequired):
        return [{"item": "reason", "message": str(exc), "value": None}]
    return None


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    """Litestar's own request validation (body shape, parameters) as a 422 (400 for unreadable JSON)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [{"item": str(e.get("key") or e.get("source") or "body"), "message": str(e.get("message", "")),
               "value": None} for e in extra if isinstance(e, dict)]
    unreadable = "JSON" in (exc.detail or "") and not errors
    status = 400 if unreadable else 422
    return problem(status, "malformed" if unreadable else "validation", "The request is not valid",
                   exc.detail or "invalid request", errors=errors or None)


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Any other HTTP error Litestar raises (404 route, 405, 413, 415 of the kernel's media check) as a problem."""
    slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large", 415: "unsupported-media-type",
                429: "too-many"}.get(
        exc.status_code, "http-error")
    headers = dict(exc.headers or {})
    return problem(exc.status_code, slug, _title(exc.status_code), exc.detail or _title(exc.status_code),
                   headers=headers)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """An unexpected exception: logged with its traceback, answered without internals."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "Internal error", "an unexpected error occurred")


def _title(status: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    svc.ServiceError: service_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error,
    Exception: internal_error,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
