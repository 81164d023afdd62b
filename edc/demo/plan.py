"""Who the demo subjects of each trial are and when things happen to them, decided before anything is written.

Each trial has a `TrialDesign`: the treated subjects' infusions (days before
`today`, oldest first), their dose levels and indications, and the screen
failures (criterion, indication, days before `today`). `plan_trial` turns
it into `SubjectPlan`s ordered by screening date, with sites assigned in
turn, so subject numbers follow the calendar. The first treated subjects
carry the trial's showcase events: rank 0 a grade 2 CRS (entered as grade 1,
then corrected) and an unscheduled visit, rank 1 ICANS and a missed visit,
rank 2 a serious infection. IC19's first infusions of a dose group are
more than 14 days apart, as its protocol requires.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from edc.definitions.catalog import StudyDefinition
from edc.demo.clinical import CrsCourse, Patient, make_patient
from edc.demo.screening import Therapy, make_therapy


@dataclass(frozen=True)
class TrialDesign:
    """The demo cast of one trial (see the module docstring)."""

    infusions: tuple[int, ...]
    doses: tuple[str, ...]
    kinds: tuple[str, ...]
    failures: tuple[tuple[str, str, int], ...]


# The infusions follow each trial's 3+3 rules as the escalation service enforces them: a cohort's next
# level is enrolled (at screening, 3-6 weeks before infusion) only after the previous cohort's DLT
# windows (90 days in Relma-cel, 28 elsewhere) have closed, and IC19's first infusions at a level are
# at least 14 days apart.
DESIGNS: dict[str, TrialDesign] = {
    "relmacel": TrialDesign((340, 320, 300, 150, 125, 100), ("DL1",) * 3 + ("DL2",) * 3, ("SLE",) * 6,
                            (("EXC09", "SLE", 140), ("INC05", "SLE", 75))),
    "rd0604": TrialDesign((200, 185, 170, 85, 60), ("DL1",) * 3 + ("DL2",) * 2, ("SLE",) * 5,
                          (("INC16", "SLE", 95),)),
    "cnct19": TrialDesign((400, 320, 240, 150, 90, 35), ("DL1",) * 6, ("LN", "ITP", "AAV", "LN", "DM", "ITP"),
                          (("EXC11", "LN", 200), ("EXC05", "DM", 60))),
    "ic19": TrialDesign((180, 155, 128, 60, 35), ("DL1",) * 3 + ("DL2",) * 2, ("SLE",) * 5,
                        (("EXC12", "SLE", 110),)),
}


@dataclass(frozen=True)
class SubjectPlan:
    """One demo subject: identity in the plan, site, cohort, physiology, therapy, dates and role."""

    key: str
    site: str
    cohort: str | None
    patient: Patient
    therapy: Therapy
    screened_on: date
    infusion: date | None = None
    dose_level: str | None = None
    failure: str | None = None
    rank: int | None = None


def subject_rng(seed: int, study_id: str, key: str, purpose: str = "") -> random.Random:
    """The random stream of one subject (and purpose): independent of every other subject and of run order."""
    return random.Random(f"{seed}/{study_id}/{key}/{purpose}")


def plan_trial(study: StudyDefinition, design: TrialDesign, *, seed: int, today: date) -> list[SubjectPlan]:
    """The trial's subjects ordered by screening date, each at a site in turn."""
    plans = [_treated(study, design, rank, seed, today) for rank in range(len(design.infusions))]
    plans += [_failure(study, number, failure, seed, today) for number, failure in enumerate(design.failures)]
    plans.sort(key=lambda p: (p.screened_on, p.key))
    sites = [site.id for site in study.spec.sites]
    return [replace(plan, site=sites[index % len(sites)]) for index, plan in enumerate(plans)]


def _cohort(study: StudyDefinition, kind: str) -> str | None:
    cohorts = [c.id for c in study.spec.cohorts]
    return kind if kind in cohorts else (cohorts[0] if cohorts else None)


def _crs_course(rank: int, rng: random.Random) -> CrsCourse | None:
    """Rank 0: grade 2 with oxygen on day 3; rank 1: grade 1; others grade 1 in about 60%."""
    if rank == 0:
        return CrsCourse(onset=1, end=4, worst=3, grade=2)
    if rank == 1 or rng.random() < 0.6:
        onset = rng.randint(1, 3)
        return CrsCourse(onset, onset + rng.randint(1, 3), onset + 1, 1)
    return None


def _treated(study: StudyDefinition, design: TrialDesign, rank: int, seed: int, today: date) -> SubjectPlan:
    key = f"T{rank + 1}"
    rng = subject_rng(seed, study.id, key, "plan")
    kind = design.kinds[rank]
    neut_grade = 4 if rank == 0 else 3 if rank == 1 else rng.choice((2, 3, 3, 4))
    patient = make_patient(rng, kind, crs=_crs_course(rank, rng), neut_grade=neut_grade)
    infusion = today - timedelta(days=design.infusions[rank] + rng.randint(-3, 3))
    screened = _screening_date(study, infusion, rng, today)
    return SubjectPlan(key, "", _cohort(study, kind), patient, make_therapy(rng, study.id, kind), screened,
                       infusion, design.doses[rank], None, rank)


def _screening_date(study: StudyDefinition, infusion: date, rng: random.Random, today: date) -> date:
    """A screening date inside the screening visit's window around `infusion + day`."""
    visit = study.visit(study.spec.eligibility.visit)
    assert visit is not None
    planned = infusion + timedelta(days=visit.day)
    shift = rng.randint(-min(5, visit.window.before), min(3, visit.window.after))
    return min(today, planned + timedelta(days=shift))


def _failure(study: StudyDefinition, number: int, failure: tuple[str, str, int], seed: int,
             today: date) -> SubjectPlan:
    criterion, kind, days_ago = failure
    key = f"F{number + 1}"
    rng = subject_rng(seed, study.id, key, "plan")
    patient = make_patient(rng, kind, sex="F" if criterion == "EXC11" else None)
    screened = today - timedelta(days=days_ago + rng.randint(-3, 3))
    return SubjectPlan(key, "", _cohort(study, kind), patient, make_therapy(rng, study.id, kind), screened,
                       failure=criterion)
