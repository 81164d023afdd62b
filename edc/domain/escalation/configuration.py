"""Checks of a dose escalation's inputs: its configuration, the cohorts observed, the levels it uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from edc.definitions.model import DoseLevel, Escalation
from edc.domain.escalation.cohorts import LevelCohort


def cohorts_by_level(dose_levels: Sequence[DoseLevel], cohorts: Iterable[LevelCohort]) -> dict[str, LevelCohort]:
    """Every dose level's cohort (empty when not given); ValueError for unknown or repeated levels."""
    by_id = {dose.id: LevelCohort(dose.id, 0) for dose in dose_levels}
    seen: set[str] = set()
    for cohort in cohorts:
        if cohort.level_id not in by_id:
            raise ValueError(f"unknown dose level {cohort.level_id!r}")
        if cohort.level_id in seen:
            raise ValueError(f"dose level {cohort.level_id!r} is given twice")
        seen.add(cohort.level_id)
        by_id[cohort.level_id] = cohort
    return by_id


def check_configuration(dose_levels: Sequence[DoseLevel], escalation: Escalation) -> None:
    """ValueError for cohort sizes, start level or back-up levels the 3+3 rule cannot work with."""
    if escalation.expanded_cohort_size <= escalation.cohort_size:
        raise ValueError("expanded_cohort_size must be larger than cohort_size")
    start = next((dose for dose in dose_levels if dose.id == escalation.start_level), None)
    if start is None or start.role != "start":
        raise ValueError(f"start level {escalation.start_level!r} is not the dose level whose role is 'start'")
    for dose in dose_levels:
        if dose.role == "backup" and dose.order >= start.order:
            raise ValueError(f"back-up level {dose.id} must be below the start level {start.id}")


def in_use(dose: DoseLevel, escalation: Escalation, cohort: LevelCohort) -> bool:
    """Whether the escalation may place subjects at this level."""
    if dose.role == "higher":
        return escalation.allow_higher_doses
    if dose.role == "intermediate":
        # An intermediate dose is an option, not a step: it counts once someone is treated at it.
        return escalation.allow_intermediate_dose and cohort.evaluable > 0
    return True
