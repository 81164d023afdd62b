"""Checks of a study as a whole: unique ids, the dose-level ladder, the DLT definition, the schedule and eligibility."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.cel_check import BOOL, DYN, CelType, check_expression
from edc.definitions.celenv import check_rule, form_record
from edc.definitions.check_endpoints import check_endpoints
from edc.definitions.functions import CEL_FUNCTIONS
from edc.definitions.model import (
    PER_KG_UNITS,
    Codelist,
    Criterion,
    DltExceptionRule,
    DltPersistence,
    DltRules,
    FormList,
    ScheduledVisit,
)
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, report
from edc.definitions.vocabulary import DLT_FORM, IE_CONFIRM_FORM


def check_study(study: StudyDefinition, where: Located, problems: Problems,
                broken: frozenset[str] = frozenset()) -> None:
    """Check `study`; `broken` names forms that failed to load, whose items are not known."""
    spec = study.spec
    _unique(spec.sites, "id", "site", ("sites",), where, problems)
    _unique(spec.cohorts, "id", "cohort", ("cohorts",), where, problems)
    _unique(spec.dose_levels, "id", "dose level", ("dose_levels",), where, problems)
    _unique(spec.dose_levels, "order", "dose level order", ("dose_levels",), where, problems)
    _unique(spec.schedule.visits, "id", "visit", ("schedule", "visits"), where, problems)
    _unique(spec.schedule.visits, "visitnum", "visitnum", ("schedule", "visits"), where, problems)
    _unique(spec.eligibility.criteria, "id", "criterion", ("eligibility", "criteria"), where, problems)
    _check_meta(study, where, problems)
    _check_dose_levels(study, where, problems)
    _check_dlt(study, where.child("escalation", "dlt"), problems)
    _check_dlt_outcome(study, where, problems)
    _check_schedule(study, where, problems)
    _check_eligibility(study, where, problems, broken)
    check_endpoints(study, where, problems)


def _unique(objects: Iterable[Any], key: str, what: str, path: tuple[str, ...],
            where: Located, problems: Problems) -> None:
    seen: set[object] = set()
    for i, obj in enumerate(objects):
        value = getattr(obj, key)
        if value in seen:
            report(problems, where, f"duplicate {what} '{value}'", *path, i, key)
        seen.add(value)


def _check_meta(study: StudyDefinition, where: Located, problems: Problems) -> None:
    meta = study.spec.study
    if meta.age.min > meta.age.max:
        report(problems, where, f"age min {meta.age.min} is above max {meta.age.max}", "study", "age")
    cap = study.spec.escalation.max_subjects
    if cap is not None and cap < study.spec.escalation.cohort_size:
        report(problems, where, "escalation max_subjects is below one cohort", "escalation", "max_subjects")
    expansion = study.spec.escalation.expansion
    if expansion.opens is not None and not expansion.allowed:
        report(problems, where, f"expansion opens {expansion.opens}, but expansion is not allowed "
               "(allowed: false)", "escalation", "expansion", "opens")
    for i, cohort in enumerate(study.spec.cohorts):
        if cap is not None and cohort.max_subjects is not None and cohort.max_subjects > cap:
            report(problems, where, f"cohort {cohort.id} max_subjects {cohort.max_subjects} is above the study's "
                   f"cap (escalation max_subjects {cap})", "cohorts", i, "max_subjects")


def _check_dose_levels(study: StudyDefinition, where: Located, problems: Problems) -> None:
    levels = study.spec.dose_levels
    escalation = study.spec.escalation
    ids = [level.id for level in levels]
    if escalation.start_level not in ids:
        report(problems, where, f"start_level '{escalation.start_level}' is not a dose level", "escalation",
               "start_level")
    starts = [i for i, level in enumerate(levels) if level.role == "start"]
    if len(starts) != 1:
        report(problems, where, "exactly one dose level must have role 'start'", "dose_levels")
    elif levels[starts[0]].id != escalation.start_level:
        report(problems, where, "start_level must be the dose level whose role is 'start'", "escalation",
               "start_level")
    per_kg = {level.dose.unit in PER_KG_UNITS for level in levels}
    if len(per_kg) > 1:
        report(problems, where, "unit mismatch: dose levels mix per-kg and flat doses", "dose_levels")
    if escalation.expanded_cohort_size < escalation.cohort_size:
        report(problems, where, "expanded_cohort_size is below cohort_size", "escalation",
               "expanded_cohort_size")


def _check_dlt_outcome(study: StudyDefinition, where: Located, problems: Problems) -> None:
    """An investigator's decision needs the DLT assessment form; only that assessment is signed in the EDC."""
    rule = study.spec.escalation.dlt_outcome
    declared = "dlt_outcome" in study.spec.escalation.model_fields_set  # the default asks for no form
    if declared and rule.decided_by == "investigator" and DLT_FORM not in study.forms:
        report(problems, where, f"dlt_outcome decided_by investigator needs the {DLT_FORM} form in the study",
               "escalation", "dlt_outcome", "decided_by")
    if rule.decided_by == "committee" and rule.signed:
        report(problems, where, "dlt_outcome signed applies to the investigator's assessment; the committee's "
               "verdict is recorded by its reviewer, not signed", "escalation", "dlt_outcome", "signed")


