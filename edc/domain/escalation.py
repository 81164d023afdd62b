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
  role level, once subjects are treated at it, takes its place in the order).
- `expansion.allowed`: once the MTD is declared and every DLT window has
  closed, expansion (not DLT-evaluable) opens at the MTD.
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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from edc.definitions.model import DoseLevel, Escalation

DLTS_EXCEEDING_MTD = 2
"""DLTs that put a level above the MTD, in a cohort or an expanded cohort (>= 2 of 3, >= 2 of 6)."""
DLTS_TOLERATED = 1
"""Most DLTs a level may show and still escalate (after expansion) or be the MTD (at most 1 of 6)."""


class DltStatus(Enum):
    """Where one DLT-evaluable subject stands: a DLT seen, the window closed without one, or still open."""

    DLT = "dlt"
    NO_DLT = "no_dlt"
    PENDING = "pending"


@dataclass(frozen=True)
class LevelCohort:
    """The DLT-evaluable subjects treated so far at one dose level.

    `evaluable` counts every DLT-evaluable subject treated at the level:
    `dlts` of them had a DLT, `pending` are still in their DLT window without
    one, and the rest completed the window without a DLT. A DLT counts as soon
    as it is seen, even inside the window. Expansion subjects, who are not
    DLT-evaluable, are not counted here (only in the total enrolled).
    """

    level_id: str
    evaluable: int
    dlts: int = 0
    pending: int = 0

    def __post_init__(self) -> None:
        for name in ("evaluable", "dlts", "pending"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if self.dlts + self.pending > self.evaluable:
            raise ValueError(
                f"{self.level_id}: {self.dlts} DLT + {self.pending} pending is more than "
                f"{self.evaluable} evaluable subjects")

    @classmethod
    def of(cls, level_id: str, statuses: Iterable[DltStatus]) -> LevelCohort:
        """The cohort made of these subjects' DLT statuses."""
        counted = list(statuses)
        return cls(level_id, len(counted), counted.count(DltStatus.DLT), counted.count(DltStatus.PENDING))

    @property
    def closed(self) -> bool:
        """True when every subject's DLT window has closed (or the subject had a DLT)."""
        return self.pending == 0


class Action(Enum):
    """What the trial should do next."""

    ENROL = "enrol"
    """Keep filling the cohort at `level` (or start escalation at the start level)."""
    WAIT = "wait"
    """The cohort is complete; wait for its DLT windows to close before deciding."""
    ESCALATE = "escalate"
    """Open the next level up and treat a cohort there."""
    EXPAND_COHORT = "expand_cohort"
    """Add subjects at `level` up to the expanded cohort."""
    STEP_BACK = "step_back"
    """A higher level exceeded the MTD: treat (more) subjects at this lower level."""
    DECLARE_MTD = "declare_mtd"
    """`level` is the MTD; no more DLT-evaluable subjects."""
    OPEN_EXPANSION = "open_expansion"
    """`level` is the MTD and expansion subjects may be enrolled at it."""
    STOP_FOR_REVIEW = "stop_for_review"
    """`level` exceeded the MTD: escalation stops, the safety review committee decides."""
    STOP = "stop"
    """No more subjects: no tolerated level, or the enrolment cap is reached."""
    CONSIDER_INTERMEDIATE_DOSE = "consider_intermediate_dose"
    """Option: a dose between an exceeded level and the level below it."""
    EXPLORE_HIGHER = "explore_higher"
    """Option: doses above the highest planned level, which was tolerated."""

    @property
    def enrols(self) -> bool:
        """True for the actions that assign new subjects."""
        return self in _ENROLLING


_ENROLLING = frozenset({Action.ENROL, Action.ESCALATE, Action.EXPAND_COHORT, Action.STEP_BACK,
                        Action.OPEN_EXPANSION})


@dataclass(frozen=True)
class Alternative:
    """An option the configuration allows besides the recommended action; `level` None when not defined."""

    action: Action
    level: str | None
    reason: str


@dataclass(frozen=True)
class Recommendation:
    """The next step of the escalation.

    `level` is the dose level the action concerns. `open_level` is the one
    level open now: where the next DLT-evaluable subject goes or whose cohort
    is in DLT evaluation, or the MTD while expansion is open; None once
    escalation is over. `slots` is how many subjects may be assigned at
    `level` now (None: no limit set), 0 for actions that assign nobody. `mtd`
    is set once the MTD is known. `capped` says the enrolment cap stopped the
    trial. `reason` quotes the rule applied.
    """

    action: Action
    level: str | None
    open_level: str | None
    reason: str
    slots: int | None = 0
    mtd: str | None = None
    capped: bool = False
    options: tuple[Alternative, ...] = ()


def recommend(dose_levels: Sequence[DoseLevel], escalation: Escalation, cohorts: Iterable[LevelCohort],
              *, enrolled: int | None = None) -> Recommendation:
    """The 3+3 recommendation for the cohorts observed so far.

    `cohorts` holds the DLT-evaluable subjects per level (a level not listed
    has none). `enrolled` is every subject enrolled, expansion included; by
    default the DLT-evaluable ones. Subjects at a level below the start are
    only looked at once the start level exceeded the MTD. ValueError for an
    inconsistent configuration or cohorts at unknown or unused levels.
    """
    return _Trial.build(dose_levels, escalation, cohorts, enrolled).decide()


def open_level(dose_levels: Sequence[DoseLevel], escalation: Escalation, cohorts: Iterable[LevelCohort],
               *, enrolled: int | None = None) -> str | None:
    """The one dose level open now (never two at once), None when escalation is over; see `recommend`."""
    return recommend(dose_levels, escalation, cohorts, enrolled=enrolled).open_level


# --- where one level stands ---------------------------------------------------------------------

class _Stage(Enum):
    UNTREATED = "untreated"
    FILLING = "filling"  # fewer subjects than the cohort it is filling
    AWAITING = "awaiting"  # cohort complete, DLT windows still open
    NEEDS_EXPANSION = "needs expansion"  # 1 DLT in the first cohort
    CLEARED = "cleared"  # no DLT in the first cohort: may escalate, too few to be the MTD
    TOLERATED = "tolerated"  # at most 1 DLT in the expanded cohort: may escalate or be the MTD
    EXCEEDED = "exceeded"  # 2 or more DLT, whatever the pending subjects show


@dataclass(frozen=True)
class _Level:
    dose: DoseLevel
    cohort: LevelCohort
    stage: _Stage
    target: int  # the cohort size the level is filling or would be filled to next

    @property
    def id(self) -> str:
        """The dose level's id."""
        return self.dose.id

    @property
    def needed(self) -> int:
        """Subjects still to treat before the level's next decision."""
        return max(self.target - self.cohort.evaluable, 0)

    def observed(self) -> str:
        """'1 of 3 with DLT', with the windows still open when there are any."""
        text = f"{self.cohort.dlts} of {self.cohort.evaluable} with DLT"
        if self.cohort.pending:
            text += f", {self.cohort.pending} still in the DLT window"
        return text


def _assess(dose: DoseLevel, cohort: LevelCohort, escalation: Escalation) -> _Level:
    stage, target = _stage(cohort, escalation.cohort_size, escalation.expanded_cohort_size)
    return _Level(dose, cohort, stage, target)


def _stage(cohort: LevelCohort, size: int, expanded: int) -> tuple[_Stage, int]:
    """Where the level stands under the 3+3 rule, and the cohort size it is filling or would fill next."""
    n = cohort.evaluable
    if cohort.dlts >= DLTS_EXCEEDING_MTD:
        return _Stage.EXCEEDED, n
    if n == 0:
        return _Stage.UNTREATED, size
    if n < size:
        return _Stage.FILLING, size
    if size < n < expanded:
        return _Stage.FILLING, expanded
    if not cohort.closed:
        return _Stage.AWAITING, n
    if n >= expanded:
        return _Stage.TOLERATED, n
    if cohort.dlts == 0:
        return _Stage.CLEARED, expanded
    return _Stage.NEEDS_EXPANSION, expanded


_MAY_ESCALATE = frozenset({_Stage.CLEARED, _Stage.TOLERATED})


# --- the trial as a whole -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Trial:
    escalation: Escalation
    levels: tuple[_Level, ...]  # the levels escalation may use, lowest dose first
    unused: tuple[DoseLevel, ...]  # higher or intermediate levels not (yet) in use
    higher_defined: bool  # a `higher`-role level exists, so allow_higher_doses means that level only
    start: int  # index of the start level in `levels`
    remaining: int | None  # subjects the cap still allows; None without a cap
    pending: bool  # a DLT window is open somewhere

    @classmethod
    def build(cls, dose_levels: Sequence[DoseLevel], escalation: Escalation, cohorts: Iterable[LevelCohort],
              enrolled: int | None) -> _Trial:
        """Check the inputs and judge each level; ValueError for inconsistent ones."""
        by_id = _cohorts_by_level(dose_levels, cohorts)
        _check_configuration(dose_levels, escalation)
        ordered = sorted(dose_levels, key=lambda dose: dose.order)
        used = [dose for dose in ordered if _in_use(dose, escalation, by_id[dose.id])]
        unused = tuple(dose for dose in ordered if dose not in used)
        for dose in unused:
            if by_id[dose.id].evaluable:
                raise ValueError(
                    f"subjects treated at {dose.id} (role {dose.role}), a level this escalation does not use")
        levels = tuple(_assess(dose, by_id[dose.id], escalation) for dose in used)
        evaluable = sum(cohort.evaluable for cohort in by_id.values())
        total = evaluable if enrolled is None else enrolled
        if total < evaluable:
            raise ValueError(f"enrolled ({total}) is less than the {evaluable} DLT-evaluable subjects")
        cap = escalation.max_subjects
        start = next(i for i, level in enumerate(levels) if level.id == escalation.start_level)
        return cls(escalation, levels, unused, any(dose.role == "higher" for dose in ordered), start,
                   None if cap is None else max(cap - total, 0),
                   any(not cohort.closed for cohort in by_id.values()))

    def decide(self) -> Recommendation:
        """The recommendation for the trial as it stands."""
        exceeded = self._lowest_exceeded()
        if exceeded is not None and self.escalation.on_mtd_exceeded == "stop_for_review":
            return self._stop_for_review(self.levels[exceeded])
        # The first level from the start up that has not yet allowed escalation is where the trial is.
        end = len(self.levels) if exceeded is None else exceeded
        for index in range(self.start, end):
            if self.levels[index].stage not in _MAY_ESCALATE:
                if index == end - 1 and exceeded is not None:
                    return self._at_lower_level(self.levels[index], self.levels[exceeded])
                return self._work_at(index)
        if exceeded is not None:
            return self._step_back_from(exceeded)
        return self._top_level_tolerated()

    def _lowest_exceeded(self) -> int | None:
        # Levels below the start (back-up) only come into play after the start level exceeded.
        return next((i for i in range(self.start, len(self.levels))
                     if self.levels[i].stage is _Stage.EXCEEDED), None)

    # --- escalating -----------------------------------------------------------------------------

    def _work_at(self, index: int) -> Recommendation:
        level = self.levels[index]
        if level.stage is _Stage.UNTREATED and index == self.start:
            return self._enrol(Action.ENROL, level,
                               f"start of escalation: treat {level.target} at the start level {level.id}")
        if level.stage is _Stage.UNTREATED:
            return self._escalate_to(index)
        return self._continue_at(level, ())

    def _escalate_to(self, index: int) -> Recommendation:
        below, level = self.levels[index - 1], self.levels[index]
        options: tuple[Alternative, ...] = ()
        if level.dose.role == "higher":
            # The higher level is optional: confirming the top planned level stays open.
            stay = self._finish_at_top(below, ())
            if stay.action is not Action.STOP:
                options = (Alternative(stay.action, stay.level,
                                       f"{level.id} is an optional higher level; instead: {stay.reason}"),)
        return self._enrol(Action.ESCALATE, level,
                           f"{below.observed()} at {below.id}: escalate to {level.id} "
                           f"and treat {level.target}", options)

    def _continue_at(self, level: _Level, options: tuple[Alternative, ...]) -> Recommendation:
        """ENROL, WAIT or EXPAND_COHORT at a level whose cohort is not yet decided."""
        if level.stage is _Stage.FILLING:
            return self._enrol(Action.ENROL, level,
                               f"{level.cohort.evaluable} of {level.target} treated at {level.id}: "
                               f"enrol {level.needed} more to complete the cohort", options)
        if level.stage is _Stage.AWAITING:
            return Recommendation(
                Action.WAIT, level.id, level.id,
                f"{level.observed()} at {level.id}: no decision until every "
                f"{self.escalation.dlt_window_days}-day DLT window has closed", options=options)
        return self._enrol(Action.EXPAND_COHORT, level,
                           f"{level.observed()} at {level.id}: expand to {level.target}", options)

    def _top_level_tolerated(self) -> Recommendation:
        top = self.levels[-1]
        options: tuple[Alternative, ...] = ()
        if self.escalation.allow_higher_doses and not self.higher_defined:
            options = self._if_room((Alternative(
                Action.EXPLORE_HIGHER, None,
                f"{top.observed()} at {top.id}, the highest level defined: higher doses may be "
                "explored (allow_higher_doses)"),))
        return self._finish_at_top(top, options)

    def _finish_at_top(self, top: _Level, options: tuple[Alternative, ...]) -> Recommendation:
        if top.stage is _Stage.CLEARED:
            return self._enrol(Action.EXPAND_COHORT, top,
                               f"{top.observed()} at {top.id}, the highest level: expand to {top.target} "
                               f"before declaring it the MTD (at most {DLTS_TOLERATED} of "
                               f"{self.escalation.expanded_cohort_size})", options)
        return self._declare_mtd(top, f"{top.observed()} at {top.id}, the highest level: {top.id} is the MTD",
                                 options)

    # --- a level exceeded the MTD ---------------------------------------------------------------

    def _stop_for_review(self, level: _Level) -> Recommendation:
        return Recommendation(
            Action.STOP_FOR_REVIEW, level.id, None,
            f"{level.observed()} at {level.id}: more than {DLTS_TOLERATED} of "
            f"{self.escalation.expanded_cohort_size} exceeds the MTD; escalation stops and the safety "
            "review committee decides on a lower dose")

    def _step_back_from(self, exceeded: int) -> Recommendation:
        # Step down past every level that exceeded too; below the start only the back-up levels remain.
        index = exceeded - 1
        while index >= 0 and self.levels[index].stage is _Stage.EXCEEDED:
            index -= 1
        above = self.levels[index + 1]
        if index < 0:
            return Recommendation(
                Action.STOP, above.id, None,
                f"{above.observed()} at {above.id} exceeds the MTD and no lower level is tolerated: "
                "no tolerated dose")
        return self._at_lower_level(self.levels[index], above)

    def _at_lower_level(self, level: _Level, above: _Level) -> Recommendation:
        exceeded = f"{above.observed()} at {above.id} exceeds the MTD"
        options = self._intermediate_option(level, above)
        if level.stage is _Stage.UNTREATED:
            return self._enrol(Action.STEP_BACK, level,
                               f"{exceeded}: step back to {level.id} and treat {level.target}", options)
        if level.stage is _Stage.CLEARED:
            return self._enrol(Action.STEP_BACK, level,
                               f"{exceeded}: step back to {level.id} ({level.observed()}) and expand it to "
                               f"{level.target}; the MTD needs at most {DLTS_TOLERATED} of {level.target}",
                               options)
        if level.stage is _Stage.TOLERATED:
            return self._declare_mtd(level, f"{exceeded} and {level.observed()} at {level.id}: "
                                     f"{level.id} is the MTD", options)
        return self._continue_at(level, options)

    def _intermediate_option(self, level: _Level, above: _Level) -> tuple[Alternative, ...]:
        if not self.escalation.allow_intermediate_dose:
            return ()
        between = next((d.id for d in self.unused if d.role == "intermediate"
                        and level.dose.order < d.order < above.dose.order), None)
        return self._if_room((Alternative(
            Action.CONSIDER_INTERMEDIATE_DOSE, between,
            f"{above.id} exceeds the MTD: an intermediate dose between {level.id} and {above.id} may be "
            "chosen (allow_intermediate_dose)"),))

    # --- the MTD --------------------------------------------------------------------------------

    def _declare_mtd(self, level: _Level, reason: str, options: tuple[Alternative, ...]) -> Recommendation:
        mtd = level.id
        if not self.escalation.expansion.allowed:
            return Recommendation(Action.DECLARE_MTD, mtd, None, reason, mtd=mtd, options=options)
        if self.remaining == 0:
            return Recommendation(
                Action.STOP, mtd, None,
                f"{reason}; the enrolment cap of {self.escalation.max_subjects} is reached: no expansion",
                mtd=mtd, capped=True)
        if self.pending:
            return Recommendation(Action.DECLARE_MTD, mtd, None,
                                  f"{reason}; expansion opens once every DLT window has closed",
                                  mtd=mtd, options=options)
        room = "" if self.remaining is None else (
            f" ({self.remaining} more up to the cap of {self.escalation.max_subjects})")
        return Recommendation(Action.OPEN_EXPANSION, mtd, mtd,
                              f"{reason}; expansion opens at {mtd}, not DLT-evaluable{room}",
                              slots=self.remaining, mtd=mtd, options=options)

    # --- the enrolment cap ----------------------------------------------------------------------

    def _enrol(self, action: Action, level: _Level, reason: str,
               options: tuple[Alternative, ...] = ()) -> Recommendation:
        """Assign `level.needed` subjects, unless the cap would leave that cohort incomplete."""
        if self.remaining is not None and level.needed > self.remaining:
            return Recommendation(
                Action.STOP, level.id, None,
                f"{reason}; but the enrolment cap of {self.escalation.max_subjects} leaves {self.remaining} "
                f"and this needs {level.needed}: stop", capped=True, options=options)
        return Recommendation(action, level.id, level.id, reason, slots=level.needed, options=options)

    def _if_room(self, options: tuple[Alternative, ...]) -> tuple[Alternative, ...]:
        """The options that open a dose, if the cap leaves room for a cohort."""
        if self.remaining is not None and self.remaining < self.escalation.cohort_size:
            return ()
        return options


# --- checks -------------------------------------------------------------------------------------

def _cohorts_by_level(dose_levels: Sequence[DoseLevel], cohorts: Iterable[LevelCohort]) -> dict[str, LevelCohort]:
    by_id = {dose.id: LevelCohort(dose.id, 0) for dose in dose_levels}
    seen: set[str] = set()
    for cohort in cohorts:
        if cohort.level_id not in by_id:
            raise ValueError(f"unknown dose level {cohort.level_id!r}")
        if cohort.level_id in seen:
            raise ValueError(f"dose level {cohort.level_id!r} is given twice")
        seen.add(cohort.level_id)
        by_id[cohort.level_id] = cohort
    return by_id


def _check_configuration(dose_levels: Sequence[DoseLevel], escalation: Escalation) -> None:
    if escalation.expanded_cohort_size <= escalation.cohort_size:
        raise ValueError("expanded_cohort_size must be larger than cohort_size")
    start = next((dose for dose in dose_levels if dose.id == escalation.start_level), None)
    if start is None or start.role != "start":
        raise ValueError(f"start level {escalation.start_level!r} is not the dose level whose role is 'start'")
    for dose in dose_levels:
        if dose.role == "backup" and dose.order >= start.order:
            raise ValueError(f"back-up level {dose.id} must be below the start level {start.id}")


def _in_use(dose: DoseLevel, escalation: Escalation, cohort: LevelCohort) -> bool:
    """Whether the escalation may place subjects at this level."""
    if dose.role == "higher":
        return escalation.allow_higher_doses
    if dose.role == "intermediate":
        # An intermediate dose is an option, not a step: it counts once someone is treated at it.
        return escalation.allow_intermediate_dose and cohort.evaluable > 0
    return True
