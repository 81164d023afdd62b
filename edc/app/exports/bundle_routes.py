"""A finished export job's files as one zip with a manifest, over HTTP (its own controller beside the jobs')."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Stream

from edc.app.exports import bundle
from edc.app.exports import service as exports
from edc.app.exports.routes import JOB
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission


class ExportBundleController(Controller):
    path = "/api/v1/studies"
    tags = ("exports",)

    @get(JOB + "/bundle.zip", sync_to_thread=True, media_type="application/zip")
    def download_bundle(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                        job_id: FromPath[int]) -> Stream:
        """Every file of a succeeded job in one zip, with `manifest.json` giving each file's name, size and
        SHA-256, the job, the study, its formats and when the bundle was made (409 while the job runs or when
        it failed; 404 for a job the caller does not see, like a missing one)."""
        with acting(request, study_id, Permission("export.run")) as scope:
            job = exports.read_job(scope.conn, study_id=study_id, job_id=job_id, actor=scope.actor, now=scope.now)
        spool, size = bundle.bundle_file(job, scope.now)
        filename = f"export-{study_id}-{job_id}.zip"
        return Stream(bundle.chunks(spool), media_type="application/zip",
                      headers={"Content-Disposition": f'attachment; filename="{filename}"',
                               "Content-Length": str(size)})
