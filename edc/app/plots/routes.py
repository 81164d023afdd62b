"""Plots over HTTP as SVG images (image/svg+xml), scoped like the subject routes: the actor's sites only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.plots.service import swimmer, trajectory

SVG = "image/svg+xml"


class PlotController(Controller):
    path = "/api/v1/studies"
    tags = ("plots",)

    @get("/{study_id:str}/plots/swimmer.svg", sync_to_thread=True, media_type=SVG)
    def swimmer(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> Response[str]:
        """The swimmer plot of the subjects assigned a dose level at the caller's sites: days since the infusion,
        the DLT window, each adverse event by onset day and grade (colour and marker shape), CRS and ICANS
        named."""
        with acting(request, study_id, Permission("escalation.read")) as scope:
            svg = swimmer(scope.conn, scope.study, scope.actor, scope.now.date())
        return Response(svg, media_type=SVG)

    @get("/{study_id:str}/subjects/{subject_number:str}/plots/trajectory.svg", sync_to_thread=True, media_type=SVG)
    def trajectory(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                   subject_number: FromPath[str]) -> Response[str]:
        """The subject's SLEDAI-2K and PGA from the baseline on, with the SRI-4 / LLDAS / DORIS status of each
        follow-up visit. 404 for a subject the caller does not see or a study without SLEDAI; 409 for a subject
        whose cohort is not assessed with SLEDAI."""
        with acting(request, study_id, Permission("record.read")) as scope:
            svg = trajectory(scope.conn, scope.study, scope.actor, subject_number, scope.now.date())
        return Response(svg, media_type=SVG)
