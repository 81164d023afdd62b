"""A study's dose escalation: its state, the dose level enrolment assigns, the committee's verdicts and decisions.

The state is computed on every read from the stored records (infusions,
adverse events, the investigators' DLT assessments) and the committee's
verdicts, like eligibility, over the declared levels and the intermediate
ones the committee opened (`levels`, `opening`); see `edc.domain.escalation_state`.

Which level is open is the engine's answer, unless the committee's latest
decision overrode the engine's recommendation: that decision then steers (its
level is the open one, or none when it stopped enrolment) for as long as the
engine's recommendation is the one the committee overrode. New data that
change the recommendation hand the steering back to the engine.

Assignments are serialised per study (the study row is locked on PostgreSQL;
SQLite writes are serialised already), so two enrolments at once cannot both
take the last place of a cohort. Every write is audited in the caller's
transaction; nothing commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.escalation import store
from edc.app.escalation.levels import dose_levels
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import Conflict, InvalidInput, NotFound, NotPermitted
from edc.app.locks import service as locks
from edc.app.signatures import service as signatures
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import AE_FORM, DLT_FORM, INFUSION_FORM
from edc.domain.dlt import DltVerdict
from edc.domain.dosing import too_close
from edc.domain.escalation import Action
from edc.domain.escalation_state import (
    EscalationState,
    EventOutcome,
    TreatedSubject,
    direction,
    escalation_state,
    highest_treated,
)
from edc.domain.findings import Finding

VERDICTS = (DltVerdict.DLT.value, DltVerdict.NOT_DLT.value)
_INVESTIGATOR_VERDICT = {"Y": DltVerdict.DLT.value, "N": DltVerdict.NOT_DLT.value}


@dataclass(frozen=True)
class CommitteeDecision:
    """The committee's latest decision on the escalation."""

    action: str
    level: str | None
    recommended_action: str
    recommended_level: str | None
    overrides: bool
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class StudyEscalation:
    """The engine's state, the committee's latest decision, and the level open for enrolment now."""

    state: EscalationState
    decision: CommitteeDecision | None
    open_level: str | None
    slots: int | None  # places left at the open level (None: no limit)
    expansion: bool  # the open level takes expansion subjects (not DLT-evaluable)
    steered_by_committee: bool
    enrolled_by_cohort: Mapping[str, int] = field(default_factory=dict)  # every subject ever assigned, per cohort


@dataclass(frozen=True)
class Assignment:
    """The dose level a subject is enrolled at, and whether they are DLT-evaluable."""

    dose_level: str
    dlt_evaluable: bool


def study_escalation(conn: Connection, study: StudyDefinition, as_of: date) -> StudyEscalation:
    """The escalation of `study` on `as_of`."""
    subjects = _treated_subjects(conn, study)
    state = escalation_state(dose_levels(conn, study), study.spec.escalation, subjects, as_of)
    steered = _steered(study, state, _latest_decision(conn, study.id))
    return replace(steered, enrolled_by_cohort=store.enrolled_per_cohort(conn, study.id))


def assign_dose_level(conn: Connection, study: StudyDefinition, *, requested: str | None, cohort: str | None,
                      as_of: date) -> Assignment:
    """The level open for one more subject of `cohort` on `as_of`; Conflict when the design allows no assignment,
    or the cohort (indication) has enrolled all it may (`cohorts[].max_subjects`)."""
    store.lock_study(conn, study.id)
    current = study_escalation(conn, study, as_of)
    _ensure_cohort_room(study, current, cohort)
    reason = current.state.recommendation.reason
    if current.steered_by_committee and current.decision is not None:
        reason = f"the committee decided {current.decision.action} ({current.decision.reason})"
    if current.open_level is None:
        raise Conflict(f"no dose level is open for enrolment: {reason}")
    if requested is not None and requested != current.open_level:
        raise Conflict(f"dose level {requested} is not open; the open level is {current.open_level}")
    if current.slots == 0:
        raise Conflict(f"the cohort at {current.open_level} is full: {reason}")
    return Assignment(current.open_level, not current.expansion)


def _ensure_cohort_room(study: StudyDefinition, current: StudyEscalation, cohort: str | None) -> None:
    cap = next((c.max_subjects for c in study.spec.cohorts if c.id == cohort), None)
    enrolled = current.enrolled_by_cohort.get(cohort or "", 0)
    if cap is not None and enrolled >= cap:
        raise Conflict(f"cohort {cohort} is full: {enrolled} of its {cap} subjects are enrolled")


def check_infusion_interval(conn: Connection, study: StudyDefinition, subject_id: int, infusion_date: date) -> None:
    """Conflict when `infusion_date` puts the first two first infusions at the subject's level closer than the
    design allows (`min_days_between_first_infusions`): planning refuses what the protocol forbids."""
    message = _interval_breach(conn, study, subject_id, infusion_date)
    if message is not None:
        raise Conflict(message)


