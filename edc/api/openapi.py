"""The OpenAPI document: the generic record paths replaced by one typed copy per form of each study.

Litestar documents the routes as written: one handler set serves every form,
with the study and the form as path parameters and a free-form body. A
client generator needs each form's own items, so the generic record paths are
replaced by concrete ones (`/api/v1/studies/relmacel/.../forms/vital_signs`)
whose bodies point at the form's component schemas, with their own
operation ids and the study as tag. The generic routes still serve them.
"""

from __future__ import annotations

import copy

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)

from edc.api.contract import complete
from edc.api.form_schemas import form_title, input_name, input_schema, study_components, values_name
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.model import Form
from edc.definitions.vocabulary import ENTERED, WITHDRAWN

PREFIX = "/api/v1/studies/{study_id}"
RECORDS_TAIL = "/subjects/{subject_number}/visits/{visit_code}/{occurrence}/forms/{form_id}"
RECORD_TAIL = RECORDS_TAIL + "/{seq}"
WITHDRAWAL_TAIL = RECORD_TAIL + "/withdrawal"
_GENERIC = ("study_id", "form_id")


def publish(app: Litestar, catalog: Catalog) -> None:
    """Complete `app`'s OpenAPI document (problems, strict bodies, headers), then publish every form's paths."""
    complete(app, app.openapi_schema)
    publish_forms(app.openapi_schema, catalog)


def publish_forms(openapi: OpenAPI, catalog: Catalog) -> None:
    """Add every form's schemas and typed record paths to `openapi`, dropping the generic record paths."""
    paths = openapi.paths if openapi.paths is not None else {}
    records, record = paths.pop(PREFIX + RECORDS_TAIL, None), paths.pop(PREFIX + RECORD_TAIL, None)
    withdrawal = paths.pop(PREFIX + WITHDRAWAL_TAIL, None)
    if records is None or record is None or withdrawal is None:
        raise RuntimeError("the generic record routes are missing from the OpenAPI document")
    schemas = openapi.components.schemas if openapi.components.schemas is not None else {}
    for study in catalog.studies.values():
        schemas.update(study_components(study))
        for form in study.forms.values():
            schemas[_changes_name(study.id, form.id)] = _changes_schema(study, form)
            schemas[_record_name(study.id, form.id)] = _record_schema(study.id, form.id)
            base = f"/api/v1/studies/{study.id}" + RECORDS_TAIL.replace("{form_id}", form.id)
            paths[base] = _typed(records, study, form)
            paths[base + "/{seq}"] = _typed(record, study, form)
            paths[base + "/{seq}/withdrawal"] = _typed(withdrawal, study, form, withdraws=True)
    openapi.paths = paths
    openapi.components.schemas = schemas


def _typed(generic: PathItem, study: StudyDefinition, form: Form, *, withdraws: bool = False) -> PathItem:
    """A per-form copy of a generic record path; `withdraws`: the withdrawal's, whose body (a reason) is generic."""
    item = copy.deepcopy(generic)
    item.parameters = _concrete(item.parameters)
    for method in ("get", "post", "patch"):
        operation: Operation | None = getattr(item, method)
        if operation is not None:
            _retype(operation, "withdraw" if withdraws else method, study, form)
    return item


def _retype(operation: Operation, method: str, study: StudyDefinition, form: Form) -> None:
    operation.parameters = _concrete(operation.parameters)
    operation.tags = [f"{study.id} records"]
    kind = {"get": "read", "post": "create", "patch": "correct", "withdraw": "withdraw"}[method]
    many = method == "get" and operation.operation_id is not None and "List" in operation.operation_id
    operation.operation_id = f"{'list' if many else kind}_{study.id}_{form.id}"
    operation.summary = f"{'List' if many else kind.capitalize()} {form.title} ({study.id})"
    if method == "post":
        operation.description = " ".join(filter(None, (operation.description, collected_where(study, form.id))))
    if method == "post":
        operation.request_body = RequestBody(required=True, content={"application/json": OpenAPIMediaType(
            schema=Reference(ref=f"#/components/schemas/{input_name(study.id, form.id)}"))})
    if method == "patch":
        operation.request_body = RequestBody(required=True, content={"application/json": OpenAPIMediaType(
            schema=Reference(ref=f"#/components/schemas/{_changes_name(study.id, form.id)}"))})
    record = Reference(ref=f"#/components/schemas/{_record_name(study.id, form.id)}")
    body: Reference | Schema = Schema(type=OpenAPIType.ARRAY, items=record) if many else record
    for status, response in (operation.responses or {}).items():
        if isinstance(response, Reference) or not status.startswith("2") or not response.content:
            continue
        response.content = {"application/json": OpenAPIMediaType(schema=body)}


