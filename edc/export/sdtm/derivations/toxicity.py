"""Laboratory toxicity grades: --TOXGR and --TOX from a result, its reference range and the CTCAE criteria.

The criteria (per test code: term, direction, unit, one bound per grade) are
`exports/terminology/ctcae_lab.yaml` (`edc.definitions.sdtm.toxicity`).
`toxicity_grade` is the grading itself; the derivations apply it to a
findings row: the row's test code, its numeric result and limits in the
standard unit, graded only when the row's unit and specimen are the
criterion's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from edc.definitions.sdtm.toxicity import Criterion
from edc.export.sdtm.derivations.context import Derivation, RowContext


def toxicity_grade(result: float | None, low: float | None, high: float | None, criterion: Criterion) -> int | None:
    """The grade 0..4 of `result` on `criterion`, with the laboratory's limits `low` and `high` (same unit).

    None without a result, or without a limit one of the bounds is a multiple of. 0 on the normal side of
    the term's limit (not below the LLN of a decreased term, not above the ULN of an increased one), when
    that limit is given. Else the highest grade whose bound the result passes (strictly below, or above),
    0 when it passes none. Compared as decimals of the numbers' shortest representation, so 3.0 x ULN 0.1
    is 0.3, not 0.30000000000000004.
    """
    if result is None or not gradable(low, high, criterion):
        return None
    limits = {"lln": low, "uln": high}
    value = _decimal(result)
    decreased = criterion.direction == "decreased"
    normal = limits[criterion.normal_limit]
    if normal is not None and (value >= _decimal(normal) if decreased else value <= _decimal(normal)):
        return 0
    grade = 0
    for level, bound in criterion.grades.items():
        limit = limits[bound.limit] if bound.limit is not None else None
        threshold = bound.number * _decimal(limit) if limit is not None else bound.number
        if (value < threshold if decreased else value > threshold) and level > grade:
            grade = level
    return grade


def gradable(low: float | None, high: float | None, criterion: Criterion) -> bool:
    """Whether a result can be graded on `criterion` with these limits: each limit a bound is a multiple of."""
    return (low is not None or "lln" not in criterion.limits) and (high is not None or "uln" not in criterion.limits)


def _decimal(number: float) -> Decimal:
    return Decimal(repr(float(number)))


def _criterion(context: RowContext, args: Mapping[str, Any]) -> Criterion | None:
    """The criterion of the row's test, when the row is in the criterion's unit and specimen."""
    if context.test is None or context.test.sdtm is None or context.terminology is None:
        return None
    criterion = context.terminology.grading.criterion(context.dataset, str(context.test.sdtm.testcd))
    if criterion is None or context.values.get(args["unit"]) != criterion.unit:
        return None
    if "specimen" in args and context.values.get(args["specimen"]) != criterion.specimen:
        return None
    return criterion


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _inputs(context: RowContext, args: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    """The row's result and its limits of normal, as numbers."""
    values = context.values
    return _number(values.get(args["of"])), _number(values.get(args["low"])), _number(values.get(args["high"]))


def _grade(context: RowContext, args: Mapping[str, Any]) -> object:
    criterion = _criterion(context, args)
    grade = None if criterion is None else toxicity_grade(*_inputs(context, args), criterion)
    return None if grade is None else str(grade)


def _term(context: RowContext, args: Mapping[str, Any]) -> object:
    """The criterion's term when the row has a grade (`toxicity_grade` gives one), without grading it again."""
    criterion = _criterion(context, args)
    if criterion is None:
        return None
    result, low, high = _inputs(context, args)
    return criterion.term if result is not None and gradable(low, high, criterion) else None


TOXICITY: dict[str, Derivation] = {
    "toxicity_grade": _grade,
    "toxicity_term": _term,
}
