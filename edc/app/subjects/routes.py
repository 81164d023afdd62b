"""Studies, subjects and visits: screening, the visit schedule, visit dates, unscheduled and missed visits."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from edc.api.bodies import (
    MissedRequest,
    ScheduleRequest,
    ScreenRequest,
    SiteOut,
    StudyOut,
    SubjectList,
    SubjectOut,
    UnscheduledRequest,
    VisitDateRequest,
    VisitDefOut,
    VisitOut,
)
from edc.app.escalation import service as escalation
from edc.app.kernel import idempotency, lookups
from edc.app.kernel.context import acting, app_state, authenticated, next_link
from edc.app.kernel.lookups import SubjectRow
from edc.app.kernel.permissions import Permission, studies_visible
from edc.app.records.service import forms_at_visit
from edc.app.subjects.service import screen_subject
from edc.app.visits import service as visits
from edc.definitions.catalog import StudyDefinition

SUBJECT = "/{study_id:str}/subjects/{subject_number:str}"
VISIT = SUBJECT + "/visits/{visit_code:str}/{occurrence:int}"


class StudyController(Controller):
    path = "/api/v1/studies"
    tags = ("studies",)

    @get("/", sync_to_thread=True)
    def list_studies(self, request: Request[Any, Any, Any]) -> list[StudyOut]:
        """The studies the caller holds a role in."""
        catalog = app_state(request).catalog
        with authenticated(request) as (_, principal, _now):
            visible = studies_visible(principal, list(catalog.studies))
        return [_study_out(catalog.studies[study_id]) for study_id in visible]

    @get("/{study_id:str}", sync_to_thread=True)
    def get_study(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> StudyOut:
        """A study's sites, cohorts, visit schedule and forms, from its definition."""
        with acting(request, study_id, Permission("study.read")) as scope:
            return _study_out(scope.study)

    @get("/{study_id:str}/subjects", sync_to_thread=True)
    def list_subjects(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                      site: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
                      limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
                      cursor: FromQuery[str | None] = None) -> SubjectList:
        """Subjects of the sites the caller sees, in screening order, cursor-paginated."""
        with acting(request, study_id, Permission("subject.read")) as scope:
            page = lookups.list_subjects(scope.conn, study_id=study_id, actor=scope.actor, site_code=site,
                                         status=status, limit=limit, cursor=cursor)
        following = None
        if page.next_cursor is not None:
            following = next_link(request, page.next_cursor)
        return SubjectList(items=[subject_out(s) for s in page.subjects], next=following)

    @post("/{study_id:str}/subjects", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def screen(self, request: Request[Any, Any, Any], study_id: FromPath[str], data: JSONBody[ScreenRequest],
               idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
               ) -> Response[SubjectOut]:
        """Screen a new subject at a site; the subject number is allocated by the server. A retry with the same
        Idempotency-Key returns the subject the first request screened."""
        with acting(request, study_id, Permission("subject.screen"), write=True) as scope:
            def create() -> SubjectRow:
                screened = screen_subject(scope.conn, study=scope.study, site_code=data.site, cohort=data.cohort,
                                          screened_on=data.screened_on, actor=scope.actor, now=scope.now)
                return lookups.find_subject(scope.conn, study_id=study_id, subject_number=screened.subject_number,
                                            actor=scope.actor)

            row = idempotency.once(
                scope.conn, actor=scope.actor, key=idempotency_key, resource="subject", now=scope.now,
                request={"study": study_id, "site": data.site, "cohort": data.cohort, "screened_on": data.screened_on},
                create=create, ident=lambda r: r.subject_id,
                read=lambda i: lookups.subject_by_id(scope.conn, study_id=study_id, subject_id=i, actor=scope.actor))
        location = f"/api/v1/studies/{study_id}/subjects/{row.subject_number}"
        return Response(subject_out(row), status_code=HTTP_201_CREATED, headers={"Location": location})

    @get(SUBJECT, sync_to_thread=True)
    def get_subject(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                    subject_number: FromPath[str]) -> SubjectOut:
        """One subject (404 when it does not exist or belongs to a site the caller cannot see)."""
        with acting(request, study_id, Permission("subject.read")) as scope:
            return subject_out(lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                                     actor=scope.actor))

    @get(SUBJECT + "/visits", sync_to_thread=True)
    def list_visits(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                    subject_number: FromPath[str]) -> list[VisitOut]:
        """The subject's visits with planned dates, windows and the forms each collects."""
        with acting(request, study_id, Permission("subject.read")) as scope:
            subject = lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                           actor=scope.actor)
            found = visits.subject_visits(scope.conn, study=scope.study, subject_id=subject.subject_id)
            return [_visit_out(scope.study, v) for v in found]

    @post(SUBJECT + "/schedule", status_code=200, sync_to_thread=True)
    def schedule(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                 data: JSONBody[ScheduleRequest]) -> list[VisitOut]:
        """Plan (or re-plan) the scheduled visits from the infusion date (409 when it is too close to another
        first infusion at the subject's dose level, where the design sets a minimum interval)."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            subject = lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                           actor=scope.actor)
            escalation.check_infusion_interval(scope.conn, scope.study, subject.subject_id, data.infusion_date)
            planned = visits.schedule_visits(scope.conn, study=scope.study, subject_id=subject.subject_id,
                                             infusion_date=data.infusion_date, actor=scope.actor, now=scope.now)
            return [_visit_out(scope.study, v) for v in planned]

    @post(SUBJECT + "/visits", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_unscheduled(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                        data: JSONBody[UnscheduledRequest]) -> VisitOut:
        """Add an unscheduled visit (code UNS, numbered by occurrence)."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            subject = lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                           actor=scope.actor)
            added = visits.add_unscheduled_visit(scope.conn, study=scope.study, subject_id=subject.subject_id,
                                                 visit_date=data.visit_date, actor=scope.actor, now=scope.now)
            return _visit_out(scope.study, added)

    @put(VISIT + "/date", sync_to_thread=True)
    def set_visit_date(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                       visit_code: FromPath[str], occurrence: FromPath[int],
                       data: JSONBody[VisitDateRequest]) -> VisitOut:
        """Record or correct the date a visit took place (out-of-window dates are accepted and flagged)."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            visit_id = _visit_id(scope, subject_number, visit_code, occurrence)
            done = visits.record_visit_date(scope.conn, study=scope.study, visit_id=visit_id,
                                            visit_date=data.visit_date, actor=scope.actor, now=scope.now,
                                            reason=data.reason)
            return _visit_out(scope.study, done)

    @post(VISIT + "/missed", status_code=200, sync_to_thread=True)
    def mark_missed(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                    visit_code: FromPath[str], occurrence: FromPath[int], data: JSONBody[MissedRequest]) -> VisitOut:
        """Mark a scheduled visit as missed, with the reason."""
        with acting(request, study_id, Permission("visit.write"), write=True) as scope:
            visit_id = _visit_id(scope, subject_number, visit_code, occurrence)
            missed = visits.mark_visit_missed(scope.conn, study=scope.study, visit_id=visit_id, reason=data.reason,
                                              actor=scope.actor, now=scope.now)
            return _visit_out(scope.study, missed)


def _visit_id(scope: Any, subject_number: str, visit_code: str, occurrence: int) -> int:
    subject = lookups.find_subject(scope.conn, study_id=scope.study.id, subject_number=subject_number,
                                   actor=scope.actor)
    return lookups.find_visit_id(scope.conn, subject_id=subject.subject_id, visit_code=visit_code,
                                 occurrence=occurrence)


def _study_out(study: StudyDefinition) -> StudyOut:
    spec = study.spec
    visit_defs = [VisitDefOut(code=v.id, name=v.name, day=v.day, window_before=v.window.before,
                              window_after=v.window.after, forms=list(forms_at_visit(study, v.id)))
                  for v in study.visits]
    return StudyOut(id=study.id, title=spec.study.title, version=study.version,
                    sites=[SiteOut(code=s.id, name=s.name) for s in spec.sites],
                    cohorts=[c.id for c in spec.cohorts], visits=visit_defs, forms=sorted(study.forms))


def subject_out(row: SubjectRow) -> SubjectOut:
    """A subject row as the API returns it."""
    return SubjectOut(subject_number=row.subject_number, site=row.site_code, cohort=row.cohort,
                      dose_level=row.dose_level, status=row.status, screened_on=row.screened_on,
                      enrolled_on=row.enrolled_on)


def _visit_out(study: StudyDefinition, visit: visits.VisitInfo) -> VisitOut:
    return VisitOut(visit_code=visit.visit_code, occurrence=visit.occurrence, status=visit.status,
                    planned_date=visit.planned_date, earliest=visit.earliest, latest=visit.latest,
                    visit_date=visit.visit_date, out_of_window=visit.out_of_window,
                    forms=list(forms_at_visit(study, visit.visit_code)))
