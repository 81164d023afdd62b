"""The study's endpoints, derived from the captured data of the subjects at the caller's sites."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery

from edc.app.endpoints.bodies import (
    EndpointsOut,
    GlucocorticoidFreeOut,
    KaplanMeierStepOut,
    OverallSurvivalOut,
    ProportionOut,
    SteroidGroupOut,
    SteroidSubjectOut,
    SurvivalTimeOut,
)
from edc.app.endpoints.service import SteroidSummary, StudyEndpoints, study_endpoints
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.domain.endpoints import Proportion, Survival


class EndpointController(Controller):
    path = "/api/v1/studies"
    tags = ("endpoints",)

    @get("/{study_id:str}/endpoints", sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str],
             as_of: FromQuery[date | None] = None) -> EndpointsOut:
        """The endpoints the study declares (overall survival, glucocorticoid-free proportion) over the infused
        subjects at the caller's sites, computed from the stored records (today by default; `as_of` reads the
        data dated up to an earlier day). 404 for a study that declares none."""
        with acting(request, study_id, Permission("record.read")) as scope:
            found = study_endpoints(scope.conn, study=scope.study, actor=scope.actor,
                                    as_of=as_of or scope.now.date())
            return _out(study_id, found)


def _out(study_id: str, found: StudyEndpoints) -> EndpointsOut:
    cohorts = {s.subject_number: s.cohort for s in found.subjects}
    survival = None if found.survival is None else _survival(found, found.survival, cohorts)
    steroids = None if found.steroids is None else _steroids(found, found.steroids, cohorts)
    return EndpointsOut(study_id=study_id, as_of=found.as_of, infused=len(found.subjects),
                        overall_survival=survival, glucocorticoid_free=steroids)


def _survival(found: StudyEndpoints, survival: Survival, cohorts: dict[str, str | None]) -> OverallSurvivalOut:
    definition = found.definition.overall_survival
    return OverallSurvivalOut(
        horizon_days=survival.horizon_days, subjects=len(survival.times),
        deaths=sum(t.death for t in survival.times), survival_at_horizon=survival.at_horizon,
        median_days=survival.median_days,
        curve=[KaplanMeierStepOut(day=s.day, at_risk=s.at_risk, deaths=s.deaths, censored=s.censored,
                                  survival=s.survival) for s in survival.curve],
        times=[SurvivalTimeOut(subject_number=t.subject_number, cohort=cohorts[t.subject_number], days=t.days,
                               death=t.death) for t in survival.times],
        reference=None if definition is None else definition.reference)


def _steroids(found: StudyEndpoints, summary: SteroidSummary, cohorts: dict[str, str | None]) -> GlucocorticoidFreeOut:
    definition = found.definition.glucocorticoid_free
    assert definition is not None
    return GlucocorticoidFreeOut(
        visit=definition.visit, low_dose_max_mg_day=definition.low_dose_max_mg_day,
        free=_proportion(summary.free), at_most_low_dose=_proportion(summary.at_most_low_dose),
        by_cohort={cohort: SteroidGroupOut(free=_proportion(free), at_most_low_dose=_proportion(low))
                   for cohort, (free, low) in summary.by_cohort.items()},
        subjects=[SteroidSubjectOut(subject_number=o.subject_number, cohort=cohorts[o.subject_number],
                                    status=o.status.value, on=o.on, mg_day=o.mg_day) for o in summary.outcomes],
        reference=definition.reference)


def _proportion(p: Proportion) -> ProportionOut:
    return ProportionOut(achieved=p.achieved, evaluated=p.evaluated, proportion=p.value)
