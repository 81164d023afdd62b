"""Data queries over HTTP: list and read them, raise manual ones, answer, close and re-open."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.queries import service as queries
from edc.app.queries.bodies import QueryList, QueryMessageOut, QueryOut, QueryRequest, QueryStepRequest

QUERIES = "/{study_id:str}/queries"
QUERY = QUERIES + "/{query_id:int}"


class QueryController(Controller):
    path = "/api/v1/studies"
    tags = ("queries",)

    @get(QUERIES, sync_to_thread=True)
    def listing(self, request: Request[Any, Any, Any], study_id: FromPath[str], site: FromQuery[str | None] = None,
             subject: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
             min_age_days: FromQuery[int | None] = None, limit: FromQuery[int] = 100,
             cursor: FromQuery[str | None] = None) -> QueryList:
        """Queries at the sites the caller sees, oldest first; filter by site, subject, status and age (days)."""
        with acting(request, study_id, Permission("record.read")) as scope:
            page = queries.list_queries(scope.conn, study=scope.study, actor=scope.actor, now=scope.now,
                                        site_code=site, subject_number=subject, status=status,
                                        min_age_days=min_age_days, limit=max(1, min(limit, 500)), cursor=cursor)
            return QueryList(items=[query_out(q) for q in page.queries], next=page.next_cursor)

    @post(QUERIES, status_code=201, sync_to_thread=True)
    def raise_query(self, request: Request[Any, Any, Any], study_id: FromPath[str], data: JSONBody[QueryRequest],
                    idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
                    ) -> QueryOut:
        """Raise a manual query on a visit, a record (form and seq) or an item of it; a retry with the same
        Idempotency-Key returns the query the first request raised."""
        with acting(request, study_id, Permission("query.open"), write=True) as scope:
            target = queries.Target(data.subject, data.visit, data.occurrence, data.form, data.seq, data.item)
            return query_out(queries.raise_query(scope.conn, study=scope.study, target=target, text=data.text,
                                                 actor=scope.actor, now=scope.now, idempotency_key=idempotency_key))

    @get(QUERY, sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str], query_id: FromPath[int]) -> QueryOut:
        """One query with its thread."""
        with acting(request, study_id, Permission("record.read")) as scope:
            return query_out(queries.read_query(scope.conn, study=scope.study, query_id=query_id, actor=scope.actor))

    @post(QUERY + "/answers", status_code=201, sync_to_thread=True)
    def answer(self, request: Request[Any, Any, Any], study_id: FromPath[str], query_id: FromPath[int],
               data: JSONBody[QueryStepRequest]) -> QueryOut:
        """The site's answer (409 on a closed query)."""
        with acting(request, study_id, Permission("query.answer"), write=True) as scope:
            return query_out(queries.answer_query(scope.conn, study=scope.study, query_id=query_id, text=data.text,
                                                  actor=scope.actor, now=scope.now))

    @post(QUERY + "/close", status_code=200, sync_to_thread=True)
    def close(self, request: Request[Any, Any, Any], study_id: FromPath[str], query_id: FromPath[int],
              data: JSONBody[QueryStepRequest]) -> QueryOut:
        """Close an open or answered query."""
        with acting(request, study_id, Permission("query.open"), write=True) as scope:
            return query_out(queries.close_query(scope.conn, study=scope.study, query_id=query_id, text=data.text,
                                                 actor=scope.actor, now=scope.now))

    @post(QUERY + "/reopen", status_code=200, sync_to_thread=True)
    def reopen(self, request: Request[Any, Any, Any], study_id: FromPath[str], query_id: FromPath[int],
               data: JSONBody[QueryStepRequest]) -> QueryOut:
        """Re-open an answered or closed query, saying what is still wrong."""
        with acting(request, study_id, Permission("query.open"), write=True) as scope:
            return query_out(queries.reopen_query(scope.conn, study=scope.study, query_id=query_id, text=data.text,
                                                  actor=scope.actor, now=scope.now))


def query_out(q: queries.QueryView) -> QueryOut:
    """A query as the API returns it."""
    return QueryOut(id=q.query_id, site=q.site, subject_number=q.subject_number, visit_code=q.visit_code,
                    occurrence=q.occurrence, form=q.form_id, seq=q.seq, item=q.item, origin=q.origin,
                    check_id=q.check_id, status=q.status, text=q.text, opened_by=q.opened_by, opened_at=q.opened_at,
                    closed_at=q.closed_at,
                    messages=[QueryMessageOut(kind=m.kind, status=m.status, text=m.text, user=m.user,
                                              created_at=m.created_at) for m in q.messages])
