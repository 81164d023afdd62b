"""A value entered in one of its item's units: read, converted to the standard unit, and kept as entered.

An item with `other_units` (`edc.definitions.conversions`) is sent either as a plain number, in
its standard unit, or as `{"value": <number>, "unit": "<unit>"}`. The value may carry at most the
places of its unit; it is converted exactly, rounded half up to the item's precision, and the
result must lie in the item's range, which is in the standard unit: the range is a fact of the
analyte, whatever unit the laboratory used. An unknown unit is refused naming the units taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from edc.capture.limits import check_decimal, column_value
from edc.capture.numbers import Invalid, check_range, number_of, places, shown, shown_number
from edc.definitions.conversions import entry_unit, entry_units, is_converted, original_columns, original_precision
from edc.definitions.model import Item

_KEYS = frozenset({"value", "unit"})


@dataclass(frozen=True)
class Measurement:
    """A converted item's value: `standard` in the item's unit (at its precision), `original` in `unit` as
    entered (at the scale of the column keeping it)."""

    standard: Decimal
    original: Decimal
    unit: str


def parse_measurement(item: Item, raw: object) -> Measurement:
    """`raw` (a number in the standard unit, or `{"value", "unit"}`) as a Measurement; Invalid otherwise.

    Raises OutOfBounds (a ValueError) when a value is beyond what its column holds.
    """
    number, unit = _value_and_unit(item, raw)
    entry = entry_unit(item, unit)
    if entry is None:
        raise Invalid(f"unit {shown(unit)} is not one of {_units(item)}")
    original = number_of(number)
    if places(original) > entry.precision:
        raise Invalid(f"at most {entry.precision} decimal place(s) in {unit}, got {shown_number(number)}")
    scale = original_precision(item)
    check_decimal(item, original, scale)
    standard = column_value(item, original * entry.factor)
    assert isinstance(standard, Decimal)
    if unit != item.unit:
        check_range(item, standard, f" ({_text(original)} {unit} is {standard} {item.unit})")
    else:
        check_range(item, standard)
    return Measurement(standard, original.quantize(Decimal(1).scaleb(-scale)), unit)


def _value_and_unit(item: Item, raw: object) -> tuple[object, str]:
    if not isinstance(raw, Mapping):
        return raw, item.unit or ""
    if set(raw) != _KEYS:
        raise Invalid(f'send a number in {item.unit} or {{"value": <number>, "unit": <one of {_units(item)}>}}')
    unit = raw["unit"]
    if not isinstance(unit, str):
        raise Invalid(f"unit must be one of {_units(item)}, got {shown(unit)}")
    return raw["value"], unit


def _units(item: Item) -> str:
    return ", ".join(entry.unit for entry in entry_units(item))


def _text(value: Decimal) -> str:
    return format(value, "f")


def stored_columns(item: Item, value: object) -> dict[str, object]:
    """The stored values of one item: its own, and for a converted item what was entered (None when empty)."""
    if not is_converted(item):
        return {item.name: value}
    original, unit = original_columns(item)
    if isinstance(value, Measurement):
        return {item.name: value.standard, original: value.original, unit: value.unit}
    return {item.name: value, original: None, unit: None}