# The codelists the DLT definition's codes come from: dlt_event_class holds the codes of
# edc.definitions.vocabulary.EventClass (the AE form's aedltcls), relatedness those the AE form's aerel takes.
DLT_EVENT_CLASS_CODELIST = "dlt_event_class"
RELATEDNESS_CODELIST = "relatedness"


def _check_dlt(study: StudyDefinition, where: Located, problems: Problems) -> None:
    """Codes of the right codelists, unique rule ids, and one rule deciding each class and grade.

    The structural checks are those the DLT screening makes before use (edc.domain.dlt.definition),
    reported here at a line of the YAML rather than when the definition is first used.
    """
    dlt = study.spec.escalation.dlt
    rules: list[tuple[str, int, DltPersistence | DltExceptionRule]] = [
        *(("persistence", i, rule) for i, rule in enumerate(dlt.persistence)),
        *(("exceptions", i, rule) for i, rule in enumerate(dlt.exceptions)),
    ]
    relatedness = _codelist(study, RELATEDNESS_CODELIST, "the DLT definition's related codes", where, problems)
    if relatedness is not None:
        for i, code in enumerate(dlt.related):
            _check_code(code, relatedness, "DLT definition: related code", where, problems, "related", i)
    classes = _codelist(study, DLT_EVENT_CLASS_CODELIST, "the DLT rules' event classes", where, problems)
    seen_ids: set[str] = set()
    for section, i, rule in rules:
        if classes is not None and rule.event_class is not None:
            _check_code(rule.event_class, classes, f"DLT rule '{rule.id}': event class", where, problems,
                        section, i, "event_class")
        if rule.id in seen_ids:
            report(problems, where, f"duplicate DLT rule id '{rule.id}'", section, i, "id")
        seen_ids.add(rule.id)
    _check_dlt_overlaps(dlt, where, problems)


def _check_dlt_overlaps(dlt: DltRules, where: Located, problems: Problems) -> None:
    """Exactly one rule decides each class and grade: no persistence rule where grades are always DLTs."""
    persistent: set[tuple[str | None, int]] = set()
    for i, persistence in enumerate(dlt.persistence):
        if persistence.grade >= dlt.always_dlt_min_grade:
            report(problems, where, f"DLT rule '{persistence.id}': grade {persistence.grade} is always a DLT "
                   f"already (always_dlt_min_grade {dlt.always_dlt_min_grade})", "persistence", i, "grade")
        key = (persistence.event_class, persistence.grade)
        if key in persistent:
            report(problems, where, f"DLT rule '{persistence.id}': a second persistence rule for "
                   f"{persistence.event_class or 'every class'} grade {persistence.grade}", "persistence", i)
        persistent.add(key)
    excepted: set[tuple[str, int]] = set()
    for i, exception in enumerate(dlt.exceptions):
        for j, grade in enumerate(exception.grades):
            if (exception.event_class, grade) in excepted:
                report(problems, where, f"DLT exception '{exception.id}': {exception.event_class} grade {grade} "
                       "is covered by another exception", "exceptions", i, "grades", j)
            excepted.add((exception.event_class, grade))


def _codelist(study: StudyDefinition, codelist_id: str, needed_by: str, where: Located,
              problems: Problems) -> Codelist | None:
    codelist = study.codelists.get(codelist_id)
    if codelist is None:
        report(problems, where, f"codelist '{codelist_id}' is not defined; {needed_by} are its codes")
    return codelist


def _check_code(code: str, codelist: Codelist, what: str, where: Located, problems: Problems,
                *path: str | int) -> None:
    codes = codelist.codes()
    if code not in codes:
        report(problems, where, f"{what} '{code}' is not a code of codelist '{codelist.id}' "
               f"(codes: {', '.join(codes)})", *path)


