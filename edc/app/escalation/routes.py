"""The dose escalation over HTTP: its state per level, the committee's verdicts on adverse events and decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from edc.app.escalation.bodies import (
    AdjudicationRequest,
    CohortOut,
    CommitteeDecisionOut,
    DoseOut,
    EscalationDecisionRequest,
    EscalationOut,
    EventOut,
    IndicationOut,
    IntermediateLevelOut,
    IntermediateLevelRequest,
    LevelOut,
    OptionOut,
    ProposalOut,
    RecommendationOut,
    TreatedSubjectOut,
)
from edc.app.escalation.opening import Opening, open_intermediate_level
from edc.app.escalation.service import (
    CommitteeDecision,
    StudyEscalation,
    adjudicate_event,
    decide_escalation,
    study_escalation,
)
from edc.app.kernel.actor import Actor
from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Dose
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

    @post(STUDY + "/escalation/intermediate-levels", status_code=201, sync_to_thread=True)
    def open_level(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                   data: JSONBody[IntermediateLevelRequest],
                   idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
                   ) -> IntermediateLevelOut:
        """The committee opens an intermediate dose level (where the design allows one): a dose strictly between
        two adjacent declared levels, in their unit, becomes a level of its own, and enrolment is steered to it
        (escalate or step_back, by where it lies). 422 naming the dose outside every interval; 409 when the
        interval has one already or no subject is treated yet. A retry with the same Idempotency-Key returns the
        first opening."""
        with acting(request, study_id, Permission("committee.decide"), write=True) as scope:
            opening = open_intermediate_level(
                scope.conn, study=scope.study, dose=Dose(value=data.dose.value, unit=data.dose.unit),
                reason=data.reason, actor=scope.actor, now=scope.now, idempotency_key=idempotency_key)
            return _opening_out(opening)

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
    decision = None if found.decision is None else _decision_out(found.decision)
    levels = [LevelOut(id=s.level.id, label=s.level.label, role=s.level.role,
                       dose=DoseOut(value=s.level.dose.value, unit=s.level.dose.unit),
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


def _decision_out(d: CommitteeDecision) -> CommitteeDecisionOut:
    return CommitteeDecisionOut(action=d.action, level=d.level, recommended_action=d.recommended_action,
                                recommended_level=d.recommended_level, overrides=d.overrides, reason=d.reason,
                                decided_by=d.decided_by, decided_at=d.decided_at)


def _opening_out(opening: Opening) -> IntermediateLevelOut:
    level = opening.opened.level
    return IntermediateLevelOut(id=level.id, label=level.label, role=level.role,
                                dose=DoseOut(value=level.dose.value, unit=level.dose.unit),
                                lower_level=opening.opened.lower, upper_level=opening.opened.upper,
                                decision=_decision_out(opening.decision))


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
