"""3+3 dose escalation: what the DLT data observed so far call for next.

The standard rule: treat a cohort (3) at a level; no DLT -> escalate; 1 DLT
-> expand the level to the expanded cohort (6); at most 1 DLT in the expanded
cohort -> escalate; 2 or more DLT at a level -> the level exceeds the maximum
tolerated dose (MTD). The MTD is the highest level where at most 1 of the
expanded cohort had a DLT, so a level seen in one cohort only must be expanded
before it is declared the MTD.

Every trial-specific choice comes from the study's `Escalation` and
`DoseLevel` configuration, never from the study's name:

- `on_mtd_exceeded: step_back`: step back to the next lower level (the
  `backup`-role level when the start level exceeds; a backup level is never
  used otherwise), expand it and declare it the MTD when tolerated; stop when
  no lower level is tolerated. `stop_for_review`: 2 or more DLT at any level
  stops escalation for the safety review committee.
- `allow_higher_doses`: `higher`-role levels join the escalation above the
  planned levels; without such a level, exploring higher doses is offered as
  an option once the top level is tolerated.
- `allow_intermediate_dose`: when a level exceeds the MTD, an intermediate dose
  between it and the level below is offered as an option (an `intermediate`-
  role level, declared or opened by the committee (`intermediate`), once
  subjects are treated at it, takes its place in the order).
- `expansion.allowed`: once the MTD is declared and every DLT window has
  closed, expansion (not DLT-evaluable) opens at the MTD. With
  `expansion.opens: after_sentinel` (a design that seeks no MTD, e.g. one
  safety level) it opens at the highest level as soon as its first cohort, the
  sentinel, is cleared (no DLT), without the expanded cohort the MTD needs; one
  DLT in the sentinel still expands it first.
- `max_subjects`: nothing is recommended that would take total enrolment
  (expansion included) past the cap, and no cohort is started that the cap
  would leave incomplete.

Decisions wait for every DLT window of the cohort to close, with one
exception: 2 DLT at a level settle that it exceeds the MTD whatever the
pending subjects show, so that decision is made at once and no further subject
is exposed to that dose. Escalation and MTD decisions, which the pending
subjects could still overturn, always wait.

The engine reads counts, not history: the same observed cohorts always give
the same recommendation, so it can be asked again at any time. Pure: no I/O.

Modules: `cohorts` (one level under the 3+3 rule), `three_plus_three` (the decision for the trial),
`recommendation` (what is recommended), `configuration` (checks of the inputs).
"""


from __future__ import annotations

from edc.domain.escalation.cohorts import DLTS_EXCEEDING_MTD, DLTS_TOLERATED, DltStatus, LevelCohort
from edc.domain.escalation.recommendation import Action, Alternative, Recommendation
from edc.domain.escalation.three_plus_three import open_level, recommend

__all__ = ["DLTS_EXCEEDING_MTD", "DLTS_TOLERATED", "Action", "Alternative", "DltStatus", "LevelCohort",
           "Recommendation", "open_level", "recommend"]
