"""The trial's DLT definition as the screening reads it: its consistency, and the rule covering an event.

The definition is the study's own `escalation.dlt` (`edc.definitions.model.DltRules`) with its window
(`escalation.dlt_window_days`); the schema checks grades, days and required lists, and `check_study`
reports codes and overlaps at their YAML line. `check_definition` refuses, before any screening, what
the engine cannot apply: codes it does not know, rule ids that clash, two rules deciding one class and grade.
"""

from __future__ import annotations

from edc.definitions.model import DltExceptionRule, DltPersistence, DltRules
from edc.definitions.vocabulary import RELATEDNESS_CODES, EventClass
from edc.domain.dlt.adverse_event import AdverseEvent
from edc.domain.dlt.outcomes import FIXED_RULE_IDS


def check_definition(definition: DltRules, window_days: int) -> None:
    """ValueError when the DLT definition and its window cannot decide every event by exactly one rule."""
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be an integer >= 1, got {window_days!r}")
    unknown = [code for code in definition.related if code not in RELATEDNESS_CODES]
    if not definition.related or unknown:
        raise ValueError(f"related must list codes of {', '.join(RELATEDNESS_CODES)}; got {definition.related!r}")
    classes = [rule.event_class for rule in definition.persistence] + [e.event_class for e in definition.exceptions]
    for code in classes:
        if code is not None:
            EventClass(code)  # ValueError for a class the engine does not know
    _check_rule_ids(definition)
    _check_one_rule_per_grade(definition)


def _check_rule_ids(definition: DltRules) -> None:
    ids = [rule.id for rule in definition.persistence] + [rule.id for rule in definition.exceptions]
    clashes = sorted({i for i in ids if ids.count(i) > 1 or i in FIXED_RULE_IDS})
    if clashes:
        raise ValueError(f"rule ids must be unique and differ from the fixed rules: {', '.join(clashes)}")


def _check_one_rule_per_grade(definition: DltRules) -> None:
    seen: set[tuple[str | None, int]] = set()
    for rule in definition.persistence:
        if rule.grade >= definition.always_dlt_min_grade:
            raise ValueError(f"persistence rule {rule.id}: grade {rule.grade} is always a DLT already")
        if (rule.event_class, rule.grade) in seen:
            raise ValueError(f"persistence rule {rule.id}: a second rule for the same class and grade")
        seen.add((rule.event_class, rule.grade))
    covered: set[tuple[str, int]] = set()
    for exception in definition.exceptions:
        for grade in exception.grades:
            if (exception.event_class, grade) in covered:
                raise ValueError(f"exception {exception.id}: {exception.event_class} grade {grade} "
                                 "is covered by another exception")
            covered.add((exception.event_class, grade))


def exception_for(definition: DltRules, event: AdverseEvent) -> DltExceptionRule | None:
    """The exception covering the event's class and grade, if any (at most one does)."""
    for exception in definition.exceptions:
        if exception.event_class == event.event_class and event.grade in exception.grades:
            return exception
    return None


def persistence_rule_for(definition: DltRules, event: AdverseEvent) -> DltPersistence | None:
    """The persistence rule for the event's grade: its own class's (IC19: seizure, 3 days) before the general one."""
    rules = [rule for rule in definition.persistence if rule.grade == event.grade]
    for wanted in (event.event_class, None):
        for rule in rules:
            if rule.event_class == wanted:
                return rule
    return None
