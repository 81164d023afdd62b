"""A submitted payload to the values a record stores: parsed, calculated, checked; and stored values back out.

`validated` is the one way a payload becomes values: items parsed against the
form (skip logic decided on a first parse), calculated items computed, edit
checks run; every item error at once as ValidationFailed. An item entered in
another unit stores its standard value under its name and what was entered
beside it (`edc.definitions.conversions`). Values are kept as
their columns keep them (decimals at the item's precision), so what is
stored, audited and returned is the same value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from edc.app.kernel.errors import ValidationFailed
from edc.capture.limits import OutOfBounds, column_value
from edc.capture.payload import ItemError, parse_payload
from edc.definitions.catalog import StudyDefinition
from edc.definitions.conversions import is_converted, original_columns
from edc.definitions.model import Form
from edc.domain.findings import Finding
from edc.rules.calculate import CalculationFailed, applicable, calculate
from edc.rules.checks import run_checks


def validated(study: StudyDefinition, form: Form, payload: Mapping[str, object],
              context: Mapping[str, object] | None = None) -> tuple[dict[str, object], list[Finding]]:
    """Typed values (calculated items included) and findings, the checks reading `context` (see
    `check_context`); ValidationFailed with every item error."""
    undecided: dict[str, bool | None] = {item.name: None for item in form.items}
    first = parse_payload(form, study.codelists, payload, undecided)
    verdicts = applicable(form, first.values, study.codelists)
    parsed = parse_payload(form, study.codelists, payload, verdicts)
    if parsed.errors:
        raise ValidationFailed(parsed.errors)
    values = {name: stored_value(form, name, value) for name, value in parsed.values.items()}
    try:
        calculated = calculate(form, study.codelists, values)
    except CalculationFailed as failed:
        raise ValidationFailed([ItemError(failed.item, str(failed))]) from failed
    for name, value in calculated.items():
        try:
            values[name] = stored_value(form, name, value)
        except OutOfBounds as exc:  # e.g. a prednisone equivalent of a dose at the limit
            raise ValidationFailed([ItemError(name, f"cannot be calculated from the values entered: {exc}")]) \
                from exc
    return values, run_checks(form, values, study.codelists, context, calculated)


def stored_value(form: Form, name: str, value: object) -> object:
    """A value as its column keeps it: decimals at the item's precision, integers as int.

    Raises OutOfBounds when the column cannot hold it (never for a parsed value, which is bounded already).
    """
    item = form.item(name)
    if value is None or item is None:
        return value
    return column_value(item, value)


def as_payload(form: Form, values: Mapping[str, object]) -> dict[str, object]:
    """Stored typed values back as the payload a client would send (calculated items left out).

    Decimals go back as text so that re-parsing keeps every digit; an item entered in another unit goes
    back as it was entered (`{"value", "unit"}`), so that re-parsing converts it again to the same value.
    """
    payload: dict[str, object] = {}
    for item in form.items:
        value = values.get(item.name)
        if item.is_calculated or value is None:
            continue
        payload[item.name] = _as_sent(value)
        if is_converted(item):
            original, unit = (values.get(name) for name in original_columns(item))
            if original is not None and unit is not None:  # else stored before it took other units
                payload[item.name] = {"value": _as_sent(original), "unit": unit}
    return payload


def _as_sent(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else json_value(value)


def json_value(value: object) -> object:
    """A stored value as JSON: decimals as numbers, dates ISO 8601, date-times in UTC with Z."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else float(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value
