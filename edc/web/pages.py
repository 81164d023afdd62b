"""The workspace's pages (GET): login, studies, study overview, subjects, casebook, audit history, query inbox,
escalation dashboard. Each reads through the services the API calls, in the same permission scope."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from edc import config
from edc.app.escalation.routes import escalation_out
from edc.app.escalation.service import study_escalation
from edc.app.kernel.errors import ServiceError, Unauthenticated
from edc.app.kernel.permissions import Permission, may, studies_visible
from edc.app.queries import service as queries
from edc.app.status.service import AGE_BUCKETS, study_status
from edc.app.trail import service as trail
from edc.app.trail.store import AuditFilter
from edc.demo.accounts import DEMO_ACCOUNTS
from edc.web import figures, views
from edc.web.render import http_error_page, page, service_error_page, to_login
from edc.web.session import PREFIX, page_principal, page_scope

STUDY = "/{study_id:str}"
MAX_FILTER = 64  # a site code, status, cohort or dose level is a short identifier


def _short(value: str | None) -> str | None:
    """A filter value, or None when empty; longer than any identifier names nothing (shown as no match)."""
    return (value or None) if value is None or len(value) <= MAX_FILTER else value[:MAX_FILTER]


@get("/", include_in_schema=False, security=[], sync_to_thread=False)
def home() -> Redirect:
    """The server's root opens the workspace (its login page when no session is open)."""
    return Redirect(path=PREFIX + "/", status_code=302)


class WorkspacePages(Controller):
    path = PREFIX
    include_in_schema = False
    security = []  # noqa: RUF012 - authenticated by the session cookie, not by the API's bearer admission
    exception_handlers = {ServiceError: service_error_page, HTTPException: http_error_page}  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def studies(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """The studies the user may read."""
        try:
            principal = page_principal(request)
        except Unauthenticated:
            return to_login(request)
        catalog = request.app.state["edc"].catalog
        visible = [catalog.studies[s] for s in studies_visible(principal, catalog.studies)]
        return page("studies.html", principal, studies=visible)

    @get(STUDY, sync_to_thread=True)
    def overview(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> Template:
        """Per site: forms expected / entered / verified / signed / locked, open queries by age, overdue visits."""
        with page_scope(request, study_id, Permission("subject.read")) as scope:
            rows = study_status(scope.conn, study=scope.study, actor=scope.actor, now=scope.now)
            return page("overview.html", scope.principal, study=scope.study, rows=rows,
                        buckets=[label for _, label in AGE_BUCKETS])

    @get(STUDY + "/subjects", sync_to_thread=True)
    def subjects(self, request: Request[Any, Any, Any], study_id: FromPath[str], site: FromQuery[str | None] = None,
                 status: FromQuery[str | None] = None, cohort: FromQuery[str | None] = None,
                 dose_level: FromQuery[str | None] = None) -> Template:
        """The subjects at the user's sites, with status, cohort and dose level; filters on each."""
        with page_scope(request, study_id, Permission("subject.read")) as scope:
            every = views.all_subjects(scope.conn, scope.study, scope.actor, site=None, status=None)
            sites = sorted({r.site_code for r in every})  # the actor's sites, as the lookup scoped them
            wanted = {"site_code": site, "status": status, "cohort": cohort, "dose_level": dose_level}
            rows = [r for r in every if all(not v or getattr(r, k) == v for k, v in wanted.items())]
            return page("subjects.html", scope.principal, study=scope.study, subjects=rows, sites=sites,
                        filters={"site": site or "", "status": status or "", "cohort": cohort or "",
                                 "dose_level": dose_level or ""})

    @get(STUDY + "/subjects/{subject_number:str}", sync_to_thread=True)
    def casebook(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                 subject_number: FromPath[str]) -> Template:
        """One subject's casebook: visits x forms, values with units, findings, queries, SDV, signatures."""
        with page_scope(request, study_id, Permission("record.read")) as scope:
            book = views.casebook(scope.conn, scope.study, subject_number, scope.actor, scope.now)
            return page("casebook.html", scope.principal, study=scope.study, book=book, errors={},
                        may_sdv=may(scope.actor.role, Permission("sdv.mark")),
                        may_query=may(scope.actor.role, Permission("query.open")),
                        trajectory_svg=figures.trajectory(scope.conn, scope.study, scope.actor, subject_number,
                                                          scope.now.date()))

    @get(STUDY + "/audit", sync_to_thread=True)
    def audit(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject: FromQuery[str | None] = None,
              record: FromQuery[int | None] = None, item: FromQuery[str | None] = None) -> Template:
        """The audit history of a subject, a record or one item of it."""
        with page_scope(request, study_id, Permission("audit.read")) as scope:
            criteria = AuditFilter(study_id=scope.study.id, subject_number=_short(subject), record_id=record,
                                   item=_short(item))
            found = trail.list_events(scope.conn, criteria=criteria, actor=scope.actor, limit=500)
            return page("audit.html", scope.principal, study=scope.study, events=found.events, subject=subject,
                        record=record, item=item)

    @get(STUDY + "/queries", sync_to_thread=True)
    def inbox(self, request: Request[Any, Any, Any], study_id: FromPath[str],
              status: FromQuery[str | None] = None) -> Template:
        """Open, answered and closed queries at the user's sites, oldest first."""
        with page_scope(request, study_id, Permission("record.read")) as scope:
            found = queries.list_queries(scope.conn, study=scope.study, actor=scope.actor, now=scope.now,
                                         status=_short(status) or None, limit=500)
            return page("queries.html", scope.principal, study=scope.study, queries=found.queries,
                        status_filter=status or "", statuses=queries.STATUSES)

    @get(STUDY + "/queries/{query_id:int}", sync_to_thread=True)
    def query(self, request: Request[Any, Any, Any], study_id: FromPath[str], query_id: FromPath[int]) -> Template:
        """One query with its thread and the steps the user's role may take."""
        with page_scope(request, study_id, Permission("record.read")) as scope:
            found = queries.read_query(scope.conn, study=scope.study, query_id=query_id, actor=scope.actor)
            return page("query.html", scope.principal, study=scope.study, query=found, errors={},
                        may_answer=may(scope.actor.role, Permission("query.answer")),
                        may_open=may(scope.actor.role, Permission("query.open")))

    @get(STUDY + "/escalation", sync_to_thread=True)
    def escalation(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> Template:
        """Each dose level with its subjects, DLT windows as a timeline, proposals and the 3+3 recommendation."""
        with page_scope(request, study_id, Permission("escalation.read")) as scope:
            found = escalation_out(scope.study, study_escalation(scope.conn, scope.study, scope.now.date()),
                                   scope.actor)
            return page("escalation.html", scope.principal, study=scope.study, esc=found, errors={},
                        timeline=views.timeline(found),
                        swimmer_svg=figures.swimmer(scope.conn, scope.study, scope.actor, scope.now.date()),
                        may_adjudicate=may(scope.actor.role, Permission("dlt.adjudicate")),
                        may_decide=may(scope.actor.role, Permission("committee.decide")))


def demo_accounts() -> list[tuple[str, str]]:
    """(username, role) of the demo accounts when this server runs the demo (`edc serve --demo`), else none."""
    return [(a.username, a.role) for a in DEMO_ACCOUNTS] if config.workspace_demo() else []


def _safe_next(target: str | None) -> str:
    """Where to go after login: a workspace path only (never another site: no open redirect)."""
    if target and target.startswith(PREFIX) and "//" not in target and "\\" not in target and len(target) < 300:
        return target
    return PREFIX + "/"
