"""The audit trail for monitors: filtered, cursor-paginated JSON and a CSV download."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Stream
from msgspec import Struct

from edc.app.kernel.context import acting, app_state, next_link
from edc.app.kernel.permissions import Permission
from edc.app.trail.service import AuditFilter, iter_csv, list_events


class AuditEventOut(Struct, kw_only=True):
    id: int
    occurred_at: datetime
    action: str
    username: str | None
    role: str | None
    site: str | None
    subject_number: str | None
    record_id: int | None
    form_id: str | None
    item: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    hash: str


class AuditPageOut(Struct, kw_only=True):
    items: list[AuditEventOut]
    next: str | None = None


class AuditController(Controller):
    path = "/api/v1/studies/{study_id:str}/audit"
    tags = ("audit",)

    @get("/", sync_to_thread=True)
    def list_audit(self, request: Request[Any, Any, Any], study_id: FromPath[str], site: FromQuery[str | None] = None,
                   subject: FromQuery[str | None] = None, record_id: FromQuery[int | None] = None,
                   form: FromQuery[str | None] = None, item: FromQuery[str | None] = None,
                   user: FromQuery[str | None] = None, action: FromQuery[str | None] = None,
                   since: FromQuery[datetime | None] = None, until: FromQuery[datetime | None] = None,
                   limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
                   cursor: FromQuery[str | None] = None) -> AuditPageOut:
        """Audit events of the study in chain order, filtered; `next` links the following page."""
        criteria = AuditFilter(study_id=study_id, site_code=site, subject_number=subject, record_id=record_id,
                               form_id=form, item=item, username=user, action=action, since=since, until=until)
        with acting(request, study_id, Permission("audit.read")) as scope:
            page = list_events(scope.conn, criteria=criteria, actor=scope.actor, limit=limit, cursor=cursor)
        following = None
        if page.next_cursor is not None:
            following = next_link(request, page.next_cursor)
        return AuditPageOut(items=[_event_out(e) for e in page.events], next=following)

    @get("/csv", sync_to_thread=True, media_type="text/csv")
    def download(self, request: Request[Any, Any, Any], study_id: FromPath[str], site: FromQuery[str | None] = None,
                 subject: FromQuery[str | None] = None, form: FromQuery[str | None] = None,
                 item: FromQuery[str | None] = None, user: FromQuery[str | None] = None,
                 action: FromQuery[str | None] = None, since: FromQuery[datetime | None] = None,
                 until: FromQuery[datetime | None] = None) -> Response[Any]:
        """The filtered audit trail as CSV, streamed page by page."""
        criteria = AuditFilter(study_id=study_id, site_code=site, subject_number=subject, form_id=form, item=item,
                               username=user, action=action, since=since, until=until)
        with acting(request, study_id, Permission("audit.read")) as scope:  # refuse before the stream starts
            actor = scope.actor
        engine = app_state(request).engine

        def rows() -> Iterator[str]:  # the actor authenticated and authorised above, once
            with engine.connect() as conn:
                yield from iter_csv(conn, criteria=criteria, actor=actor)

        filename = f"audit-{study_id}.csv"
        return Stream(rows(), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _event_out(event: Any) -> AuditEventOut:
    return AuditEventOut(id=event.id, occurred_at=event.occurred_at, action=event.action, username=event.username,
                         role=event.role, site=event.site_code, subject_number=event.subject_number,
                         record_id=event.record_id, form_id=event.form_id, item=event.item,
                         old_value=event.old_value, new_value=event.new_value, reason=event.reason, hash=event.hash)
