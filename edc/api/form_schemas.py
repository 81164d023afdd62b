"""OpenAPI schemas of each form, built from its definition, so a client can be generated from the document.

For every form of every study two component schemas are published:
`<study>.<form>.Input`, what a client sends (calculated items left out,
unknown properties forbidden), and `<study>.<form>.Values`, what the server
returns (every item, calculated ones read-only, absent values null). An item
taking other units is sent as a number in its unit or as `{value, unit}`, and
returned in its unit with the value and unit as entered beside it. Their
titles start with the study id, because forms of one name recur across
studies and a client generator names its classes after the titles. Items
carry their type, format, unit, precision, range, length and codelist; the
decodes of a codelist are listed in the description because OpenAPI has no
place for them next to `enum`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Reference, Schema

from edc.definitions.catalog import StudyDefinition
from edc.definitions.conversions import entry_units, is_converted, original_columns
from edc.definitions.model import Codelist, Form, Item

PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


def input_name(study_id: str, form_id: str) -> str:
    """The component name of what a client sends for a form."""
    return f"{study_id}.{form_id}.Input"


def values_name(study_id: str, form_id: str) -> str:
    """The component name of a form's stored values as returned."""
    return f"{study_id}.{form_id}.Values"


def study_components(study: StudyDefinition) -> dict[str, Schema]:
    """The Input and Values schemas of every form of `study`."""
    schemas: dict[str, Schema] = {}
    for form in study.forms.values():
        schemas[input_name(study.id, form.id)] = input_schema(study.id, form, study.codelists)
        schemas[values_name(study.id, form.id)] = values_schema(study.id, form, study.codelists)
    return schemas


def input_schema(study_id: str, form: Form, codelists: Mapping[str, Codelist]) -> Schema:
    """What a client sends: the items it may enter; required only those asked unconditionally."""
    entered = [item for item in form.items if not item.is_calculated]
    return Schema(
        type=OpenAPIType.OBJECT,
        title=form_title(study_id, form, "entry"),
        description=_form_description(form),
        properties={item.name: entry_schema(item, codelists) for item in entered},
        required=[item.name for item in entered if item.required and item.when is None] or None,
        additional_properties=False,
    )


def values_schema(study_id: str, form: Form, codelists: Mapping[str, Codelist]) -> Schema:
    """What the server returns: every item, null when empty; calculated items and what was entered read-only."""
    properties: dict[str, Schema | Reference] = {}
    for item in form.items:
        properties[item.name] = item_schema(item, codelists, nullable=True)
        if is_converted(item):
            properties.update(_as_entered(item))
    return Schema(
        type=OpenAPIType.OBJECT,
        title=form_title(study_id, form, "stored values"),
        properties=properties,
        required=list(properties),
        additional_properties=False,
    )


def form_title(study_id: str, form: Form, part: str) -> str:
    """A schema title unique in the document: the same form title recurs across studies."""
    return f"{study_id} {form.title} ({part})"


def item_schema(item: Item, codelists: Mapping[str, Codelist], *, nullable: bool = False) -> Schema:
    """The JSON schema of one item's value."""
    schema = _typed(item, codelists)
    schema.title = item.label
    schema.description = _item_description(item, codelists)
    schema.read_only = item.is_calculated or None
    if nullable:
        base = schema.type if isinstance(schema.type, OpenAPIType) else OpenAPIType.STRING
        schema.type = [base, OpenAPIType.NULL]
        if schema.enum is not None:
            schema.enum = [*schema.enum, None]
    return schema


def entry_schema(item: Item, codelists: Mapping[str, Codelist]) -> Schema:
    """The JSON schema of an item as a client sends it: for one taking other units, a number in its unit or
    `{value, unit}` in any unit it takes, each at that unit's precision."""
    schema = item_schema(item, codelists)
    if not is_converted(item):
        return schema
    measured = [Schema(
        type=OpenAPIType.OBJECT, required=["value", "unit"], additional_properties=False,
        description=f"{item.label} in {entry.unit}" + (
            f" (1 {entry.unit} = {entry.factor} {item.unit})" if entry.unit != item.unit else ""),
        properties={"value": Schema(type=OpenAPIType.NUMBER, multiple_of=10.0 ** -entry.precision),
                    "unit": Schema(type=OpenAPIType.STRING, enum=[entry.unit])},
    ) for entry in entry_units(item)]
    plain = Schema(type=schema.type, minimum=schema.minimum, maximum=schema.maximum, multiple_of=schema.multiple_of,
                   description=f"{item.label} in {item.unit}")
    return Schema(title=schema.title, description=schema.description, one_of=[plain, *measured])


