"""Eligibility of synthetic screening subjects in the four trials (data in `screening_data`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from screening_data import CASES, MISSING_LAB, NOT_MET, apply, never_not_met, screening

from edc.definitions.catalog import StudyDefinition
from edc.definitions.loader import load_catalog
from edc.rules.eligibility import applies_to, evaluate_eligibility

FORMS = Path(__file__).resolve().parents[2] / "forms"


@cache
def study(study_id: str) -> StudyDefinition:
    return load_catalog(FORMS).study(study_id)


def rule_criteria(study_id: str, cohort: str | None) -> list[str]:
    return [c.id for c in study(study_id).spec.eligibility.criteria
            if c.rule is not None and applies_to(c, cohort)]


@pytest.mark.parametrize(("study_id", "cohort"), CASES)
def test_good_subject_is_eligible(study_id: str, cohort: str | None) -> None:
    result = evaluate_eligibility(study(study_id), screening(study(study_id), cohort), cohort)
    assert result.status == "eligible", [(c.id, c.status, c.missing) for c in result.criteria if c.status != "met"]
    applicable = {c.id for c in study(study_id).spec.eligibility.criteria if applies_to(c, cohort)}
    assert {c.id for c in result.criteria} == applicable


@pytest.mark.parametrize(("study_id", "cohort"), CASES)
def test_every_rule_criterion_has_a_failing_case(study_id: str, cohort: str | None) -> None:
    """Each rule criterion that can be false is exercised below (other cnct19 cohorts: their own ones)."""
    covered = set(NOT_MET[(study_id, cohort)])
    rules = {c.id: c.rule for c in study(study_id).spec.eligibility.criteria if c.rule is not None}
    expected = {cid for cid in rule_criteria(study_id, cohort) if not never_not_met(rules[cid] or "")}
    if study_id == "cnct19" and cohort != "LN":
        expected -= set(NOT_MET[("cnct19", "LN")])
    assert expected <= covered


NOT_MET_CASES = [(s, c, cid) for (s, c), changes in NOT_MET.items() for cid in changes]


@pytest.mark.parametrize(("study_id", "cohort", "criterion_id"), NOT_MET_CASES)
def test_one_change_fails_exactly_that_criterion(study_id: str, cohort: str | None, criterion_id: str) -> None:
    change = NOT_MET[(study_id, cohort)][criterion_id]
    records = apply(screening(study(study_id), cohort), change.changes)
    result = evaluate_eligibility(study(study_id), records, cohort)
    assert result.status == "not_eligible"
    assert set(result.by_status("not_met")) == {criterion_id} | change.also_not_met
    assert result.by_status("undecidable") == ()
    assert result.criterion(criterion_id).values  # the values that decided it


@pytest.mark.parametrize(("study_id", "cohort"), CASES)
def test_investigator_answer_decides_confirmed_criteria(study_id: str, cohort: str | None) -> None:
    definition = study(study_id)
    for criterion in definition.spec.eligibility.criteria:
        if criterion.confirm is None or not applies_to(criterion, cohort):
            continue
        records = screening(definition, cohort)
        key = criterion.id.lower()
        records["ie_confirm"][key] = not records["ie_confirm"][key]
        result = evaluate_eligibility(definition, records, cohort)
        assert result.by_status("not_met") == (criterion.id,)
        assert result.criterion(criterion.id).values == {f"ie_confirm.{key}": records["ie_confirm"][key]}


@pytest.mark.parametrize(("study_id", "cohort"), CASES)
def test_missing_lab_is_undecidable_and_pending(study_id: str, cohort: str | None) -> None:
    changes, undecidable = MISSING_LAB[(study_id, cohort)]
    records = apply(screening(study(study_id), cohort), changes)
    result = evaluate_eligibility(study(study_id), records, cohort)
    assert result.status == "pending"
    assert set(result.by_status("undecidable")) == undecidable
    assert result.by_status("not_met") == ()
    form_id, items = next(iter(changes.items()))
    path = f"{form_id}.{next(iter(items))}"
    for criterion_id in undecidable:
        assert path in result.criterion(criterion_id).missing


@pytest.mark.parametrize(("study_id", "cohort"), CASES)
def test_missing_form_and_consent(study_id: str, cohort: str | None) -> None:
    records = screening(study(study_id), cohort)
    del records["informed_consent"]["icdat"]
    del records["ie_confirm"]
    result = evaluate_eligibility(study(study_id), records, cohort)
    assert result.status == "pending"
    undecidable = set(result.by_status("undecidable"))
    consent = {c.id for c in study(study_id).spec.eligibility.criteria if c.rule == "informed_consent.icdat != null"}
    confirmed = {c.id for c in study(study_id).spec.eligibility.criteria if c.confirm and applies_to(c, cohort)}
    assert undecidable == consent | confirmed


def test_a_failure_wins_over_missing_data() -> None:
    definition = study("ic19")
    records = apply(screening(definition, None), {"chemistry": {"creat": None}, "ecg": {"qt": 500.0}})
    result = evaluate_eligibility(definition, records, None)
    assert result.status == "not_eligible"
    assert result.criterion("EXC13").status == "not_met"
    assert result.criterion("EXC13").kind == "exclusion"
    assert result.criterion("INC10").status == "undecidable"


def test_cohort_is_required_in_a_multi_cohort_study() -> None:
    definition = study("cnct19")
    with pytest.raises(ValueError, match="cohort"):
        evaluate_eligibility(definition, screening(definition, "LN"), None)
    with pytest.raises(ValueError, match="cohort"):
        evaluate_eligibility(definition, screening(definition, "LN"), "XX")


def test_cohort_restricts_criteria() -> None:
    definition = study("cnct19")
    ln = evaluate_eligibility(definition, screening(definition, "LN"), "LN")
    itp = evaluate_eligibility(definition, screening(definition, "ITP"), "ITP")
    assert "INC04" in {c.id for c in ln.criteria} and "INC04" not in {c.id for c in itp.criteria}
    assert "INC06" in {c.id for c in itp.criteria} and "INC06" not in {c.id for c in ln.criteria}
