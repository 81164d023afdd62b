"""Source data verification over HTTP: monitors mark what they verified; progress per site and subject."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.sdv import service as sdv
from edc.app.sdv.bodies import SdvProgressOut, SdvRequest, SdvResultOut

SDV = "/{study_id:str}/sdv"


class SdvController(Controller):
    path = "/api/v1/studies"
    tags = ("source data verification",)

    @post(SDV, status_code=201, sync_to_thread=True)
    def mark(self, request: Request[Any, Any, Any], study_id: FromPath[str],
             data: JSONBody[SdvRequest]) -> SdvResultOut:
        """Mark a visit, a record or listed items of it verified against source."""
        with acting(request, study_id, Permission("sdv.mark"), write=True) as scope:
            target = sdv.SdvTarget(data.subject, data.visit, data.occurrence, data.form, data.seq,
                                   None if data.items is None else tuple(data.items))
            return SdvResultOut(marked=sdv.verify(scope.conn, study=scope.study, target=target, actor=scope.actor,
                                                  now=scope.now))

    @get(SDV + "/progress", sync_to_thread=True)
    def progress(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                 site: FromQuery[str | None] = None) -> list[SdvProgressOut]:
        """Per subject: records and entered items, and how many are verified."""
        with acting(request, study_id, Permission("record.read")) as scope:
            return [SdvProgressOut(site=p.site, subject_number=p.subject_number, records=p.records,
                                   records_verified=p.records_verified, items=p.items, items_verified=p.items_verified)
                    for p in sdv.progress(scope.conn, study=scope.study, actor=scope.actor, site_code=site)]
