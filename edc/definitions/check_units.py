"""Checks of an item's `other_units`: known units, one each, factors that agree with the unit registry.

A unit of the item's own dimension converts by the registry's factor, so a declared factor must
agree with it (a g/dL written as 0.1 g/L instead of 10 is caught here); a unit of another dimension
needs the analyte's own factor (mg/dL to umol/L: its molar mass), which only the YAML can give.
A value and its reference limits are reported by one laboratory in one unit, so they take the same
units with the same factors.
"""

from __future__ import annotations

import math

from edc.definitions import units
from edc.definitions.conversions import exact, original_columns
from edc.definitions.model import Form, Item
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, report


def check_other_units(form: Form, item: Item, at: Located, problems: Problems) -> None:
    """Every problem of the item's other units, each at its line."""
    if not item.other_units:
        return
    if item.type != "decimal" or item.unit is None:
        report(problems, at, f"'other_units' of '{item.name}' need a decimal item with a 'unit' "
               "(the standard unit the value is stored in)", "other_units")
        return
    seen = {item.unit}
    for j, other in enumerate(item.other_units):
        _check_unit(item, other.unit, other.factor, seen, at.child("other_units", j), problems)
        seen.add(other.unit)
    for column in original_columns(item):
        if form.item(column) is not None:
            report(problems, at, f"'{column}' keeps what was entered in '{item.name}': no item may take the name",
                   "other_units")


def _check_unit(item: Item, unit: str, factor: float, seen: set[str], at: Located, problems: Problems) -> None:
    standard = item.unit or ""
    if not units.is_known(unit):
        report(problems, at, f"other unit '{unit}' of '{item.name}' is not a known unit", "unit")
    elif unit == standard:
        report(problems, at, f"other unit '{unit}' of '{item.name}' is its own unit", "unit")
    elif unit in seen:
        report(problems, at, f"other unit '{unit}' of '{item.name}' is listed twice", "unit")
    elif units.same_dimension(unit, standard):
        registry = units.convert(1.0, unit, standard)
        if not math.isclose(factor, registry, rel_tol=1e-9):
            report(problems, at, f"factor {factor:g} of '{item.name}' in {unit} disagrees with the unit registry: "
                   f"1 {unit} = {registry:g} {standard}", "factor")
    elif not units.analyte_specific(unit, standard):
        report(problems, at, f"other unit '{unit}' of '{item.name}' measures something else than {standard}: "
               "no factor converts them", "unit")


def check_same_units(item: Item, limit: Item, at: Located, key: str, problems: Problems) -> None:
    """A value and its reference limit (`uln`/`lln`, named by `key`) take the same units with the same factors."""
    mine, theirs = _conversions(item), _conversions(limit)
    if mine != theirs:
        report(problems, at, f"unit mismatch: '{item.name}' is entered in {_listed(item)}, its {key} "
               f"'{limit.name}' in {_listed(limit)} (a laboratory reports both in one unit; give both the same "
               "other_units)", key)


def _conversions(item: Item) -> frozenset[tuple[str, object]]:
    return frozenset((other.unit, exact(other.factor)) for other in item.other_units)


def _listed(item: Item) -> str:
    return " or ".join([item.unit or "no unit", *(f"{o.unit} (x {o.factor:g})" for o in item.other_units)])
