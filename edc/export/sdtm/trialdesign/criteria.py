"""TI, Trial Inclusion/Exclusion Criteria: one row per eligibility criterion of the study definition."""

from __future__ import annotations

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Criterion
from edc.export.formats.metadata import Role
from edc.export.sdtm.derivations.criteria import criterion_test
from edc.export.sdtm.trialdesign.common import (
    MAX_TESTCD,
    MAX_TEXT,
    Design,
    DesignError,
    Row,
    design_dataset,
    identifier_variables,
    row_start,
    text_variable,
)


def trial_criteria(study: StudyDefinition) -> Design:
    """TI: one row per eligibility criterion, by IETESTCD; refuses ids over 8 characters."""
    criteria = study.spec.eligibility.criteria
    problems = [problem for criterion in criteria for problem in _criterion_problems(criterion)]
    if problems:
        raise DesignError(f"TI cannot hold the eligibility criteria of {study.id} {study.version}: "
                          + "; ".join(problems))
    rows: list[Row] = [
        {**row_start(study, "TI"), "IETESTCD": criterion.id, "IETEST": criterion_test(" ".join(criterion.text.split())),
         "IECAT": criterion.kind.upper(), "TIVERS": study.version}
        for criterion in sorted(criteria, key=lambda c: c.id)
    ]
    variables = [
        *identifier_variables(),
        text_variable("IETESTCD", "Incl/Excl Criterion Short Name", Role.TOPIC, MAX_TESTCD, mandatory=True, key=3),
        text_variable("IETEST", "Inclusion/Exclusion Criterion", Role.SYNONYM_QUALIFIER, MAX_TEXT, mandatory=True),
        text_variable("IECAT", "Inclusion/Exclusion Category", Role.GROUPING_QUALIFIER, 9, mandatory=True),
        text_variable("TIVERS", "Protocol Criteria Versions", Role.RECORD_QUALIFIER, 20, key=2),
    ]
    return design_dataset("TI", "Trial Inclusion/Exclusion Criteria", "One record per I/E criterion", variables), rows


def _criterion_problems(criterion: Criterion) -> list[str]:
    """Why a criterion does not fit TI: an id over 8 characters."""
    problems = []
    if len(criterion.id) > MAX_TESTCD:
        problems.append(f"id {criterion.id!r} has {len(criterion.id)} characters, IETESTCD holds at most {MAX_TESTCD}")
    return problems
