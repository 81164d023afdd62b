"""A subject's lupus responses: SRI-4 against baseline, LLDAS and DORIS at each follow-up assessment."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.responses.bodies import AssessmentOut, DorisOut, LldasOut, ResponsesOut, Sri4Out, VisitResponseOut
from edc.app.responses.service import lupus_responses
from edc.domain.lupus_course import Assessment, VisitResponse

SUBJECT = "/{study_id:str}/subjects/{subject_number:str}"


class ResponseController(Controller):
    path = "/api/v1/studies"
    tags = ("responses",)

    @get(SUBJECT + "/responses", sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str],
             subject_number: FromPath[str]) -> ResponsesOut:
        """SRI-4, LLDAS and DORIS remission, computed from the stored SLEDAI, BILAG, PGA and medications."""
        with acting(request, study_id, Permission("record.read")) as scope:
            found = lupus_responses(scope.conn, study=scope.study, subject_number=subject_number,
                                    actor=scope.actor)
            baseline = found.responses.baseline
            return ResponsesOut(subject_number=found.subject.subject_number,
                                baseline=None if baseline is None else _assessment(baseline),
                                visits=[_visit(v) for v in found.responses.visits])


def _assessment(a: Assessment) -> AssessmentOut:
    return AssessmentOut(
        visit_code=a.visit_code, occurrence=a.occurrence, assessed_on=a.assessed_on, sledai_2k=a.sledai_2k,
        clinical_sledai_2k=a.clinical_sledai_2k, pga=a.pga, bilag=None if a.bilag is None else dict(a.bilag),
        active_descriptors=sorted(a.active), prednisone_mg_day=a.glucocorticoids.mg_day,
        glucocorticoid_lines=list(a.glucocorticoids.counted))


def _visit(v: VisitResponse) -> VisitResponseOut:
    sri4 = lldas = doris = None
    if v.sri4 is not None:
        s = v.sri4
        sri4 = Sri4Out(met=s.met, sledai_reduction=s.sledai_reduction, sledai_met=s.sledai_met,
                       new_bilag_a=list(s.new_bilag_a), new_bilag_b=list(s.new_bilag_b), bilag_met=s.bilag_met,
                       pga_change=s.pga_change, pga_met=s.pga_met)
    if v.lldas is not None:
        lr = v.lldas
        lldas = LldasOut(met=lr.met, sledai_met=lr.sledai_met, no_major_organ_activity=lr.no_major_organ_activity,
                         no_new_activity=lr.no_new_activity, pga_met=lr.pga_met, prednisone_met=lr.prednisone_met)
    if v.doris is not None:
        d = v.doris
        doris = DorisOut(met=d.met, clinical_sledai_met=d.clinical_sledai_met, pga_met=d.pga_met,
                         prednisone_met=d.prednisone_met)
    return VisitResponseOut(assessment=_assessment(v.assessment), new_activity=list(v.new_activity),
                            sri4=sri4, lldas=lldas, doris=doris, undecidable=dict(v.undecidable))
