"""Where a trial's dose escalation stands: each treated subject's DLT window and the 3+3 recommendation.

Pure assembly over the stored records; the clinical rules are in
`edc.domain.dlt` (screening adverse events, window states) and
`edc.domain.escalation` (the 3+3 decision). What this module decides:

- An adverse event's outcome counts only once the decision the trial declares
  (`escalation.dlt_outcome`) exists: the committee's verdict, or the
  investigator's DLT assessment (the `dlt_assessment` form, latest record per
  AE number), signed where the trial says so; until then a DLT candidate is
  pending and says what it awaits from whom (`edc.domain.dlt.decision`). The
  escalation never moves on an undecided proposal, DLT or not.
- A subject assigned to a level but not yet infused occupies a place in the
  cohort and counts as pending, so no one is assigned over them.
- The order of the levels (intermediate levels included) says where a
  committee's escalate or step_back goes: above or below the highest level
  a subject is assigned to (`highest_treated`, `direction`).
- Events starting after `as_of` are not seen, so the state on a past day can
  be asked for.
- An event the definition refers to the committee (it started after the DLT
  window) is shown with its proposal but does not keep the subject's window
  undecided; a committee DLT verdict on it counts like any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time

from edc.definitions.model import DoseLevel, Escalation
from edc.definitions.vocabulary import EventClass
from edc.domain.dlt import (
    CAUSALITY_NOT_ASSESSED,
    INCONSISTENT_RECORD,
    AdverseEvent,
    DltProposal,
    DltVerdict,
    DltWindow,
    WindowState,
    check_definition,
    screen_adverse_event,
    window_state,
)
from edc.domain.dlt.decision import Awaiting, decided_outcome
from edc.domain.escalation import Action, DltStatus, LevelCohort, Recommendation, recommend

Values = Mapping[str, object]
_SYNDROMES = {"CRS": EventClass.CRS, "ICANS": EventClass.ICANS}
_WINDOW_STATUS = {WindowState.DLT: DltStatus.DLT, WindowState.CLOSED_NO_DLT: DltStatus.NO_DLT,
                  WindowState.OPEN: DltStatus.PENDING, WindowState.AWAITING_DECISION: DltStatus.PENDING}


@dataclass(frozen=True)
class TreatedSubject:
    """A subject assigned to a dose level, with what the DLT evaluation reads."""

    subject_number: str
    site_id: int
    dose_level: str
    dlt_evaluable: bool
    infusion_date: date | None
    adverse_events: Sequence[Values]  # adverse_events records
    investigator: Mapping[str, str]  # AE number -> DLT verdict code of the investigator's assessment
    committee: Mapping[str, str]  # AE number -> the committee's verdict code
    signed: frozenset[str] = frozenset()  # AE numbers whose assessment a valid signature covers


@dataclass(frozen=True)
class EventOutcome:
    """One adverse event: the screening proposal, the verdicts given, the outcome that counts and what it awaits."""

    aespid: str
    proposal: DltProposal
    investigator: str | None
    committee: str | None
    outcome: DltVerdict
    signed: bool = False
    awaiting: Awaiting | None = None
    awaiting_from: str | None = None


@dataclass(frozen=True)
class SubjectDlt:
    """A treated subject's DLT window (None before the infusion), status for the 3+3 and events."""

    subject: TreatedSubject
    window: DltWindow | None
    status: DltStatus | None  # None: not DLT-evaluable
    events: tuple[EventOutcome, ...]


@dataclass(frozen=True)
class LevelState:
    """A dose level with its subjects and the cohort the 3+3 rule reads."""

    level: DoseLevel
    subjects: tuple[SubjectDlt, ...]
    cohort: LevelCohort


@dataclass(frozen=True)
class EscalationState:
    """Every dose level's state, the subjects enrolled in all, and the engine's recommendation."""

    as_of: date
    levels: tuple[LevelState, ...]
    enrolled: int
    recommendation: Recommendation


def escalation_state(dose_levels: Sequence[DoseLevel], escalation: Escalation,
                     subjects: Sequence[TreatedSubject], as_of: date) -> EscalationState:
    """The state of the escalation on `as_of` from the treated subjects' records.

    The adverse events are screened against the study's DLT definition (`escalation.dlt`, window
    `escalation.dlt_window_days`); ValueError when the definition is inconsistent (`check_definition`).
    """
    check_definition(escalation.dlt, escalation.dlt_window_days)
    evaluated = [_subject_dlt(s, escalation, as_of) for s in subjects]
    levels = []
    for level in sorted(dose_levels, key=lambda d: d.order):
        at_level = tuple(s for s in evaluated if s.subject.dose_level == level.id)
        statuses = [s.status for s in at_level if s.status is not None]
        levels.append(LevelState(level, at_level, LevelCohort.of(level.id, statuses)))
    cohorts = [state.cohort for state in levels if state.cohort.evaluable]
    recommendation = recommend(dose_levels, escalation, cohorts, enrolled=len(subjects))
    return EscalationState(as_of, tuple(levels), len(subjects), recommendation)


