"""`POST /api/v1/studies/{study}/imports/odm`: a CDISC ODM 1.3.2 file's clinical data, imported into the study.

The body is the file's raw XML (Content-Type application/xml), at most `MAX_IMPORT_BODY` bytes (413 beyond);
`file_name` names it in the audit trail's reason. The caller needs record.import (data managers) and imports into
their sites only. 201 with the summary when something was stored, 200 when nothing was (a re-import); a file with
any problem is refused whole: 422 (problem type import-refused) listing every problem with its line.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, QueryParameter, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from edc.app.interchange.bodies import ImportOut
from edc.app.interchange.service import import_odm
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.export.odm.reader import MAX_BYTES

MAX_IMPORT_BODY = MAX_BYTES
"""The largest ODM body taken (the reader's bound): the application's 1 MiB limit is for JSON forms."""


class ImportController(Controller):
    path = "/api/v1/studies"
    tags = ("imports",)

    @post("/{study_id:str}/imports/odm", status_code=HTTP_201_CREATED, sync_to_thread=True,
          request_max_body_size=MAX_IMPORT_BODY, responses={HTTP_200_OK: ResponseSpec(
              data_container=ImportOut, description="The file's data were all stored already: nothing changed.")})
    def import_odm_file(self, request: Request[Any, Any, Any], study_id: FromPath[str], body: RawBody,
                        file_name: Annotated[str, QueryParameter(
                            min_length=1, max_length=200, description="The file's name, for the audit trail.")]
                        = "upload.xml") -> Response[ImportOut]:
        """Import the clinical data of an ODM 1.3.2 file (raw XML body) through the record services."""
        with acting(request, study_id, Permission("record.import"), write=True) as scope:
            summary = import_odm(scope.conn, scope.study, scope.actor, body, file_name=file_name, now=scope.now)
        out = ImportOut(file_name=file_name, subjects=summary.subjects, created=summary.created,
                        corrected=summary.corrected, unchanged=summary.unchanged, visits_added=summary.visits_added)
        stored = summary.created or summary.corrected or summary.visits_added
        return Response(out, status_code=HTTP_201_CREATED if stored else HTTP_200_OK)
