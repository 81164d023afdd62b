"""The CEL runtime: function bindings, value conversion, compiled-program cache and tri-state evaluation.

Values reach the Rust engine converted (`to_cel`): a date becomes a UTC
datetime at midnight, a Decimal a float, a tuple a list. A partial date
(`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) becomes the timestamp of its first possible
day: rules may only test it with `!= null` (the type checker refuses anything
else), so this non-null stand-in keeps that test true without pretending to a
precision the value lacks.

Missing data: a record passed to `evaluate` leaves out the items that are
missing (an item that was skipped by its `when` stays as null). Reading an
absent item makes the engine fail, unless CEL's short-circuit makes it
irrelevant (`a == 'N' || b > 1.0` is true whatever `b` is). An evaluation that
fails while some referenced value is absent or null is `Undecidable`; one
that fails with all its data present is a genuine error (`RuleError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import cel

from edc.definitions.cel_check import CelType, check_expression
from edc.definitions.functions import CEL_FUNCTIONS
from edc.domain import derived, sledai

FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "crcl_cockcroft_gault": derived.crcl_cockcroft_gault,
    "creatinine_mg_dl": derived.creatinine_mg_dl,
    "qtc_bazett": derived.qtc_bazett,
    "uln_multiple": derived.uln_multiple,
    "days_between": derived.days_between,
    "prednisone_equivalent": derived.prednisone_equivalent,
    "weight_based_dose": derived.weight_based_dose,
    "dose_within_tolerance": derived.dose_within_tolerance,
    "sledai_activity_band": sledai.activity_band_from_bounds,
}
"""Each name of `edc.definitions.functions.CEL_FUNCTIONS` bound to its pure implementation."""

_PARTIAL_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?$")
_PROGRAMS: dict[str, Any] = {}
_ENGINE_ERRORS = (TypeError, KeyError, RuntimeError, ValueError, ZeroDivisionError)


@dataclass(frozen=True)
class Undecidable:
    """A rule that cannot be decided yet: the dotted paths of the referenced values that are missing."""

    missing: tuple[str, ...]


class RuleError(Exception):
    """A rule failed on complete data: a definition or data error, not missing data."""

    def __init__(self, source: str, cause: Exception) -> None:
        super().__init__(f"rule {source!r} failed: {type(cause).__name__}: {cause}")
        self.source = source


def to_cel(value: object) -> object:
    """`value` as the engine wants it (see the module docstring)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | list | frozenset | set):
        return [to_cel(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_cel(v) for k, v in value.items()}
    return value


def partial_date_value(value: object) -> object:
    """A partial date (string or date) as a non-null timestamp: its first possible day, UTC."""
    if isinstance(value, str):
        match = _PARTIAL_DATE.match(value)
        if match is None:
            raise ValueError(f"not a partial date: {value!r}")
        year, month, day = (int(g) if g else 1 for g in match.groups())
        return datetime(year, month, day, tzinfo=UTC)
    return to_cel(value)


def program(source: str) -> Any:
    """The compiled program of `source`, compiled once per process (pure and deterministic)."""
    compiled = _PROGRAMS.get(source)
    if compiled is None:
        compiled = cel.compile(source)
        _PROGRAMS[source] = compiled
    return compiled


def references(source: str, env: Mapping[str, CelType]) -> tuple[str, ...]:
    """The dotted paths `source` reads, in the order they first appear in the source."""
    found = check_expression(source, env, CEL_FUNCTIONS).references
    return tuple(sorted(found, key=lambda path: (_position(source, path), path)))


def _position(source: str, path: str) -> int:
    match = re.search(r"(?<![\w.])" + re.escape(path) + r"(?!\w)", source)
    return match.start() if match else len(source)


def lookup(path: str, variables: Mapping[str, object]) -> tuple[bool, object]:
    """(found, value) of dotted `path` in `variables`; a path into a list stops at the list."""
    current: object = variables
    for part in path.split("."):
        if isinstance(current, list):
            return True, current
        if not isinstance(current, Mapping) or part not in current:
            return False, None
        current = current[part]
    return True, current


def missing_paths(paths: Iterable[str], variables: Mapping[str, object]) -> tuple[str, ...]:
    """The paths among `paths` whose value is absent or null."""
    return tuple(p for p in paths if lookup(p, variables)[1] is None)


def evaluate(source: str, variables: Mapping[str, object], paths: Iterable[str]) -> object:
    """The value of `source` on `variables`, or `Undecidable` when it failed for want of data.

    `paths` are the dotted paths the rule reads (see `references`). Raises
    `RuleError` when the rule fails although none of them is missing.
    """
    compiled = program(source)  # a compile error is a definition error, never undecidable
    context = cel.Context()
    for name, function in FUNCTIONS.items():
        context.add_function(name, function)
    for name, value in variables.items():
        context.add_variable(name, to_cel(value))
    try:
        return compiled.execute(context)
    except _ENGINE_ERRORS as exc:
        missing = missing_paths(paths, variables)
        if missing:
            return Undecidable(missing)
        raise RuleError(source, exc) from exc
