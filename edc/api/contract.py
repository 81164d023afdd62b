"""What the generated OpenAPI document does not say by itself: problem answers, strict bodies, headers.

Litestar documents each route's success answer and its own 400 body. The
API answers every error as an RFC 9457 problem (`edc.app.kernel.problems`),
refuses unknown fields in request bodies, and reads and writes a few
headers; this pass over the document says so, in one place:

- every operation lists the problem statuses it can answer, with the
  `Problem` schema under `application/problem+json`, chosen by the kinds of
  the operation (`KIND_PROBLEMS`: authenticated, under a study, names ids,
  has a body, ...);
- the components of msgspec structs that forbid unknown fields get
  `additionalProperties: false`;
- `Idempotency-Key` and `If-Match` carry their constraints, and the
  answers that set `ETag` or `Location` document them.

It runs on the generic routes before `edc.api.openapi` copies the record
paths per form, so the typed copies inherit all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

from edc.app.kernel.idempotency import MAX_KEY
from edc.app.kernel.media import ACCEPTED_MEDIA_TYPE
from edc.app.kernel.problems import PROBLEM_JSON

API = "/api/v1/"
STUDY = "/api/v1/studies/{study_id}"
RECORDS = STUDY + "/subjects/{subject_number}/visits/{visit_code}/{occurrence}/forms/{form_id}"
RECORD = RECORDS + "/{seq}"
TERM = STUDY + "/coding/terms/{term_id}"
WITHDRAWAL = RECORD + "/withdrawal"
METHODS = ("get", "put", "post", "delete", "patch")
IF_MATCH_PATTERN = r'^"\d+"$'
PROBLEM = "Problem"
PROBLEM_ERROR = "ProblemError"

#: The problem statuses an operation of each kind can answer, and why.
KIND_PROBLEMS: dict[str, dict[int, str]] = {
    # every /api/v1 operation: no, expired or revoked token (the login: refused credentials)
    "api": {401: "Not authenticated: send a valid bearer token (the login: credentials refused)."},
    # under /api/v1/studies/{study_id}: a role without the permission, an unknown study
    "study": {403: "Your role does not allow this in the study, or not at that site.",
              404: "No such study, or a resource named in the path does not exist."},
    "ids": {404: "A resource named in the path does not exist."},
    "query": {422: "A query or header parameter is not valid (`errors` lists them)."},
    "body": {400: "The body is not readable JSON.",
             413: "The body is larger than the server accepts.",
             415: f"The body is not `{ACCEPTED_MEDIA_TYPE}` (Content-Type missing or another type).",
             422: "The body is not valid: `errors` lists every failing item."},
    # changes under a study: frozen or locked data, a contradiction of what is stored, a subject not eligible
    "change": {409: "Conflict with the stored state: data locked or frozen, a duplicate, or not eligible."},
    "idempotent": {409: "A request with this Idempotency-Key is still being processed.",
                   422: "This Idempotency-Key was used with a different request."},
    "versioned": {412: "It changed since you read it (If-Match names another version).",
                  428: "If-Match is required: send the ETag of the version you read."},
    "file": {409: "The file is not available: the job is still running or failed."},
    "anchors": {503: "The anchor log cannot be read (damaged or unreadable); its line is named."},
}

#: Operations of a kind that their path and method do not tell.
_OPERATION_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("get", STUDY + "/exports/{job_id}/files/{name}"): ("file",),
    ("get", STUDY + "/exports/{job_id}/bundle.zip"): ("file",),
    ("get", STUDY + "/audit/checkpoints"): ("anchors",),
    ("patch", RECORD): ("versioned",),
    ("post", TERM + "/decision"): ("versioned",),
    ("post", WITHDRAWAL): ("versioned",),
}

#: The response headers a successful answer sets, per operation.
_RESPONSE_HEADERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", RECORDS): ("Location", "ETag"),
    ("get", RECORD): ("ETag",),
    ("patch", RECORD): ("ETag",),
    ("get", TERM): ("ETag",),
    ("post", TERM + "/decision"): ("ETag",),
    ("post", WITHDRAWAL): ("ETag",),
    ("post", STUDY + "/subjects"): ("Location",),
    ("post", STUDY + "/exports"): ("Location",),
}

_HEADERS: dict[str, OpenAPIHeader] = {
    "ETag": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING, pattern=IF_MATCH_PATTERN),
                          description="The version (of a record, a coded term), quoted; send it back as If-Match to "
                                      "change it."),
    "Location": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING),
                              description="The path of what was created."),
}


def complete(app: Litestar, openapi: OpenAPI) -> None:
    """Add problem answers, strict bodies and header constraints to `openapi`, the document of `app`."""
    schemas = openapi.components.schemas if openapi.components.schemas is not None else {}
    schemas.update(problem_schemas())
    _forbid_unknown_fields(schemas, strict_structs(app))
    openapi.components.schemas = schemas
    paths = openapi.paths if openapi.paths is not None else {}
    for key in (*_OPERATION_KINDS, *_RESPONSE_HEADERS):
        if _operation(paths, *key) is None:
            raise RuntimeError(f"{key[0].upper()} {key[1]} is missing from the OpenAPI document")
    for path, method, operation in _operations(paths):
        _headers(path, method, operation)
        _problems(operation, operation_kinds(path, method, operation))


def problem_schemas() -> dict[str, Schema]:
    """The RFC 9457 problem details every error answer carries."""
    error = Schema(type=OpenAPIType.OBJECT, required=["item", "message", "value"], properties={
        "item": Schema(type=OpenAPIType.STRING, description="The item, field or parameter that failed."),
        "message": Schema(type=OpenAPIType.STRING),
        "value": Schema(description="The value sent (null when not echoed)."),
    }, title=PROBLEM_ERROR)
    problem = Schema(type=OpenAPIType.OBJECT, required=["type", "title", "status", "detail"], properties={
        "type": Schema(type=OpenAPIType.STRING, description="A URI naming the kind of problem."),
        "title": Schema(type=OpenAPIType.STRING, description="A short summary of the kind of problem."),
        "status": Schema(type=OpenAPIType.INTEGER, description="The HTTP status."),
        "detail": Schema(type=OpenAPIType.STRING, description="What went wrong in this request."),
        "instance": Schema(type=OpenAPIType.STRING, description="A URI of this occurrence."),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Reference(ref=f"#/components/schemas/{PROBLEM_ERROR}"),
                         description="Every failing item of a validation failure."),
    }, title=PROBLEM, description="RFC 9457 problem details.")
    return {PROBLEM: problem, PROBLEM_ERROR: error}


def operation_kinds(path: str, method: str, operation: Operation) -> tuple[str, ...]:
    """The kinds of an operation (keys of KIND_PROBLEMS)."""
    parameters = [p for p in operation.parameters or [] if isinstance(p, Parameter)]
    kinds: list[str] = []
    if path.startswith(API):
        kinds.append("api")
    if path == STUDY or path.startswith(STUDY + "/"):
        kinds.append("study")
        if method != "get":
            kinds.append("change")
    if any(p.param_in == "path" for p in parameters):
        kinds.append("ids")
    if any(p.param_in in ("query", "header") for p in parameters):
        kinds.append("query")
    if operation.request_body is not None:
        kinds.append("body")
    if any(p.name == "Idempotency-Key" for p in parameters):
        kinds.append("idempotent")
    kinds.extend(_OPERATION_KINDS.get((method, path), ()))
    return tuple(kinds)


def problem_statuses(kinds: tuple[str, ...]) -> dict[int, str]:
    """Status -> description of the problems of an operation of `kinds`."""
    statuses: dict[int, list[str]] = {}
    for kind in kinds:
        for status, why in KIND_PROBLEMS[kind].items():
            if why not in statuses.setdefault(status, []):
                statuses[status].append(why)
    return {status: " ".join(statuses[status]) for status in sorted(statuses)}


def _problems(operation: Operation, kinds: tuple[str, ...]) -> None:
    responses = operation.responses if operation.responses is not None else {}
    responses.pop("400", None)  # Litestar's own ValidationException body, never what the API answers
    for status, why in problem_statuses(kinds).items():
        headers: dict[str, OpenAPIHeader | Reference] | None = None
        if status == 401:
            headers = {"WWW-Authenticate": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING),
                                                         description='`Bearer realm="edc"`')}
        responses[str(status)] = OpenAPIResponse(
            description=f"{HTTPStatus(status).phrase}. {why}", headers=headers,
            content={PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=f"#/components/schemas/{PROBLEM}"))})
    operation.responses = dict(sorted(responses.items()))
    if operation.request_body is not None and not isinstance(operation.request_body, Reference):
        content = operation.request_body.content
        if set(content) != {ACCEPTED_MEDIA_TYPE}:
            raise RuntimeError(f"{operation.operation_id} takes a body that is not {ACCEPTED_MEDIA_TYPE}")


def _headers(path: str, method: str, operation: Operation) -> None:
    for parameter in operation.parameters or []:
        if not isinstance(parameter, Parameter) or parameter.param_in != "header":
            continue
        if parameter.name == "Idempotency-Key":
            parameter.schema = Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_KEY)
            parameter.description = ("A key of your choice (1 to 100 characters) making a retry safe: the same key "
                                     "and request returns what the first created; with another request, 422.")
        if parameter.name == "If-Match":
            parameter.schema = Schema(type=OpenAPIType.STRING, pattern=IF_MATCH_PATTERN)
            parameter.required = True
            parameter.description = ("The ETag of the version you read, quoted (\"3\"): 428 without it, "
                                     "412 when the record changed since.")
    names = _RESPONSE_HEADERS.get((method, path), ())
    for status, response in (operation.responses or {}).items():
        if names and status.startswith("2") and isinstance(response, OpenAPIResponse):
            response.headers = {**(response.headers or {}), **{name: _HEADERS[name] for name in names}}


def strict_structs(app: Litestar) -> set[type[msgspec.Struct]]:
    """The msgspec structs with `forbid_unknown_fields` that some route takes as (part of) its body."""
    found: set[type[msgspec.Struct]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data") if isinstance(
                handler, HTTPRouteHandler) else None
            if data is not None:
                found.update(_structs(msgspec.inspect.type_info(data.annotation)))
    return found


def _structs(info: msgspec.inspect.Type, seen: set[int] | None = None) -> Iterator[type[msgspec.Struct]]:
    seen = set() if seen is None else seen
    if id(info) in seen:
        return
    seen.add(id(info))
    if isinstance(info, msgspec.inspect.StructType):
        if info.forbid_unknown_fields:
            yield info.cls
        for field in info.fields:
            yield from _structs(field.type, seen)
        return
    for child in _children(info):
        yield from _structs(child, seen)


def _children(info: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    if isinstance(info, msgspec.inspect.Metadata | msgspec.inspect.ListType | msgspec.inspect.SetType
                  | msgspec.inspect.FrozenSetType | msgspec.inspect.VarTupleType):
        return [info.type] if isinstance(info, msgspec.inspect.Metadata) else [info.item_type]
    if isinstance(info, msgspec.inspect.DictType):
        return [info.key_type, info.value_type]
    if isinstance(info, msgspec.inspect.UnionType | msgspec.inspect.TupleType):
        return list(info.types) if isinstance(info, msgspec.inspect.UnionType) else list(info.item_types)
    return []


def _forbid_unknown_fields(schemas: dict[str, Schema], structs: set[type[msgspec.Struct]]) -> None:
    for cls in structs:
        keys = [key for key in schemas if key == cls.__name__ or key.endswith("_" + cls.__name__)]
        if not keys:
            raise RuntimeError(f"the request body {cls.__qualname__} has no component schema")
        for key in keys:
            schemas[key].additional_properties = False


def _operation(paths: dict[str, PathItem], method: str, path: str) -> Operation | None:
    item = paths.get(path)
    operation: Operation | None = getattr(item, method, None) if item is not None else None
    return operation


def _operations(paths: dict[str, PathItem]) -> Iterator[tuple[str, str, Operation]]:
    for path, item in paths.items():
        for method in METHODS:
            operation: Operation | None = getattr(item, method)
            if operation is not None:
                yield path, method, operation

