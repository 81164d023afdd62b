"""The dose escalation over HTTP: its state per level, the committee's verdicts on adverse events and decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from edc.app.escalation.bodies import (
    AdjudicationRequest,
    CohortOut,
    CommitteeDecisionOut,
    EscalationDecisionRequest,
    EscalationOut,
    EventOut,
    IndicationOut,
    LevelOut,
    OptionOut,
    ProposalOut,
    RecommendationOut,
    TreatedSubjectOut,
)
from edc.app.escalation.service import StudyEscalation, adjudicate_event, decide_escalation, study_escalation
from edc.app.kernel.actor import Actor
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.definitions.catalog import StudyDefinition
from edc.domain.escalation_state import EventOutcome, SubjectDlt

STUDY = "/{study_id:str}"


class EscalationController(Controller):
    path = "/api/v1/studies"
    tags = ("escalation",)

    @get(STUDY + "/escalation", sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str],
             as_of: FromQuery[date | None] = None) -> EscalationOut:
        """Each dose level with its subjects, DLT windows and proposals, and the 3+3 recommendation (today by
        default; `as_of` shows the state on an earlier day from the data entered since)."""
        with acting(request, study_id, Permission("escalation.read")) as scope:
            found = study_escalation(scope.conn, scope.study, as_of or scope.now.date())
            return escalation_out(scope.study, found, scope.actor)

    @post(STUDY + "/escalation/decisions", status_code=201, sync_to_thread=True)
    def decide(self, request: Request[Any, Any, Any], study_id: FromPath[str],
               data: JSONBody[EscalationDecisionRequest]) -> EscalationOut:
        """The committee's decision; one that differs from the engine's recommendation overrides it."""
        with acting(request, study_id, Permission("committee.decide"), write=True) as scope:
            found = decide_escalation(scope.conn, study=scope.study, action=data.action, level=data.level,
                                      reason=data.reason, actor=scope.actor, now=scope.now)
            return escalation_out(scope.study, found, scope.actor)

    @post(STUDY + "/subjects/{subject_number:str}/adverse-events/{aespid:str}/adjudication", status_code=201,
          sync_to_thread=True)
    def adjudicate(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                   aespid: FromPath[str], data: JSONBody[AdjudicationRequest]) -> EventOut:
        """The committee's verdict on one adverse event of a treated subject (DLT or NOT_DLT, with a reason)."""
        with acting(request, study_id, Permission("dlt.adjudicate"), write=True) as scope:
            event = adjudicate_event(scope.conn, study=scope.study, subject_number=subject_number, aespid=aespid,
                                     verdict=data.verdict, reason=data.reason, actor=scope.actor, now=scope.now)
            return _event_out(event)


def escalation_out(study: StudyDefinition, found: StudyEscalation, actor: Actor | None) -> EscalationOut:
    """The escalation as the API returns it; subjects listed only at the sites `actor` sees (None: all)."""
    rec = found.state.recommendation
    decision = None
    if found.decision is not None:
        d = found.decision
        decision = CommitteeDecisionOut(action=d.action, level=d.level, recommended_action=d.recommended_action,
                                        recommended_level=d.recommended_level, overrides=d.overrides,
                                        reason=d.reason, decided_by=d.decided_by, decided_at=d.decided_at)
    levels = [LevelOut(id=s.level.id, label=s.level.label, role=s.level.role,
                       cohort=CohortOut(evaluable=s.cohort.evaluable, dlts=s.cohort.dlts, pending=s.cohort.pending),
                       subjects=[_subject_out(t) for t in s.subjects
                                 if actor is None or actor.sees(t.subject.site_id)])
              for s in found.state.levels]
    return EscalationOut(
        study_id=study.id, as_of=found.state.as_of, enrolled=found.state.enrolled,
        max_subjects=study.spec.escalation.max_subjects, open_level=found.open_level, slots=found.slots,
        expansion=found.expansion, steered_by_committee=found.steered_by_committee,
        recommendation=RecommendationOut(
            action=rec.action.value, level=rec.level, reason=rec.reason, mtd=rec.mtd, capped=rec.capped,
            options=[OptionOut(action=o.action.value, level=o.level, reason=o.reason) for o in rec.options]),
        decision=decision, levels=levels,
        indications=[IndicationOut(cohort=c.id, enrolled=found.enrolled_by_cohort.get(c.id, 0),
                                   max_subjects=c.max_subjects) for c in study.spec.cohorts])


def _subject_out(subject: SubjectDlt) -> TreatedSubjectOut:
    window = subject.window
    return TreatedSubjectOut(
        subject_number=subject.subject.subject_number, dlt_evaluable=subject.subject.dlt_evaluable,
        infusion_date=subject.subject.infusion_date, window_state=None if window is None else window.state.value,
        window_end=None if window is None else window.window_end, events=[_event_out(e) for e in subject.events])


def _event_out(event: EventOutcome) -> EventOut:
    p = event.proposal
    return EventOut(aespid=event.aespid,
                    proposal=ProposalOut(verdict=p.verdict.value, rule=p.rule_id, reference=p.reference,
                                         data=dict(p.data), decided_by=p.decided_by),
                    investigator=event.investigator, committee=event.committee, signed=event.signed,
                    outcome=event.outcome.value, awaiting=None if event.awaiting is None else event.awaiting.value,
                    awaiting_from=event.awaiting_from)