def infusion_interval_findings(conn: Connection, study: StudyDefinition, subject_id: int,
                               infusion_date: object) -> list[Finding]:
    """The same rule on a recorded infusion, as an error finding (a query): the infusion was given, so its
    record is kept, and the deviation is raised with it."""
    if not isinstance(infusion_date, date):
        return []
    message = _interval_breach(conn, study, subject_id, infusion_date)
    if message is None:
        return []
    return [Finding("first_infusions_apart", "error", message, "exdat", {"exdat": infusion_date.isoformat()})]


def _interval_breach(conn: Connection, study: StudyDefinition, subject_id: int, infusion_date: date) -> str | None:
    minimum = study.spec.escalation.min_days_between_first_infusions
    level = store.subject_dose_level(conn, subject_id)
    if not minimum or level is None:
        return None
    close = too_close(minimum, _first_infusions(conn, study, level, exclude=subject_id), infusion_date)
    if close is None:
        return None
    return (f"the first two first infusions at {level} must be at least {minimum} days apart; subject "
            f"{close.subject_number} is infused on {close.infused_on.isoformat()}, {close.days} days from "
            f"{infusion_date.isoformat()}")


def adjudicate_event(conn: Connection, *, study: StudyDefinition, subject_number: str, aespid: str, verdict: str,
                     reason: str, actor: Actor, now: datetime) -> EventOutcome:
    """Record the committee's verdict (DLT or NOT_DLT) on one adverse event of a treated subject."""
    if verdict not in VERDICTS:
        raise InvalidInput(f"verdict must be one of {', '.join(VERDICTS)}")
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=subject_number, actor=actor)
    locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id)
    current = _event(study_escalation(conn, study, now.date()), subject_number, aespid)
    store.insert_verdict(conn, subject_id=subject.subject_id, aespid=aespid, verdict=verdict,
                         proposed_verdict=current.proposal.verdict.value, proposed_rule=current.proposal.rule_id[:60],
                         reason=reason, decided_by=actor.user_id, decided_at=now)
    audit.append(conn, action="dlt.adjudicate", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=subject.site_id, study_id=study.id, subject_id=subject.subject_id,
                 item=f"AE {aespid}", old_value=current.committee, new_value=verdict, reason=reason)
    return _event(study_escalation(conn, study, now.date()), subject_number, aespid)


def decide_escalation(conn: Connection, *, study: StudyDefinition, action: str, level: str | None, reason: str,
                      actor: Actor, now: datetime) -> StudyEscalation:
    """Record the committee's decision; it overrides the engine when it differs from the recommendation."""
    ensure_study_wide(actor)
    try:
        chosen = Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action '{action}'; expected one of {', '.join(a.value for a in Action)}") from None
    if level is not None and level not in {d.id for d in dose_levels(conn, study)}:
        raise InvalidInput(f"study '{study.id}' has no dose level '{level}'")
    if chosen.enrols and level is None:
        raise InvalidInput(f"the action {action} needs a dose level")
    store.lock_study(conn, study.id)
    locks.ensure_writable(conn, study_id=study.id)
    current = study_escalation(conn, study, now.date())
    _check_direction(current.state, chosen, level)
    record_decision(conn, study, current.state, chosen, level, reason=reason, actor=actor, now=now)
    return study_escalation(conn, study, now.date())


def ensure_study_wide(actor: Actor) -> None:
    """NotPermitted for a site-restricted grant: the dose escalation is one for every site, like a study lock."""
    if actor.site_ids is not None:
        raise NotPermitted("a committee decision on the dose escalation covers every site: "
                           "it needs a study-wide grant")


def record_decision(conn: Connection, study: StudyDefinition, state: EscalationState, chosen: Action,
                    level: str | None, *, reason: str, actor: Actor, now: datetime) -> int:
    """Store and audit the committee's decision against the engine's recommendation in `state`; its id."""
    recommended = state.recommendation
    overrides = (chosen, level) != (recommended.action, recommended.level)
    decision_id = store.insert_decision(
        conn, study_id=study.id, action=chosen.value, level=level, recommended_action=recommended.action.value,
        recommended_level=recommended.level, overrides=overrides, reason=reason, decided_by=actor.user_id,
        decided_at=now)
    audit.append(conn, action="escalation.decide", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 study_id=study.id, item="decision", old_value=f"{recommended.action.value} {recommended.level or ''}"
                 .strip(), new_value=f"{chosen.value} {level or ''}".strip(), reason=reason)
    return decision_id