def _as_entered(item: Item) -> dict[str, Schema]:
    """The read-only values keeping a converted item as entered (null for a record stored before)."""
    value, unit = original_columns(item)
    units: list[Any] = [entry.unit for entry in entry_units(item)]
    return {
        value: Schema(type=[OpenAPIType.NUMBER, OpenAPIType.NULL], read_only=True, title=f"{item.label}, as entered",
                      description=f"{item.name} as entered (its unit in {unit}); null when empty, or stored before "
                                  f"{item.name} took other units (then entered in {item.unit})."),
        unit: Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL], enum=[*units, None], read_only=True,
                     title=f"{item.label}, unit as entered", description=f"The unit {item.name} was entered in."),
    }


def _typed(item: Item, codelists: Mapping[str, Codelist]) -> Schema:
    low, high = (item.range.min, item.range.max) if item.range is not None else (None, None)
    match item.type:
        case "integer":
            return Schema(type=OpenAPIType.INTEGER, minimum=low, maximum=high)
        case "decimal":
            step = 10.0 ** -(item.precision or 0)
            return Schema(type=OpenAPIType.NUMBER, minimum=low, maximum=high, multiple_of=step)
        case "text":
            return Schema(type=OpenAPIType.STRING, max_length=item.max_length)
        case "date":
            return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE)
        case "partial_date":
            return Schema(type=OpenAPIType.STRING, pattern=PARTIAL_DATE_PATTERN)
        case "datetime":
            return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME)
        case "time":
            return Schema(type=OpenAPIType.STRING, pattern=TIME_PATTERN)
        case "boolean":
            return Schema(type=OpenAPIType.BOOLEAN)
        case "choice":
            return Schema(type=OpenAPIType.STRING, enum=list(codelists[item.codelist or ""].codes()))
        case "multichoice":
            codes = Schema(type=OpenAPIType.STRING, enum=list(codelists[item.codelist or ""].codes()))
            return Schema(type=OpenAPIType.ARRAY, items=codes, unique_items=True)
    raise ValueError(f"item type {item.type!r} has no schema")  # pragma: no cover - ItemType is closed


def _item_description(item: Item, codelists: Mapping[str, Codelist]) -> str:
    parts = [item.help] if item.help else []
    if item.unit:
        parts.append(f"Unit: {item.unit}.")
    if is_converted(item):
        others = ", ".join(f"{entry.unit} (x {entry.factor}, {entry.precision} place(s))"
                           for entry in entry_units(item)[1:])
        parts.append(f"Also taken as {{value, unit}} in {others}; stored converted to {item.unit}, where the "
                     "range applies, and kept as entered.")
    if item.type == "decimal":
        parts.append(f"At most {item.precision or 0} decimal place(s); a number or a numeric string.")
    if item.type == "partial_date":
        parts.append("Date as YYYY, YYYY-MM or YYYY-MM-DD.")
    if item.codelist is not None:
        codelist = codelists[item.codelist]
        terms = "; ".join(f"{value.code} = {value.decode}" for value in codelist.values)
        parts.append(f"Codelist {codelist.id}: {terms}.")
    if item.when is not None:
        parts.append(f"Asked only when: {item.when}.")
    if item.is_calculated:
        parts.append("Calculated by the server; never sent.")
    if item.refers_to is not None:
        parts.append(f"Names a record of form {item.refers_to} of the same subject by its key; "
                     "any other value is refused.")
    if item.sdtm is not None:
        parts.append(f"SDTM: {_sdtm_text(item)}.")
    return " ".join(parts)


def _sdtm_text(item: Item) -> str:
    target = item.sdtm
    assert target is not None
    return " ".join(f"{key}={value}" for key, value in target.model_dump(exclude_none=True).items())


def _form_description(form: Form) -> str:
    kind = "Repeating form: one record per entry." if form.repeating else "One record per visit."
    if form.key is not None:
        kind += f" {form.key} is unique per subject: a second record with it is refused (409)."
    checks = "; ".join(f"{check.id} ({check.severity}): {check.message}" for check in form.checks)
    return f"{kind} Edit checks run on save and are returned as findings: {checks}" if checks else kind
