"""The CEL runtime: function bindings, value conversion, compiled-program cache and tri-state evaluation.

Values reach the Rust engine converted (`to_cel`): a date becomes a UTC
datetime at midnight, a Decimal a float, a tuple a list. A partial date
(`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) stays its text: rules may only test it with
`!= null` or read its bounds with `earliest_date()` / `latest_date()` (the
type checker refuses anything else), so no rule pretends to a precision the
value lacks.

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
from edc.definitions.celenv import RuleEnv
from edc.definitions.functions import CEL_FUNCTIONS
from edc.domain import derived, sledai

FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "crcl_cockcroft_gault": derived.crcl_cockcroft_gault,
    "creatinine_mg_dl": derived.creatinine_mg_dl,
    "qtc_bazett": derived.qtc_bazett,
    "uln_multiple": derived.uln_multiple,
    "days_between": derived.days_between,
    "earliest_date": derived.earliest_date,
    "latest_date": derived.latest_date,
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


def partial_date_value(value: object) -> str:
    """A partial date (string or date) as the text rules see: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str) and _PARTIAL_DATE.match(value) is not None:
        return value
    raise ValueError(f"not a partial date: {value!r}")


def program(source: str) -> Any:
    """The compiled program of `source`, compiled once per process (pure and deterministic)."""
    compiled = _PROGRAMS.get(source)
    if compiled is None:
        compiled = cel.compile(source)
        _PROGRAMS[source] = compiled
    return compiled


def references(source: str, env: Mapping[str, CelType]) -> tuple[str, ...]:
    """The dotted paths `source` reads, in the order they first appear in the source.

    Worked out once per rule in a form's environment (`RuleEnv.paths`): parsing and type-checking the
    rule again on every record gives the same answer.
    """
    memo = env.paths if isinstance(env, RuleEnv) else None
    found = memo.get(source) if memo is not None else None
    if found is None:
        paths = check_expression(source, env, CEL_FUNCTIONS).references
        found = tuple(sorted(paths, key=lambda path: (_position(source, path), path)))
        if memo is not None:
            memo[source] = found
    return found


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


def bound(variables: Mapping[str, object]) -> Any:
    """An engine context holding the functions and `variables` (converted), for evaluating several rules on
    the same values: converting and binding them is most of an evaluation's cost."""
    context = cel.Context()
    for name, function in FUNCTIONS.items():
        context.add_function(name, function)
    for name, value in variables.items():
        context.add_variable(name, to_cel(value))
    return context


def evaluate(source: str, variables: Mapping[str, object], paths: Iterable[str], context: Any = None) -> object:
    """The value of `source` on `variables`, or `Undecidable` when it failed for want of data.

    `paths` are the dotted paths the rule reads (see `references`); `context` is `bound(variables)` when the
    caller evaluates several rules on the same variables. Raises `RuleError` when the rule fails although
    none of them is missing.
    """
    compiled = program(source)  # a compile error is a definition error, never undecidable
    context = bound(variables) if context is None else context
    try:
        return compiled.execute(context)
    except _ENGINE_ERRORS as exc:
        missing = missing_paths(paths, variables)
        if missing:
            return Undecidable(missing)
        raise RuleError(source, exc) from exc
