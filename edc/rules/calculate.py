"""Calculated items and skip logic of one form, evaluated on a record's captured values.

`calculate` computes every calculated item (CEL `calc` or a registered score)
in dependency order, so a calc may read another (the ICE score feeding the
ICANS grade); a calc whose inputs are missing is None, one whose inputs are
outside its function's domain raises `CalculationFailed` naming the item. `applicable` evaluates
each item's `when`. `rule_record` builds the record rules see: present values
converted to their CEL type, skipped items as null, missing items left out
(so a rule reading them is undecidable, see `edc.rules.runtime`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from graphlib import TopologicalSorter

from edc.definitions.cel_check import CelType
from edc.definitions.celenv import RuleEnv, form_fields
from edc.definitions.functions import SCORES
from edc.definitions.model import Codelist, Form, Item, ScoreCalc
from edc.domain import astct, bilag, bvas, sledai
from edc.rules.runtime import RuleError, Undecidable, evaluate, partial_date_value, references, to_cel

SCORE_FUNCTIONS: Mapping[str, Callable[..., object]] = {
    "sledai_2k_total": sledai.sledai_2k_total,
    "selena_sledai_total": sledai.selena_sledai_total,
    "bilag_2004_numeric": bilag.bilag_2004_numeric,
    "bilag_2004_count_a": bilag.bilag_2004_count_a,
    "bilag_2004_count_b": bilag.bilag_2004_count_b,
    "bvas_v3_total": bvas.bvas_v3_total,
    "bvas_v3_system": bvas.bvas_v3_system,
    "ice_score": astct.ice_score,
    "crs_fever_astct": astct.crs_fever_astct,
    "crs_hypoxia_astct": astct.crs_hypoxia_astct,
    "crs_grade_astct": astct.crs_grade_astct,
    "icans_grade_astct": astct.icans_grade_astct,
}
"""Each score of `edc.definitions.functions.SCORES` bound to its pure implementation (record, **params)."""


class CalculationFailed(Exception):
    """A calculated item failed on values that are all present, e.g. a multiple of an upper limit of normal of 0."""

    def __init__(self, item: str, cause: Exception) -> None:
        reason = cause.__cause__ if isinstance(cause, RuleError) and cause.__cause__ is not None else cause
        super().__init__(f"cannot be calculated from the values entered: {reason}")
        self.item = item


def item_value(item: Item, value: object) -> object:
    """A captured value as its CEL type: decimals as float, integers as int, dates as UTC timestamps."""
    if value is None:
        return None
    if item.type == "decimal":
        return float(value)  # type: ignore[arg-type]
    if item.type == "integer" and not isinstance(value, bool):
        return int(value)  # type: ignore[call-overload]
    if item.type == "partial_date":
        return partial_date_value(value)
    return to_cel(value)


def rule_record(form: Form, values: Mapping[str, object],
                applicability: Mapping[str, bool | None] | None = None) -> dict[str, object]:
    """The record rules see: present values converted, skipped items null, missing items left out."""
    skipped = {name for name, applies in (applicability or {}).items() if applies is False}
    record: dict[str, object] = {}
    for item in form.items:
        value = values.get(item.name)
        if value is not None:
            record[item.name] = item_value(item, value)
        elif item.name in skipped:
            record[item.name] = None
    return record


def applicable(form: Form, values: Mapping[str, object],
               codelists: Mapping[str, Codelist] | None = None) -> dict[str, bool | None]:
    """Each item's skip logic: True (asked), False (skipped) or None (undecidable: its inputs are missing)."""
    env = form_fields(form, codelists)
    record = rule_record(form, values)
    return {item.name: _when(item, record, env) for item in form.items}


def _when(item: Item, record: Mapping[str, object], env: Mapping[str, CelType]) -> bool | None:
    if item.when is None:
        return True
    result = evaluate(item.when, record, references(item.when, env))
    if isinstance(result, Undecidable):
        return None
    if not isinstance(result, bool):
        raise TypeError(f"the when of {item.name} gave {result!r}, not a bool")
    return result


def calculate(form: Form, codelists: Mapping[str, Codelist] | None,
              values: Mapping[str, object]) -> dict[str, object]:
    """Every calculated item of `form` on `values`, in dependency order; None where inputs are missing."""
    env = form_fields(form, codelists)
    calculated = {item.name for item in form.items if item.is_calculated}
    working = {k: v for k, v in values.items() if k not in calculated}  # a calc is never taken from input
    results: dict[str, object] = {}
    for item in calc_order(form, env):
        applies = _when(item, rule_record(form, working), env)
        try:
            value = _calc_value(item, form, working, env) if applies is not False else None
        except (RuleError, ValueError) as exc:
            raise CalculationFailed(item.name, exc) from exc
        working[item.name] = value
        results[item.name] = value
    return results


def calc_order(form: Form, env: Mapping[str, CelType]) -> tuple[Item, ...]:
    """The calculated items of `form`, each after the calcs it reads (worked out once per form environment)."""
    if isinstance(env, RuleEnv) and env.calc_order is not None:
        return env.calc_order
    calcs = {item.name: item for item in form.items if item.calc is not None}
    graph = {name: _inputs(item, env) & calcs.keys() for name, item in calcs.items()}
    order = tuple(calcs[name] for name in TopologicalSorter(graph).static_order())
    if isinstance(env, RuleEnv):
        env.calc_order = order
    return order


def _inputs(item: Item, env: Mapping[str, CelType]) -> set[str]:
    if isinstance(item.calc, ScoreCalc):
        return {i.name for i in SCORES[item.calc.score].inputs}
    return set(references(item.calc or "", env))


def _calc_value(item: Item, form: Form, working: Mapping[str, object], env: Mapping[str, CelType]) -> object:
    calc = item.calc
    if isinstance(calc, ScoreCalc):
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in calc.params.items()}
        return SCORE_FUNCTIONS[calc.score](dict(working), **params)
    assert calc is not None
    result = evaluate(calc, rule_record(form, working), references(calc, env))
    return None if isinstance(result, Undecidable) else result
