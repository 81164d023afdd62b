"""A study's status at a glance over HTTP: per site, forms expected, entered, verified, signed and locked,
queries by age and overdue visits."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.status.bodies import SiteStatusOut
from edc.app.status.service import study_status


class StatusController(Controller):
    path = "/api/v1/studies"
    tags = ("status",)

    @get("/{study_id:str}/status", sync_to_thread=True)
    def status(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> list[SiteStatusOut]:
        """One row per site the caller sees, then their total (site 'all')."""
        with acting(request, study_id, Permission("subject.read")) as scope:
            return [SiteStatusOut(site=r.site, subjects=r.subjects, expected=r.expected, entered=r.entered,
                                  additional=r.additional,
                                  verified=r.verified, signed=r.signed, locked=r.locked,
                                  open_queries=dict(r.open_queries), answered_queries=r.answered_queries,
                                  overdue_visits=r.overdue_visits)
                    for r in study_status(scope.conn, study=scope.study, actor=scope.actor, now=scope.now)]
