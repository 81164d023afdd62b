"""Items a site may enter in more than one unit: the units each takes, the conversion, the columns kept.

An item with `other_units` is stored in its `unit`, the standard unit: that value is what rules,
ranges, edit checks, calculations and xULN multiples read. Beside it the record keeps what was
entered, in two columns named after the SDTM variables they become: `<item>_orres` (the value,
--ORRES) and `<item>_orresu` (its unit, --ORRESU). A value entered in the standard unit is kept
there too, so every record entered since says how it was reported; a record stored before the item
had other units has them empty, and was entered in the standard unit.

A factor is exact as written in the YAML (88.4 is 88.4, not the nearest double), so converting one
entry gives the same standard value every time, on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from edc.definitions.model import Form, Item

ORIGINAL_VALUE = "_orres"
"""Suffix of the column holding the value as entered."""
ORIGINAL_UNIT = "_orresu"
"""Suffix of the column holding the unit it was entered in."""


@dataclass(frozen=True)
class EntryUnit:
    """A unit an item may be entered in: `1 unit = factor x` the standard unit, at most `precision` places."""

    unit: str
    factor: Decimal
    precision: int


def is_converted(item: Item) -> bool:
    """Whether the item takes other units than its own (and so keeps what was entered)."""
    return bool(item.other_units)


def entry_units(item: Item) -> tuple[EntryUnit, ...]:
    """The units the item takes: its standard unit first (factor 1, the item's precision), then the others."""
    standard = EntryUnit(item.unit or "", Decimal(1), item.precision or 0)
    return (standard, *(EntryUnit(other.unit, exact(other.factor), other.precision) for other in item.other_units))


def entry_unit(item: Item, unit: str) -> EntryUnit | None:
    """The entry unit `unit` of the item, or None when it does not take that unit."""
    return next((entry for entry in entry_units(item) if entry.unit == unit), None)


def original_columns(item: Item) -> tuple[str, str]:
    """The names of the columns keeping the value as entered and its unit."""
    return item.name + ORIGINAL_VALUE, item.name + ORIGINAL_UNIT


def original_precision(item: Item) -> int:
    """Decimal places of the as-entered column: the finest of the units', so every entry fits exactly."""
    return max(entry.precision for entry in entry_units(item))


def stored_names(form: Form) -> tuple[str, ...]:
    """Every value a record of the form stores: each item, followed by the as-entered columns of a converted one."""
    names: list[str] = []
    for item in form.items:
        names.append(item.name)
        if is_converted(item):
            names.extend(original_columns(item))
    return tuple(names)


def owner(form: Form, name: str) -> str:
    """The item a stored value belongs to: an as-entered column's item, else `name` itself."""
    for item in form.items:
        if is_converted(item) and name in original_columns(item):
            return item.name
    return name


def to_standard(entry: EntryUnit, value: Decimal) -> Decimal:
    """A value entered in `entry`'s unit, in the standard unit (unrounded: the column rounds it)."""
    return value * entry.factor


def from_standard(entry: EntryUnit, value: Decimal) -> Decimal:
    """A standard value in `entry`'s unit, rounded half up to that unit's precision."""
    return (value / entry.factor).quantize(Decimal(1).scaleb(-entry.precision), ROUND_HALF_UP)


def exact(factor: float) -> Decimal:
    """A factor as written: the shortest decimal of the float YAML read (88.4, not 88.400000000000005684...)."""
    return Decimal(repr(factor))