def _check_schedule(study: StudyDefinition, where: Located, problems: Problems) -> None:
    visits = study.spec.schedule.visits
    by_num = sorted(range(len(visits)), key=lambda i: visits[i].visitnum)
    for previous, current in pairwise(by_num):
        if visits[current].day < visits[previous].day:
            report(problems, where, f"visit '{visits[current].id}' (day {visits[current].day}) has a higher "
                   f"visitnum than '{visits[previous].id}' (day {visits[previous].day}) but comes earlier",
                   "schedule", "visits", current, "visitnum")
    blocks: list[tuple[str, FormList, tuple[str | int, ...]]] = [
        (f"visit '{visit.id}'", visit, ("schedule", "visits", i)) for i, visit in enumerate(visits)]
    schedule = study.spec.schedule
    blocks += [(f"schedule.{name}", block, ("schedule", name))
               for name, block in (("unscheduled", schedule.unscheduled), ("logs", schedule.logs))
               if block is not None]
    cohorts = [c.id for c in study.spec.cohorts]
    for what, block, path in blocks:
        repeated = {f for f in block.forms if block.forms.count(f) > 1}
        for form_id in sorted(repeated):
            report(problems, where, f"{what} lists form '{form_id}' twice", *path, "forms")
        _check_form_cohorts(what, block, cohorts, where.child(*path), problems)


def _check_form_cohorts(what: str, block: FormList, cohorts: list[str], where: Located,
                        problems: Problems) -> None:
    """Each cohort a restricted entry names must be a cohort of the study."""
    known = ", ".join(cohorts) or "none: the study defines no cohorts"
    for j, entry in enumerate(block.entries):
        if isinstance(entry, str):
            continue
        for k, cohort in enumerate(entry.cohorts):
            if cohort not in cohorts:
                report(problems, where, f"{what} restricts forms {', '.join(entry.forms)} to unknown cohort "
                       f"'{cohort}' (cohorts: {known})", "forms", j, "cohorts", k)


def _check_eligibility(study: StudyDefinition, where: Located, problems: Problems,
                       broken: frozenset[str]) -> None:
    eligibility = study.spec.eligibility
    visit = study.visit(eligibility.visit)
    if visit is None:
        report(problems, where, f"eligibility visit '{eligibility.visit}' is not in the schedule",
               "eligibility", "visit")
        return
    env = eligibility_env(study, visit.forms)
    env.update({name: DYN for name in visit.forms if name in broken})  # no cascade of unknown names
    cohort_ids = {c.id for c in study.spec.cohorts}
    for i, criterion in enumerate(eligibility.criteria):
        at = where.child("eligibility", "criteria", i)
        for j, cohort in enumerate(criterion.cohorts or ()):
            if cohort not in cohort_ids:
                report(problems, at, f"criterion {criterion.id} names unknown cohort '{cohort}'", "cohorts", j)
        if criterion.rule is not None:
            check_rule(criterion.rule, env, BOOL, at, f"rule of {criterion.id}", problems, "rule")
            _check_criterion_forms(study, visit, criterion, env, at, problems)


def _check_criterion_forms(study: StudyDefinition, visit: ScheduledVisit, criterion: Criterion,
                           env: Mapping[str, CelType], at: Located, problems: Problems) -> None:
    """A criterion reads only forms its cohorts collect at the eligibility visit: another would never be met."""
    assert criterion.rule is not None
    read = {path.split(".")[0] for path in check_expression(criterion.rule, env, CEL_FUNCTIONS).references}
    applies = criterion.cohorts or tuple(c.id for c in study.spec.cohorts)
    for form_id in sorted(read & set(visit.forms)):
        missing = [cohort for cohort in applies if form_id not in visit.forms_for(cohort)]
        if missing:
            report(problems, at, f"rule of {criterion.id} reads form '{form_id}', which visit '{visit.id}' "
                   f"does not collect for cohort {', '.join(missing)}; give the criterion 'cohorts'", "rule")


def eligibility_env(study: StudyDefinition, visit_forms: Iterable[str]) -> dict[str, CelType]:
    """Each form of the eligibility visit (and the investigator confirmations) as a CEL variable."""
    names = [f for f in visit_forms if f in study.forms]
    if IE_CONFIRM_FORM in study.forms:
        names.append(IE_CONFIRM_FORM)
    return {name: form_record(study.forms[name], study.codelists) for name in names}
