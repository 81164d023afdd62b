"""Export jobs (SDTM, ODM) over HTTP: data managers start one (202 and its location), poll it, download its files."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.response import File

from edc.app.exports import service as exports
from edc.app.exports import worker
from edc.app.exports.bodies import (
    ExportFailureOut,
    ExportFileOut,
    ExportJobList,
    ExportJobOut,
    ExportProgressOut,
    ExportRequest,
)
from edc.app.exports.jobs import QUEUED, SUCCEEDED, JobView
from edc.app.exports.odm_store import Window
from edc.app.kernel.context import acting, app_state
from edc.app.kernel.permissions import Permission

EXPORTS = "/{study_id:str}/exports"
JOB = EXPORTS + "/{job_id:int}"
_RUN = Permission("export.run")


class ExportController(Controller):
    path = "/api/v1/studies"
    tags = ("exports",)

    @post(EXPORTS, status_code=202, sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], study_id: FromPath[str],
              data: JSONBody[ExportRequest | None] = None,
              idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
              ) -> Response[ExportJobOut]:
        """Start an export of the study as a background job: SDTM (xpt, json and/or csv, with define.xml) and/or
        the ODM 1.3.2 file (odm, optionally only the records changed in a window): 202 with the job's location,
        to poll. A retry with the same Idempotency-Key returns the first job. Verbatim terms not coded refuse an
        SDTM export (409, each in `errors`) unless `allow_uncoded`."""
        body = data or ExportRequest()
        with acting(request, study_id, _RUN, write=True) as scope:
            job = exports.request_export(scope.conn, study=scope.study, actor=scope.actor, formats=body.formats,
                                         now=scope.now, idempotency_key=idempotency_key,
                                         allow_uncoded=body.allow_uncoded,
                                         window=Window(body.changed_since, body.changed_until))
        if job.status == QUEUED:  # committed: the worker's own connection sees it
            worker.launch(app_state(request).engine, study=scope.study, job_id=job.job_id)
        location = f"/api/v1/studies/{study_id}/exports/{job.job_id}"
        return Response(job_out(job), status_code=202, headers={"Location": location})

    @get(EXPORTS, sync_to_thread=True)
    def listing(self, request: Request[Any, Any, Any], study_id: FromPath[str], limit: FromQuery[int] = 50,
                cursor: FromQuery[str | None] = None) -> ExportJobList:
        """The study's export jobs, newest first (one whose server process died shows failed, interrupted)."""
        with acting(request, study_id, _RUN) as scope:
            page = exports.list_jobs(scope.conn, study_id=study_id, actor=scope.actor, now=scope.now,
                                     limit=max(1, min(limit, 200)), cursor=cursor)
        return ExportJobList(items=[job_out(j) for j in page.jobs], next=page.next_cursor)

    @get(JOB, sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str], job_id: FromPath[int]) -> ExportJobOut:
        """One job: status, progress, rows per dataset, validation failures; its files once succeeded."""
        with acting(request, study_id, _RUN) as scope:
            job = exports.read_job(scope.conn, study_id=study_id, job_id=job_id, actor=scope.actor, now=scope.now)
        return job_out(job)

    @get(JOB + "/files/{name:str}", sync_to_thread=True, media_type="application/octet-stream")
    def download(self, request: Request[Any, Any, Any], study_id: FromPath[str], job_id: FromPath[int],
                 name: FromPath[str]) -> File:
        """A file of a succeeded job (409 while it runs or when it failed; 404 for a name it did not write)."""
        with acting(request, study_id, _RUN) as scope:
            job = exports.read_job(scope.conn, study_id=study_id, job_id=job_id, actor=scope.actor, now=scope.now)
        path = exports.file_path(job, name)
        return File(path=path, filename=name, media_type=exports.media_type(name),
                    content_disposition_type="attachment")


def job_out(job: JobView) -> ExportJobOut:
    """A job as the API returns it: never the server's directory."""
    base = f"/api/v1/studies/{job.study_id}/exports/{job.job_id}/files/"
    files = [ExportFileOut(name=n, media_type=exports.media_type(n), url=base + quote(n)) for n in job.files] if (
        job.status == SUCCEEDED) else []
    return ExportJobOut(
        id=job.job_id, status=job.status, formats=list(job.formats), allow_uncoded=job.allow_uncoded,
        changed_since=job.window.since, changed_until=job.window.until, requested_by=job.requested_by,
        requested_at=job.requested_at, started_at=job.started_at, finished_at=job.finished_at,
        progress=ExportProgressOut(dataset=job.progress.dataset, step=job.progress.step, done=job.progress.done,
                                   total=job.progress.total),
        rows=dict(job.rows) if job.rows is not None else None, files=files,
        failures=[ExportFailureOut(domain=str(f["domain"]), variable=_text(f.get("variable")),
                                   usubjid=_text(f.get("usubjid")), value=f.get("value"), message=str(f["message"]),
                                   row=_int(f.get("row"))) for f in job.failures],
        error=job.error)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None
