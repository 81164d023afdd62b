"""The planned arms of a study (TA, DM.ARMCD/ACTARMCD, TS NARMS): one per dose level, or per cohort and level.

A study whose subjects enter one of several indication cohorts (CNCT19: lupus
nephritis, immune thrombocytopenia, ANCA vasculitis, dermatomyositis), each
with its own eligibility and analysed on its own, has one arm per cohort and
dose level: ARMCD `LN-DL1`, ARM "Refractory SLE with lupus nephritis, 1 x 10^6
CAR+ T cells/kg". TA and DM are where a reviewer and the analysis tools look
for the groups compared; a cohort kept in SUPPDM would be invisible to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from edc.definitions.catalog import StudyDefinition


@dataclass(frozen=True)
class Arm:
    """One planned arm: its code and description."""

    armcd: str
    arm: str


def planned_arms(study: StudyDefinition) -> list[Arm]:
    """Every planned arm of `study`, by cohort (in the definition's order) and dose level id."""
    levels = sorted(study.spec.dose_levels, key=lambda level: level.id)
    if not _by_cohort(study):
        return [Arm(level.id, level.label) for level in levels]
    return [Arm(f"{cohort.id}-{level.id}", f"{cohort.name}, {level.label}")
            for cohort in study.spec.cohorts for level in levels]


def arm_of(study: StudyDefinition, cohort: str | None, level: str) -> Arm | None:
    """The planned arm of a subject of `cohort` at dose level `level`; None when no arm is planned for them."""
    wanted = f"{cohort}-{level}" if _by_cohort(study) else level
    return next((arm for arm in planned_arms(study) if arm.armcd == wanted), None)


def _by_cohort(study: StudyDefinition) -> bool:
    """Arms per cohort only when there are several: a study's one cohort (relmacel's SLE) is the study itself."""
    return len(study.spec.cohorts) > 1
