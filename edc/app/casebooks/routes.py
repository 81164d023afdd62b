"""Casebooks over HTTP: a subject's as PDF, a site's as a zip of PDFs (built in the request: a site's few
subjects of an early-phase trial take seconds, not a job)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from edc.app.casebooks import service
from edc.app.casebooks.bodies import PDF, ZIP, download_headers
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission


class CasebookController(Controller):
    path = "/api/v1/studies/{study_id:str}"
    tags = ("casebooks",)

    @get("/subjects/{subject_number:str}/casebook.pdf", sync_to_thread=True, media_type=PDF)
    def subject_casebook(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                         subject_number: FromPath[str]) -> Response[bytes]:
        """The subject's casebook: every visit and record with values, findings, queries, SDV marks, signatures
        and audit history; the content's SHA-256 is on the cover and in the ETag."""
        with acting(request, study_id, Permission.CASEBOOK_READ) as scope:
            rendered = service.casebook_pdf(scope.conn, study=scope.study, subject_number=subject_number,
                                            actor=scope.actor, now=scope.now)
        return Response(rendered.content, media_type=PDF, headers=download_headers(rendered.filename,
                                                                                    rendered.sha256))

    @get("/sites/{site_code:str}/casebooks.zip", sync_to_thread=True, media_type=ZIP)
    def site_casebooks(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                       site_code: FromPath[str]) -> Response[bytes]:
        """One casebook PDF per subject of the site, zipped."""
        with acting(request, study_id, Permission.CASEBOOK_READ) as scope:
            rendered = service.site_casebooks_zip(scope.conn, study=scope.study, site_code=site_code,
                                                  actor=scope.actor, now=scope.now)
        return Response(rendered.content, media_type=ZIP, headers=download_headers(rendered.filename,
                                                                                    rendered.sha256))
