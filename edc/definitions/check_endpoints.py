"""Checks of a study's `endpoints`: the forms each derivation reads are collected, the timepoint visit exists."""

from __future__ import annotations

from edc.definitions.catalog import StudyDefinition
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, report
from edc.definitions.vocabulary import DEATH_FORM, INFUSION_FORM, MEDICATION_FORM, MEDICATION_REVIEW_FORM

SURVIVAL_FORMS = (INFUSION_FORM, DEATH_FORM)
"""Overall survival runs from the infusion to the death form's date (last contact from the visit dates)."""
STEROID_FORMS = (INFUSION_FORM, MEDICATION_FORM, MEDICATION_REVIEW_FORM)
"""The glucocorticoid-free status reads the medication log and the site's confirmations that it is complete."""


def check_endpoints(study: StudyDefinition, where: Located, problems: Problems) -> None:
    """Report an endpoint whose forms the study does not collect, or whose visit is not in the schedule."""
    endpoints = study.spec.endpoints
    if endpoints is None:
        return
    at = where.child("endpoints")
    if endpoints.overall_survival is not None:
        _needs(study, "overall_survival", SURVIVAL_FORMS, at, problems)
    steroids = endpoints.glucocorticoid_free
    if steroids is not None:
        _needs(study, "glucocorticoid_free", STEROID_FORMS, at, problems)
        if study.visit(steroids.visit) is None:
            report(problems, at, f"glucocorticoid_free visit '{steroids.visit}' is not in the schedule",
                   "glucocorticoid_free", "visit")


def _needs(study: StudyDefinition, endpoint: str, forms: tuple[str, ...], at: Located, problems: Problems) -> None:
    missing = [form_id for form_id in forms if form_id not in study.forms]
    if missing:
        report(problems, at, f"{endpoint} reads form(s) {', '.join(missing)}, which the study does not collect",
               endpoint)
