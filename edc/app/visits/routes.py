"""Visits of a subject: the schedule from the infusion date, visit dates, unscheduled and missed visits."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from edc.app.kernel import lookups
from edc.app.kernel.context import Scope, acting
from edc.app.kernel.lookups import SubjectRow
from edc.app.kernel.permissions import Permission
from edc.app.records.service import forms_at_visit
from edc.app.visits import service as visits
from edc.app.visits.bodies import MissedRequest, ScheduleRequest, UnscheduledRequest, VisitDateRequest, VisitOut
from edc.definitions.catalog import StudyDefinition

SUBJECT = "/{study_id:str}/subjects/{subject_number:str}"
VISIT = SUBJECT + "/visits/{visit_code:str}/{occurrence:int}"


class VisitController(Controller):
    path = "/api/v1/studies"
    tags = ("studies",)

    @get(SUBJECT + "/visits", sync_to_thread=True)
    def list_visits(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                    subject_number: FromPath[str]) -> list[VisitOut]:
        """The subject's visits with planned dates, windows and the forms each collects."""
        with acting(request, study_id, Permission("subject.read")) as scope:
            subject = lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                           actor=scope.actor)
            found = visits.subject_visits(scope.conn, study=scope.study, subject_id=subject.subject_id)
            return [_visit_out(scope.study, v, subject.cohort) for v in found]

    @post(SUBJECT + "/schedule", status_code=200, sync_to_thread=True)
    def schedule(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                 data: JSONBody[ScheduleRequest]) -> list[VisitOut]:
        """Plan (or re-plan) the scheduled visits from the infusion date (409 when it is too close to another
        first infusion at the subject's dose level, where the design sets a minimum interval)."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            subject = lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                           actor=scope.actor)
            planned = visits.schedule_infusion(scope.conn, study=scope.study, subject_id=subject.subject_id,
                                             infusion_date=data.infusion_date, actor=scope.actor, now=scope.now)
            return [_visit_out(scope.study, v, subject.cohort) for v in planned]

    @post(SUBJECT + "/visits", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_unscheduled(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                        data: JSONBody[UnscheduledRequest]) -> VisitOut:
        """Add an unscheduled visit (code UNS, numbered by occurrence)."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            subject = lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                           actor=scope.actor)
            added = visits.add_unscheduled_visit(scope.conn, study=scope.study, subject_id=subject.subject_id,
                                                 visit_date=data.visit_date, actor=scope.actor, now=scope.now)
            return _visit_out(scope.study, added, subject.cohort)

    @put(VISIT + "/date", sync_to_thread=True)
    def set_visit_date(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                       visit_code: FromPath[str], occurrence: FromPath[int],
                       data: JSONBody[VisitDateRequest]) -> VisitOut:
        """Record or correct the date a visit took place (out-of-window dates are accepted and flagged)."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            subject, visit_id = _subject_visit(scope, subject_number, visit_code, occurrence)
            done = visits.record_visit_date(scope.conn, study=scope.study, visit_id=visit_id,
                                            visit_date=data.visit_date, actor=scope.actor, now=scope.now,
                                            reason=data.reason)
            return _visit_out(scope.study, done, subject.cohort)

    @post(VISIT + "/missed", status_code=200, sync_to_thread=True)
    def mark_missed(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                    visit_code: FromPath[str], occurrence: FromPath[int], data: JSONBody[MissedRequest]) -> VisitOut:
        """Mark a scheduled visit as missed, with the reason."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            subject, visit_id = _subject_visit(scope, subject_number, visit_code, occurrence)
            missed = visits.mark_visit_missed(scope.conn, study=scope.study, visit_id=visit_id, reason=data.reason,
                                              actor=scope.actor, now=scope.now)
            return _visit_out(scope.study, missed, subject.cohort)


def _subject_visit(scope: Scope, subject_number: str, visit_code: str, occurrence: int) -> tuple[SubjectRow, int]:
    subject = lookups.find_subject(scope.conn, study_id=scope.study.id, subject_number=subject_number,
                                   actor=scope.actor)
    return subject, lookups.find_visit_id(scope.conn, subject_id=subject.subject_id, visit_code=visit_code,
                                          occurrence=occurrence)


def _visit_out(study: StudyDefinition, visit: visits.VisitInfo, cohort: str | None) -> VisitOut:
    return VisitOut(visit_code=visit.visit_code, occurrence=visit.occurrence, status=visit.status,
                    planned_date=visit.planned_date, earliest=visit.earliest, latest=visit.latest,
                    visit_date=visit.visit_date, out_of_window=visit.out_of_window,
                    forms=list(forms_at_visit(study, visit.visit_code, cohort)))
