"""Studies, subjects and visits: screening, the visit schedule, visit dates, unscheduled and missed visits."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from edc.app.kernel import lookups
from edc.app.kernel.context import acting, app_state, authenticated, next_link
from edc.app.kernel.lookups import SubjectRow
from edc.app.kernel.permissions import Permission, studies_visible
from edc.app.records.service import forms_at_visit
from edc.app.subjects.bodies import ScreenRequest, SiteOut, StudyOut, SubjectList, SubjectOut, VisitDefOut
from edc.app.subjects.service import screen
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
            row = screen(scope.conn, study=scope.study, site_code=data.site, cohort=data.cohort,
                         screened_on=data.screened_on, actor=scope.actor, now=scope.now,
                         idempotency_key=idempotency_key)
        location = f"/api/v1/studies/{study_id}/subjects/{row.subject_number}"
        return Response(subject_out(row), status_code=HTTP_201_CREATED, headers={"Location": location})

    @get(SUBJECT, sync_to_thread=True)
    def get_subject(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                    subject_number: FromPath[str]) -> SubjectOut:
        """One subject (404 when it does not exist or belongs to a site the caller cannot see)."""
        with acting(request, study_id, Permission("subject.read")) as scope:
            return subject_out(lookups.find_subject(scope.conn, study_id=study_id, subject_number=subject_number,
                                                     actor=scope.actor))


def _study_out(study: StudyDefinition) -> StudyOut:
    spec = study.spec
    visit_defs = [VisitDefOut(code=v.id, name=v.name, day=v.day, window_before=v.window.before,
                              window_after=v.window.after, forms=list(forms_at_visit(study, v.id)),
                              form_cohorts={f: list(cohorts) for f in v.forms
                                            if (cohorts := v.cohorts_of(f)) is not None})
                  for v in study.visits]
    return StudyOut(id=study.id, title=spec.study.title, version=study.version,
                    sites=[SiteOut(code=s.id, name=s.name) for s in spec.sites],
                    cohorts=[c.id for c in spec.cohorts], visits=visit_defs, forms=sorted(study.forms))


def subject_out(row: SubjectRow) -> SubjectOut:
    """A subject row as the API returns it."""
    return SubjectOut(subject_number=row.subject_number, site=row.site_code, cohort=row.cohort,
                      dose_level=row.dose_level, status=row.status, screened_on=row.screened_on,
                      enrolled_on=row.enrolled_on)
