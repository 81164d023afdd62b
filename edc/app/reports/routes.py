"""Reports over HTTP, as CSV downloads: the open queries and the SDV progress of the sites the caller sees."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.reports import service as reports

REPORTS = "/{study_id:str}/reports"
DICTIONARY = "/{study_id:str}/dictionary"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_READ = Permission("record.read")


class ReportController(Controller):
    path = "/api/v1/studies"
    tags = ("reports",)

    @get(REPORTS + "/open-queries.csv", sync_to_thread=True, media_type="text/csv")
    def open_queries(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                     site: FromQuery[str | None] = None) -> Response[str]:
        """The open and answered queries at the sites the caller sees (optionally one site), oldest first, with
        their age in days."""
        with acting(request, study_id, _READ) as scope:
            views = reports.open_queries(scope.conn, study=scope.study, actor=scope.actor, now=scope.now,
                                         site_code=site)
            text = reports.csv_text(reports.OPEN_QUERY_COLUMNS, reports.open_query_rows(views, scope.now))
        return _csv(text, f"open-queries-{study_id}.csv")

    @get(REPORTS + "/sdv-progress.csv", sync_to_thread=True, media_type="text/csv")
    def sdv_progress(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                     site: FromQuery[str | None] = None) -> Response[str]:
        """Source data verification per subject at the sites the caller sees: records and items, verified."""
        with acting(request, study_id, _READ) as scope:
            text = reports.csv_text(reports.SDV_COLUMNS, reports.sdv_rows(scope.conn, study=scope.study,
                                                                          actor=scope.actor, site_code=site))
        return _csv(text, f"sdv-progress-{study_id}.csv")


class DictionaryController(Controller):
    path = "/api/v1/studies"
    tags = ("data dictionary",)

    @get(DICTIONARY + ".csv", sync_to_thread=True, media_type="text/csv")
    def csv(self, request: Request[Any, Any, Any], study_id: FromPath[str],
            table: FromQuery[str] = "items") -> Response[str]:
        """One table of the study's data dictionary as CSV: `items` (the default: every item of every form, with
        type, unit, range, codelist, skip logic, calculation, edit checks and SDTM target), `forms`, `codelists`
        or `rules` (edit checks and eligibility criteria)."""
        with acting(request, study_id, Permission("study.read")) as scope:
            text = reports.dictionary_csv(scope.study, table)
        return _csv(text, f"dictionary-{study_id}-{table}.csv")

    @get(DICTIONARY + ".xlsx", sync_to_thread=True, media_type=XLSX)
    def xlsx(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> Response[bytes]:
        """The study's data dictionary as an XLSX workbook: a sheet per table, header rows frozen, autofilters."""
        with acting(request, study_id, Permission("study.read")) as scope:
            study = scope.study
        return Response(reports.dictionary_xlsx(study), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="dictionary-{study_id}.xlsx"'})


def _csv(text: str, filename: str) -> Response[str]:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
