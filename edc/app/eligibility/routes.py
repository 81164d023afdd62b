"""A screened subject's eligibility (computed per criterion on the data as they are), the decision, enrolment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from edc.app.eligibility.bodies import CriterionOut, DecisionOut, DecisionRequest, EligibilityOut, EnrolRequest
from edc.app.eligibility.service import (
    DecisionValue,
    SubjectEligibility,
    decide_eligibility,
    enrol_subject,
    subject_eligibility,
)
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.records.values import json_value
from edc.app.subjects.bodies import SubjectOut
from edc.app.subjects.routes import subject_out
from edc.definitions.model import Criterion

SUBJECT = "/{study_id:str}/subjects/{subject_number:str}"


class EligibilityController(Controller):
    path = "/api/v1/studies"
    tags = ("eligibility",)

    @get(SUBJECT + "/eligibility", sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str],
             subject_number: FromPath[str]) -> EligibilityOut:
        """Each criterion that applies to the subject's cohort: met, not met or undecidable, with its values."""
        with acting(request, study_id, Permission("eligibility.read")) as scope:
            found = subject_eligibility(scope.conn, study=scope.study, subject_number=subject_number,
                                        actor=scope.actor)
            return _eligibility_out(scope.study.spec.eligibility.criteria, found)

    @post(SUBJECT + "/eligibility/decision", status_code=201, sync_to_thread=True)
    def decide(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
               data: JSONBody[DecisionRequest]) -> EligibilityOut:
        """The investigator's decision with a reason; `eligible` is refused (409) unless every criterion is met."""
        with acting(request, study_id, Permission("eligibility.decide"), write=True) as scope:
            found = decide_eligibility(scope.conn, study=scope.study, subject_number=subject_number,
                                       decision=cast(DecisionValue, data.decision), reason=data.reason,
                                       actor=scope.actor, now=scope.now)
            return _eligibility_out(scope.study.spec.eligibility.criteria, found)

    @post(SUBJECT + "/enrolment", status_code=200, sync_to_thread=True)
    def enrol(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
              data: JSONBody[EnrolRequest]) -> SubjectOut:
        """Enrol a subject decided eligible whose data still meet every criterion, at the open dose level (409
        otherwise, or when the escalation has no level open)."""
        with acting(request, study_id, Permission("subject.enrol"), write=True) as scope:
            row = enrol_subject(scope.conn, study=scope.study, subject_number=subject_number,
                                enrolled_on=data.enrolled_on, actor=scope.actor, now=scope.now,
                                dose_level=data.dose_level)
            return subject_out(row)


def _eligibility_out(criteria: Sequence[Criterion], found: SubjectEligibility) -> EligibilityOut:
    texts = {c.id: c.text for c in criteria}
    decision = None
    if found.decision is not None:
        d = found.decision
        decision = DecisionOut(decision=d.decision, computed_status=d.computed_status, reason=d.reason,
                               decided_by=d.decided_by, decided_at=d.decided_at)
    return EligibilityOut(
        subject_number=found.subject.subject_number, cohort=found.subject.cohort,
        subject_status=found.subject.status, status=found.result.status, decision=decision,
        criteria=[CriterionOut(id=c.id, kind=c.kind, text=texts[c.id], status=c.status,
                               excluding_condition=c.excluding_condition,
                               values={path: json_value(v) for path, v in c.values.items()},
                               missing=list(c.missing)) for c in found.result.criteria])
