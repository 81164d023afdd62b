"""Dose-limiting toxicity (DLT): screen adverse events against a trial's DLT definition, and a subject's DLT window.

The engine proposes; the investigator and, where the protocol has one, the
safety review committee decide (form dlt_assessment). Every trial-specific
rule is data: the study's own definition model (`edc.definitions.model.DltRules`,
YAML `escalation.dlt`) with its window (`escalation.dlt_window_days`), read as
it is. Modules: `definition` (its consistency, the rule covering an event),
`screening` (the one rule deciding an event), `time_limits` (exceptions and
persistence by improvement time), `window` (the subject's DLT window),
`adverse_event` and `outcomes` (what is read and what is said), `decision` (whose decision makes an
outcome count, `escalation.dlt_outcome`).

Conventions
- Day counting: the day of infusion is day 0. "Within N days of an infusion"
  means onset on day 0..N, i.e. onset <= infusion + N days; day N + 1 is
  outside. With repeat infusions ("any infusion") an event is timed from the
  latest infusion on or before its onset.
- Onset is the AE start date (aestdat): an event that starts inside the window
  and worsens after it is still in the window.
- Time limits ("improves to <= grade 2 within 7 days", "back to baseline
  within 28 days", "lasting no more than 28 days", "within 72 hours") run from
  the moment the worst grade was first reached (aewrsdat + aewrstim; the start
  when it is missing, which can only make a duration longer), in the unit the
  rule's key declares. A limit of N days is met when the milestone date is at
  most clock start + N; a limit of H hours when the milestone's date and time
  is at most H hours after it. A missing time of day stands for any minute of
  its date: decided only when every reading agrees, otherwise PENDING with no
  `decided_by` and the reason in the data (`time_limits`).
- "Lasting" (max_duration_days) is measured to the date the event improved to
  <= grade 2, because the AE form records no earlier step down from the worst
  grade; for a grade 4 event this counts its grade 3 days too (conservative).
- An event that has ended (end date) has improved and returned to baseline by
  its end date at the latest; that date stands in for a missing improvement or
  baseline date.
- Facts dated after `as_of` are not known yet, so a proposal is what could be
  said on that day. An undecided limit gives PENDING with `decided_by`, the
  first date on which the event becomes a DLT unless the milestone is recorded.

Precedence: exactly one rule decides each event; the first that applies wins.
1. before_infusion: onset before the first infusion -> NOT_CANDIDATE.
2. not_related: relatedness not among the definition's related codes -> NOT_CANDIDATE.
3. Onset outside the window: late_onset_referral for the configured grades
   (IC19: grade 3-4) -> REFER_TO_COMMITTEE, otherwise outside_window -> NOT_CANDIDATE.
4. below_dlt_grade: grade below every DLT criterion -> NOT_CANDIDATE.
5. An exception for the event class and grade (its own id). Without time limits
   -> NOT_DLT; with limits -> NOT_DLT when all are met, DLT when any is exceeded,
   PENDING while any is still open. An exception's limits replace the general
   persistence rule for its class and grade: grade 3 CRS not back to <= 2 within
   72 h is a DLT although the general limit is 7 days.
6. always_dlt: grade >= always_dlt_min_grade -> DLT (so grade 4 or 5 is a DLT
   unless step 5 covered that grade, e.g. grade 4 neutropenia <= 28 days).
7. A persistence rule for the grade (its own id), a class-specific one before a
   general one (IC19: seizure 3 days before every event 7 days): DLT when the
   event has not improved to <= grade 2 within the limit, NOT_DLT when it has,
   PENDING meanwhile.
8. no_dlt_criterion: no criterion covers the grade -> NOT_CANDIDATE.
(inconsistent_record: the escalation's PENDING for a record whose dates or
times are out of order, which AdverseEvent refuses; not a screening rule.)

The subject's window state (`window_state`) takes per-event outcomes rather
than proposals, so the caller passes the adjudicated decisions where they
exist and the proposals elsewhere.
"""

from __future__ import annotations

from edc.definitions.vocabulary import RELATEDNESS_CODES, EventClass
from edc.domain.dlt.adverse_event import AdverseEvent
from edc.domain.dlt.definition import check_definition, exception_for, persistence_rule_for
from edc.domain.dlt.outcomes import (
    ALWAYS_DLT,
    BEFORE_INFUSION,
    BELOW_DLT_GRADE,
    CAUSALITY_NOT_ASSESSED,
    FIXED_RULE_IDS,
    INCONSISTENT_RECORD,
    LATE_ONSET_REFERRAL,
    MAX_GRADE,
    MIN_GRADE,
    NO_DLT_CRITERION,
    NOT_RELATED,
    OUTSIDE_WINDOW,
    DataValue,
    DltProposal,
    DltVerdict,
    DltWindow,
    WindowState,
)
from edc.domain.dlt.screening import screen_adverse_event, screen_adverse_events
from edc.domain.dlt.window import window_state

__all__ = [
    "ALWAYS_DLT", "BEFORE_INFUSION", "BELOW_DLT_GRADE", "CAUSALITY_NOT_ASSESSED", "FIXED_RULE_IDS",
    "INCONSISTENT_RECORD", "LATE_ONSET_REFERRAL",
    "MAX_GRADE", "MIN_GRADE", "NOT_RELATED", "NO_DLT_CRITERION", "OUTSIDE_WINDOW", "RELATEDNESS_CODES", "AdverseEvent",
    "DataValue", "DltProposal", "DltVerdict", "DltWindow", "EventClass", "WindowState", "check_definition",
    "exception_for", "persistence_rule_for", "screen_adverse_event", "screen_adverse_events", "window_state",
]
