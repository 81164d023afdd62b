"""A study's endpoints computed from the stored records of the subjects at the caller's sites.

Computed on every read, like the lupus responses and the escalation: the
result follows corrections at once and is never stored. The derivations are
pure (`edc.domain.endpoints`); this module reads, per infused subject, the
first infusion date (`cart_infusion`), the death and end-of-study records, the
dates of the visits that took place (last contact, the timepoint visit), the
medication log and the site's confirmations that it is complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from edc.app.endpoints import store
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import NotFound
from edc.definitions.catalog import StudyDefinition
from edc.definitions.endpoint_model import Endpoints
from edc.definitions.vocabulary import (
    DEATH_FORM,
    DISPOSITION_FORM,
    INFUSION_FORM,
    MEDICATION_FORM,
    MEDICATION_REVIEW_FORM,
)
from edc.domain.endpoints import (
    FollowUp,
    Proportion,
    SteroidCourse,
    SteroidOutcome,
    Survival,
    at_most_low_dose,
    glucocorticoid_free,
    overall_survival,
    steroid_outcome,
)

FORMS = (INFUSION_FORM, DEATH_FORM, DISPOSITION_FORM, MEDICATION_FORM, MEDICATION_REVIEW_FORM)
COMPLETED = "COMPLETED"
Values = Mapping[str, object]


@dataclass(frozen=True)
class InfusedSubject:
    """An infused subject at one of the caller's sites, with what the endpoints read."""

    subject_number: str
    cohort: str | None
    follow_up: FollowUp
    steroids: SteroidCourse


@dataclass(frozen=True)
class SteroidSummary:
    """The glucocorticoid-free and at-most-low-dose proportions, over all the subjects and per cohort."""

    outcomes: tuple[SteroidOutcome, ...]
    free: Proportion
    at_most_low_dose: Proportion
    by_cohort: Mapping[str, tuple[Proportion, Proportion]]  # cohort -> (free, at most low dose)


@dataclass(frozen=True)
class StudyEndpoints:
    """The study's declared endpoints on `as_of`, over the infused subjects the caller sees."""

    definition: Endpoints
    as_of: date
    subjects: tuple[InfusedSubject, ...]
    survival: Survival | None
    steroids: SteroidSummary | None


def study_endpoints(conn: Connection, *, study: StudyDefinition, actor: Actor, as_of: date) -> StudyEndpoints:
    """The endpoints of `study` (NotFound when it declares none), from the data as stored, nothing after `as_of`."""
    definition = study.spec.endpoints
    if definition is None:
        raise NotFound(f"study '{study.id}' declares no endpoints")
    subjects = _infused(conn, study, actor, as_of)
    survival = steroids = None
    if definition.overall_survival is not None:
        survival = overall_survival([s.follow_up for s in subjects], definition.overall_survival.horizon_days, as_of)
    if definition.glucocorticoid_free is not None:
        limit = definition.glucocorticoid_free.low_dose_max_mg_day
        steroids = _summary(subjects, tuple(steroid_outcome(s.steroids, limit, as_of) for s in subjects))
    return StudyEndpoints(definition, as_of, subjects, survival, steroids)


def _summary(subjects: tuple[InfusedSubject, ...], outcomes: tuple[SteroidOutcome, ...]) -> SteroidSummary:
    cohort_of = {s.subject_number: s.cohort for s in subjects}
    groups: dict[str, list[SteroidOutcome]] = {}
    for outcome in outcomes:
        cohort = cohort_of[outcome.subject_number]
        if cohort is not None:
            groups.setdefault(cohort, []).append(outcome)
    return SteroidSummary(outcomes, glucocorticoid_free(outcomes), at_most_low_dose(outcomes),
                          {c: (glucocorticoid_free(g), at_most_low_dose(g)) for c, g in sorted(groups.items())})


def _infused(conn: Connection, study: StudyDefinition, actor: Actor, as_of: date) -> tuple[InfusedSubject, ...]:
    rows = store.enrolled_subjects(conn, study.id, actor)
    ids = [int(r.id) for r in rows]
    records = store.subject_records(conn, study, ids, FORMS)
    visits = store.visit_dates(conn, ids)
    steroids = study.spec.endpoints.glucocorticoid_free if study.spec.endpoints is not None else None
    found = []
    for row in rows:
        mine = {form_id: records.get((int(row.id), form_id), {}) for form_id in FORMS}
        infused = _dates(mine[INFUSION_FORM], "exdat", as_of)
        if not infused:
            continue  # enrolled, not (yet) infused: no endpoint runs for them
        seen = {on for on in visits.get(int(row.id), {}).values() if on <= as_of}
        died = min(_dates(mine[DEATH_FORM], "dthdat", as_of), default=None)
        ended = _discontinued(mine[DISPOSITION_FORM], as_of)
        last_contact = max(seen | set(_dates(mine[DISPOSITION_FORM], "dsstdat", as_of)), default=None)
        timepoint = visits.get(int(row.id), {}).get((steroids.visit, 1)) if steroids is not None else None
        reviewed = _dates(mine[MEDICATION_REVIEW_FORM], "cmrevdat", as_of)
        found.append(InfusedSubject(
            str(row.subject_number), row.cohort,
            FollowUp(str(row.subject_number), min(infused), died, last_contact),
            SteroidCourse(str(row.subject_number), timepoint, died, ended, mine[MEDICATION_FORM],
                          max(reviewed, default=None))))
    return tuple(found)


def _dates(records: Mapping[int, Values], item: str, as_of: date) -> list[date]:
    """The dates `item` holds in `records`, those after `as_of` left out."""
    return [on for values in records.values() if isinstance(on := values.get(item), date) and on <= as_of]


def _discontinued(records: Mapping[int, Values], as_of: date) -> date | None:
    """The date the subject left the study other than by completing it (None: still in, or completed)."""
    ended = [values.get("dsstdat") for values in records.values() if values.get("dsdecod") != COMPLETED]
    return min((on for on in ended if isinstance(on, date) and on <= as_of), default=None)