def _check_direction(state: EscalationState, chosen: Action, level: str | None) -> None:
    """InvalidInput unless an escalation names a level above the highest one treated, a step back one below."""
    if chosen not in (Action.ESCALATE, Action.STEP_BACK) or level is None:
        return
    highest = highest_treated(state)
    if highest is None:
        raise InvalidInput(f"no subject has been treated yet: there is no level to {chosen.value} from")
    named = next(s.level for s in state.levels if s.level.id == level)
    if direction(highest, named) is not chosen:
        side = "above" if chosen is Action.ESCALATE else "below"
        raise InvalidInput(f"{chosen.value} must name a level {side} {highest.id}, the highest level treated; "
                           f"{level} is not {side} it")


# --- reading ------------------------------------------------------------------------------------

def _treated_subjects(conn: Connection, study: StudyDefinition) -> list[TreatedSubject]:
    subjects = store.dosed_subjects(conn, study.id)
    records = store.dlt_records(conn, study, [s.id for s in subjects])
    committee = store.committee_verdicts(conn, study.id)
    assessed = {s.id: {str(v["dlt_aespid"]): (record_id, v) for record_id, v in records.get((s.id, DLT_FORM), [])
                       if "dlt_aespid" in v and "dlt" in v}  # the latest record per AE number
                for s in subjects}
    signed = signatures.signed_records(conn, study, [i for a in assessed.values() for i, _ in a.values()])
    treated = []
    for s in subjects:
        assessments = assessed[s.id]
        treated.append(TreatedSubject(
            subject_number=s.subject_number, site_id=s.site_id, dose_level=str(s.dose_level),
            dlt_evaluable=s.dlt_evaluable is not False,
            infusion_date=_infusion_date(v for _, v in records.get((s.id, INFUSION_FORM), [])),
            adverse_events=[v for _, v in records.get((s.id, AE_FORM), [])],
            investigator={aespid: _INVESTIGATOR_VERDICT[str(v["dlt"])] for aespid, (_, v) in assessments.items()},
            committee=committee.get(s.id, {}),
            signed=frozenset(aespid for aespid, (i, _) in assessments.items() if i in signed)))
    return treated


def _infusion_date(records: Iterable[Mapping[str, object]]) -> date | None:
    dates = [on for v in records if isinstance(on := v.get("exdat"), date)]
    return min(dates) if dates else None


def _first_infusions(conn: Connection, study: StudyDefinition, level: str, *,
                     exclude: int) -> list[tuple[str, date]]:
    """Each other subject at `level` with the date of their first infusion (given, else planned)."""
    others = store.others_at_level(conn, study.id, level, exclude=exclude)
    ids = [o.id for o in others]
    records = store.dlt_records(conn, study, ids)
    planned = store.planned_infusions(conn, ids, study.infusion_visit)
    found = []
    for other in others:
        given = _infusion_date(v for _, v in records.get((other.id, INFUSION_FORM), []))
        on = given or planned.get(other.id)
        if on is not None:
            found.append((other.subject_number, on))
    return found


def _latest_decision(conn: Connection, study_id: str) -> CommitteeDecision | None:
    row = store.latest_decision(conn, study_id)
    return None if row is None else committee_decision(row)


def committee_decision(row: store.DecisionRow) -> CommitteeDecision:
    """A stored decision as the service gives it."""
    return CommitteeDecision(row.action, row.level, row.recommended_action, row.recommended_level, row.overrides,
                             row.reason, row.username, stored_utc(row.decided_at))


def _event(current: StudyEscalation, subject_number: str, aespid: str) -> EventOutcome:
    for level in current.state.levels:
        for subject in level.subjects:
            if subject.subject.subject_number != subject_number:
                continue
            for event in subject.events:
                if event.aespid == aespid:
                    return event
    raise NotFound(f"subject {subject_number} has no adverse event {aespid} in a DLT evaluation")


def _steered(study: StudyDefinition, state: EscalationState, decision: CommitteeDecision | None) -> StudyEscalation:
    engine = state.recommendation
    if (decision is None or not decision.overrides
            or (decision.recommended_action, decision.recommended_level) != (engine.action.value, engine.level)):
        return StudyEscalation(state, decision, engine.open_level if engine.action.enrols else None, engine.slots,
                               engine.action is Action.OPEN_EXPANSION, False)
    action = Action(decision.action)
    if not action.enrols or decision.level is None:
        return StudyEscalation(state, decision, None, 0, False, True)
    return StudyEscalation(state, decision, decision.level, _places(study, state, decision.level, action),
                           action is Action.OPEN_EXPANSION, True)


def _places(study: StudyDefinition, state: EscalationState, level: str, action: Action) -> int | None:
    """Places left at `level` under a committee decision: up to the expanded cohort, within the enrolment cap."""
    escalation = study.spec.escalation
    cap = None if escalation.max_subjects is None else max(escalation.max_subjects - state.enrolled, 0)
    if action is Action.OPEN_EXPANSION:
        return cap
    treated = next(s.cohort.evaluable for s in state.levels if s.level.id == level)
    places = max(escalation.expanded_cohort_size - treated, 0)
    return places if cap is None else min(places, cap)