def highest_treated(state: EscalationState) -> DoseLevel | None:
    """The highest level in the order (intermediate levels included) a subject is assigned to; None before any."""
    treated = [s.level for s in state.levels if s.subjects]
    return max(treated, key=lambda found: found.order) if treated else None


def direction(highest: DoseLevel, level: DoseLevel) -> Action | None:
    """ESCALATE to a level above the highest treated, STEP_BACK to one below; None for that level itself."""
    if level.order == highest.order:
        return None
    return Action.ESCALATE if level.order > highest.order else Action.STEP_BACK


def event_class(record: Values) -> EventClass:
    """The DLT event class of an AE record: CRS and ICANS by category, otherwise the coded class (OTHER if none)."""
    syndrome = _SYNDROMES.get(str(record.get("aecat")))
    if syndrome is not None:
        return syndrome
    coded = record.get("aedltcls")
    return EventClass(str(coded)) if coded is not None else EventClass.OTHER


def adverse_event(record: Values) -> AdverseEvent:
    """The engine's view of one adverse_events record, each milestone date with its time of day when recorded."""
    def on(name: str) -> date | None:
        """The record's date item `name`, None when it is missing or not a date."""
        value = record.get(name)
        return value if isinstance(value, date) else None

    def at(name: str) -> time | None:
        """The record's time item `name` (stored as HH:MM), None when it is missing."""
        value = record.get(name)
        return time.fromisoformat(value) if isinstance(value, str) else None

    start = on("aestdat")
    assert start is not None, "aestdat is required on the adverse event form"
    return AdverseEvent(aespid=str(record["aespid"]), event_class=event_class(record),
                        grade=int(str(record["aetoxgr"])), relatedness=str(record["aerel"]), start_date=start,
                        worst_grade_date=on("aewrsdat"), improved_date=on("aeimpdat"),
                        baseline_date=on("aebasdat"), end_date=on("aeendat"), start_time=at("aesttim"),
                        worst_grade_time=at("aewrstim"), improved_time=at("aeimptim"),
                        baseline_time=at("aebastim"), end_time=at("aeentim"))


def _subject_dlt(subject: TreatedSubject, escalation: Escalation, as_of: date) -> SubjectDlt:
    window_days = escalation.dlt_window_days
    if subject.infusion_date is None or subject.infusion_date > as_of:
        status = DltStatus.PENDING if subject.dlt_evaluable else None
        return SubjectDlt(subject, None, status, ())
    events = tuple(_outcome(subject, record, escalation, as_of) for record in subject.adverse_events
                   if isinstance(record.get("aestdat"), date) and record["aestdat"] <= as_of)  # type: ignore[operator]
    # An event referred to the committee started after the window: it is listed for the committee but
    # does not hold the cohort's evaluation; a DLT verdict of the committee on it counts.
    counted = [DltVerdict.NOT_CANDIDATE if e.outcome is DltVerdict.REFER_TO_COMMITTEE else e.outcome
               for e in events]
    window = window_state(subject.infusion_date, as_of, window_days, subject.dlt_evaluable, counted)
    return SubjectDlt(subject, window, _WINDOW_STATUS.get(window.state), events)


def _outcome(subject: TreatedSubject, record: Values, escalation: Escalation, as_of: date) -> EventOutcome:
    assert subject.infusion_date is not None
    proposal = _proposal(record, escalation, subject.infusion_date, as_of)
    aespid = proposal.aespid
    investigator = subject.investigator.get(aespid)
    committee = subject.committee.get(aespid)
    signed = aespid in subject.signed
    decision = decided_outcome(escalation.dlt_outcome, proposal.verdict, investigator=investigator, signed=signed,
                               committee=committee)
    return EventOutcome(aespid, proposal, investigator, committee, decision.outcome, signed,
                        decision.awaiting, decision.awaiting_from)


def _proposal(record: Values, escalation: Escalation, infusion_date: date, as_of: date) -> DltProposal:
    """The engine's proposal on one adverse event record; pending while the record cannot be screened."""
    aespid = str(record["aespid"])
    if record.get("aerel") is None:  # never read as unrelated: the event waits for the investigator's causality
        return DltProposal(aespid, DltVerdict.PENDING, CAUSALITY_NOT_ASSESSED,
                           "the investigator has not yet assessed the event's causality (aerel)", {})
    try:
        event = adverse_event(record)
    except ValueError as error:  # stored with its error findings (queries); no proposal until corrected
        return DltProposal(aespid, DltVerdict.PENDING, INCONSISTENT_RECORD, str(error), {})
    return screen_adverse_event(event, escalation.dlt, escalation.dlt_window_days, [infusion_date], as_of)