def collected_where(study: StudyDefinition, form_id: str) -> str:
    """Where the definition collects the form, and for which cohorts: what entry accepts."""
    found = study.collected_for(form_id)
    everyone = [code for code, cohorts in found.items() if cohorts is None]
    text = f"Collected at {', '.join(everyone)} for every subject." if everyone else ""
    restricted: dict[tuple[str, ...], list[str]] = {}
    for code, cohorts in found.items():
        if cohorts is not None:
            restricted.setdefault(cohorts, []).append(code)
    for cohorts, codes in restricted.items():
        text += f" Collected at {', '.join(codes)} for cohort {', '.join(cohorts)} only."
    if restricted:
        text += " A record for a subject of another cohort is refused (409, problem type form-not-for-cohort)."
    return text.strip()


def _concrete(parameters: list | None) -> list | None:  # type: ignore[type-arg]
    if parameters is None:
        return None
    kept = [p for p in parameters if getattr(p, "name", None) not in _GENERIC]
    return kept or None


def _record_name(study_id: str, form_id: str) -> str:
    return f"{study_id}.{form_id}.Record"


def _changes_name(study_id: str, form_id: str) -> str:
    return f"{study_id}.{form_id}.Correction"


def _record_schema(study_id: str, form_id: str) -> Schema:
    """The record envelope with the form's typed values."""
    finding = Schema(type=OpenAPIType.OBJECT, properties={
        "check_id": Schema(type=OpenAPIType.STRING), "severity": Schema(type=OpenAPIType.STRING),
        "item": Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL]), "message": Schema(type=OpenAPIType.STRING)})
    integer, text = Schema(type=OpenAPIType.INTEGER), Schema(type=OpenAPIType.STRING)
    link = Schema(type=OpenAPIType.OBJECT, required=["form_id", "visit_code", "occurrence", "seq", "href"],
                  properties={"form_id": text, "visit_code": text, "occurrence": integer, "seq": integer,
                              "href": text})
    return Schema(type=OpenAPIType.OBJECT, required=["version", "values", "findings"], properties={
        "study_id": text, "subject_number": text, "visit_code": text, "occurrence": integer,
        "form_id": text, "seq": integer,
        "version": Schema(type=OpenAPIType.INTEGER, description="The record's version; also its ETag."),
        "values": Reference(ref=f"#/components/schemas/{values_name(study_id, form_id)}"),
        "findings": Schema(type=OpenAPIType.ARRAY, items=finding,
                           description="Edit-check findings of this version."),
        "references": Schema(type=OpenAPIType.OBJECT, additional_properties=Schema(one_of=[link, Schema(
            type=OpenAPIType.NULL)]), description="The record each reference item with a value names, by item "
            "(null: it names none, e.g. a record stored before references were checked)."),
        "status": Schema(type=OpenAPIType.STRING, enum=[ENTERED, WITHDRAWN], description="withdrawn: entered in "
                         "error, kept and shown, counted nowhere (POST .../withdrawal)."),
        "withdrawal": Schema(one_of=[Schema(type=OpenAPIType.NULL), Schema(
            type=OpenAPIType.OBJECT, required=["withdrawn_by", "withdrawn_at", "reason"], properties={
                "withdrawn_by": text, "withdrawn_at": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
                "reason": text})], description="Who withdrew the record, when and why (null while entered)."),
    })


def _changes_schema(study: StudyDefinition, form: Form) -> Schema:
    """A correction: the reason and the items that change (null clears an item)."""
    entry = input_schema(study.id, form, study.codelists)
    entry.required = None
    entry.title = form_title(study.id, form, "changed items")
    return Schema(type=OpenAPIType.OBJECT, required=["reason", "changes"], additional_properties=False, properties={
        "reason": Schema(type=OpenAPIType.STRING, min_length=1, max_length=2000,
                         description="Reason for change, kept in the audit trail."),
        "changes": entry,
    })
