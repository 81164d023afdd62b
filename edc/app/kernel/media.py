"""Request bodies are JSON, said so: a body of another content type, or of none, is refused (415).

One exception: an import of a file in its own format (`XML_BODIES`: the ODM import takes the file's raw
XML, application/xml or text/xml), whose route refuses any other type the same way.

Litestar would parse a JSON body whatever its Content-Type said (text/plain,
or none at all); a client sending a form or a file by mistake must hear so
instead of a confusing 400 or a silently accepted request. The check runs
before any handler, on every route, and answers through the problem-details
table (`edc.app.kernel.problems`) like every other error.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import ASGIApp, Receive, Scope, Send

ACCEPTED_MEDIA_TYPE = "application/json"
XML_MEDIA_TYPES = ("application/xml", "text/xml")
XML_BODIES = "/imports/odm"
"""The path ending of the routes whose body is an XML file."""


class JsonBodiesOnly(ASGIMiddleware):
    """415 for a request that carries a body whose Content-Type is not application/json."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, exempt_prefix: str | None = None) -> None:
        """`exempt_prefix`: paths whose forms are HTML forms (the workspace), posted URL-encoded by a browser."""
        self.exempt_prefix = exempt_prefix

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope.get("headers", ()))
        if self.exempt_prefix is not None and _under(str(scope.get("path", "")), self.exempt_prefix):
            await next_app(scope, receive, send)
            return
        accepted = XML_MEDIA_TYPES if str(scope.get("path", "")).endswith(XML_BODIES) else (ACCEPTED_MEDIA_TYPE,)
        if has_body(headers) and media_type(headers.get(b"content-type")) not in accepted:
            sent = (headers.get(b"content-type") or b"").decode("latin-1") or "none"
            raise HTTPException(status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                                detail=f"send the body as {' or '.join(accepted)} (Content-Type: {sent})")
        await next_app(scope, receive, send)


def has_body(headers: dict[bytes, bytes]) -> bool:
    """Whether the request announces a body (a non-zero Content-Length, or chunked)."""
    if b"transfer-encoding" in headers:
        return True
    length = headers.get(b"content-length", b"").strip()
    return bool(length) and length != b"0"


def media_type(content_type: bytes | None) -> str | None:
    """The media type of a Content-Type header, without parameters, lower case."""
    if content_type is None:
        return None
    return content_type.decode("latin-1").partition(";")[0].strip().lower() or None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
