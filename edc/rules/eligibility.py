"""Eligibility of one subject: every criterion of the study that applies to the cohort, evaluated on screening data.

Statuses are named from the subject's side, so "met" always means "satisfied
for eligibility":

* an inclusion is `met` when its rule is true, `not_met` when false;
* an exclusion's rule describes the excluding condition, so a true rule means
  the condition is PRESENT and the criterion is `not_met` (the subject is
  excluded); a false rule means `met` (the condition is absent);
* `undecidable` when the rule needs data that are missing (listed in `missing`).

Investigator-confirmed criteria read `ie_confirm.<criterion id in lower case>`.
Overall, a subject is `eligible` only when every applicable criterion is met,
`not_eligible` when any is not met, else `pending`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from edc.definitions.catalog import StudyDefinition
from edc.definitions.check_study import eligibility_env
from edc.definitions.model import Criterion
from edc.definitions.vocabulary import IE_CONFIRM_FORM
from edc.rules.checks import complete_values
from edc.rules.runtime import Undecidable, evaluate, lookup, references

CriterionStatus = Literal["met", "not_met", "undecidable"]
OverallStatus = Literal["eligible", "not_eligible", "pending"]
FormRecords = Mapping[str, object] | Sequence[Mapping[str, object]]


@dataclass(frozen=True)
class CriterionResult:
    """One criterion: its status, the values that decided it and, when undecidable, the missing paths."""

    id: str
    kind: Literal["inclusion", "exclusion"]
    status: CriterionStatus
    values: Mapping[str, object]
    missing: tuple[str, ...] = ()

    @property
    def excluding_condition(self) -> Literal["present", "absent", "unknown"] | None:
        """For an exclusion, whether its excluding condition is present (its rule true: the subject is
        excluded), absent, or unknown (undecidable); None for an inclusion."""
        if self.kind == "inclusion":
            return None
        return {"not_met": "present", "met": "absent"}.get(self.status, "unknown")  # type: ignore[return-value]


@dataclass(frozen=True)
class EligibilityResult:
    """The overall status and each applicable criterion's result, in definition order."""

    status: OverallStatus
    criteria: tuple[CriterionResult, ...]

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)

    def by_status(self, status: CriterionStatus) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.status == status)


def criterion_rule(criterion: Criterion) -> str:
    """The CEL rule of a criterion; an investigator-confirmed one reads its `ie_confirm` item."""
    return criterion.rule or f"{IE_CONFIRM_FORM}.{criterion.id.lower()}"


def applies_to(criterion: Criterion, cohort: str | None) -> bool:
    """Whether `criterion` applies to subjects of `cohort` (criteria without cohorts apply to all)."""
    return criterion.cohorts is None or cohort in criterion.cohorts


def evaluate_eligibility(study: StudyDefinition, records: Mapping[str, FormRecords],
                         cohort: str | None) -> EligibilityResult:
    """Evaluate the study's criteria on `records` (form id -> record, or list of records for a repeating form).

    `cohort` may be None in a study with at most one cohort. Raises ValueError for an unknown cohort.
    """
    cohort = _resolve_cohort(study, cohort)
    visit = study.visit(study.spec.eligibility.visit)
    if visit is None:
        raise ValueError(f"eligibility visit {study.spec.eligibility.visit} is not in the schedule")
    env = eligibility_env(study, visit.forms)
    variables = screening_variables(study, records, env)
    results = tuple(
        _evaluate(criterion, variables, references(criterion_rule(criterion), env))
        for criterion in study.spec.eligibility.criteria if applies_to(criterion, cohort)
    )
    return EligibilityResult(_overall(results), results)


def _resolve_cohort(study: StudyDefinition, cohort: str | None) -> str | None:
    """`cohort`, checked; None means the study's only cohort (an error when it has several)."""
    cohorts = [c.id for c in study.spec.cohorts]
    if cohort is not None and cohort not in cohorts:
        raise ValueError(f"study {study.id} has no cohort {cohort!r}")
    if cohort is None and len(cohorts) > 1:
        raise ValueError(f"study {study.id} has several cohorts; say which one the subject is in")
    return cohort if cohort is not None or not cohorts else cohorts[0]


def screening_variables(study: StudyDefinition, records: Mapping[str, FormRecords],
                        env: Mapping[str, object]) -> dict[str, object]:
    """Each captured form of the eligibility visit as the record rules see (calcs done, skips applied)."""
    variables: dict[str, object] = {}
    for form_id in env:
        captured = records.get(form_id)
        if captured is None:
            continue  # a form not captured: the rules reading it are undecidable
        form = study.forms[form_id]
        if isinstance(captured, Mapping):
            variables[form_id] = complete_values(form, captured, study.codelists)
        else:
            variables[form_id] = [complete_values(form, r, study.codelists) for r in captured]
    return variables


def _evaluate(criterion: Criterion, variables: Mapping[str, object], paths: tuple[str, ...]) -> CriterionResult:
    rule = criterion_rule(criterion)
    result = evaluate(rule, variables, paths)
    used = {path: lookup(path, variables)[1] for path in paths}
    if isinstance(result, Undecidable):
        return CriterionResult(criterion.id, criterion.kind, "undecidable", used, result.missing)
    if not isinstance(result, bool):
        raise TypeError(f"criterion {criterion.id} gave {result!r}, not a bool")
    satisfied = result if criterion.kind == "inclusion" else not result
    return CriterionResult(criterion.id, criterion.kind, "met" if satisfied else "not_met", used)


def _overall(results: tuple[CriterionResult, ...]) -> OverallStatus:
    if any(r.status == "not_met" for r in results):
        return "not_eligible"
    if all(r.status == "met" for r in results):
        return "eligible"
    return "pending"
