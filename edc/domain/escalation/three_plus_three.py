"""The 3+3 decision for the trial as a whole: escalate, expand, step back, declare the MTD or stop.

See the package docstring for the rule and the configuration it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from edc.definitions.model import DoseLevel, Escalation
from edc.domain.escalation.cohorts import (
    DLTS_TOLERATED,
    MAY_ESCALATE,
    AssessedLevel,
    LevelCohort,
    Stage,
    assess,
)
from edc.domain.escalation.configuration import check_configuration, cohorts_by_level, in_use
from edc.domain.escalation.recommendation import Action, Alternative, Recommendation


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


@dataclass(frozen=True)
class _Trial:
    escalation: Escalation
    levels: tuple[AssessedLevel, ...]  # the levels escalation may use, lowest dose first
    unused: tuple[DoseLevel, ...]  # higher or intermediate levels not (yet) in use
    higher_defined: bool  # a `higher`-role level exists, so allow_higher_doses means that level only
    start: int  # index of the start level in `levels`
    remaining: int | None  # subjects the cap still allows; None without a cap
    pending: bool  # a DLT window is open somewhere

    @classmethod
    def build(cls, dose_levels: Sequence[DoseLevel], escalation: Escalation, cohorts: Iterable[LevelCohort],
              enrolled: int | None) -> _Trial:
        """Check the inputs and judge each level; ValueError for inconsistent ones."""
        by_id = cohorts_by_level(dose_levels, cohorts)
        check_configuration(dose_levels, escalation)
        ordered = sorted(dose_levels, key=lambda dose: dose.order)
        used = [dose for dose in ordered if in_use(dose, escalation, by_id[dose.id])]
        unused = tuple(dose for dose in ordered if dose not in used)
        for dose in unused:
            if by_id[dose.id].evaluable:
                raise ValueError(
                    f"subjects treated at {dose.id} (role {dose.role}), a level this escalation does not use")
        levels = tuple(assess(dose, by_id[dose.id], escalation) for dose in used)
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
            if self.levels[index].stage not in MAY_ESCALATE:
                if index == end - 1 and exceeded is not None:
                    return self._at_lower_level(self.levels[index], self.levels[exceeded])
                return self._work_at(index)
        if exceeded is not None:
            return self._step_back_from(exceeded)
        return self._top_level_tolerated()

    def _lowest_exceeded(self) -> int | None:
        # Levels below the start (back-up) only come into play after the start level exceeded.
        return next((i for i in range(self.start, len(self.levels))
                     if self.levels[i].stage is Stage.EXCEEDED), None)

    # --- escalating -----------------------------------------------------------------------------

    def _work_at(self, index: int) -> Recommendation:
        level = self.levels[index]
        if level.stage is Stage.UNTREATED and index == self.start:
            return self._enrol(Action.ENROL, level,
                               f"start of escalation: treat {level.target} at the start level {level.id}")
        if level.stage is Stage.UNTREATED:
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

    def _continue_at(self, level: AssessedLevel, options: tuple[Alternative, ...]) -> Recommendation:
        """ENROL, WAIT or EXPAND_COHORT at a level whose cohort is not yet decided."""
        if level.stage is Stage.FILLING:
            return self._enrol(Action.ENROL, level,
                               f"{level.cohort.evaluable} of {level.target} treated at {level.id}: "
                               f"enrol {level.needed} more to complete the cohort", options)
        if level.stage is Stage.AWAITING:
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

    def _finish_at_top(self, top: AssessedLevel, options: tuple[Alternative, ...]) -> Recommendation:
        if top.stage is Stage.CLEARED and self.escalation.expansion.after_sentinel:
            return self._open_expansion(top, f"{top.observed()} at {top.id}, the sentinel cohort", None, options)
        if top.stage is Stage.CLEARED:
            return self._enrol(Action.EXPAND_COHORT, top,
                               f"{top.observed()} at {top.id}, the highest level: expand to {top.target} "
                               f"before declaring it the MTD (at most {DLTS_TOLERATED} of "
                               f"{self.escalation.expanded_cohort_size})", options)
        return self._declare_mtd(top, f"{top.observed()} at {top.id}, the highest level: {top.id} is the MTD",
                                 options)

    # --- a level exceeded the MTD ---------------------------------------------------------------

    def _stop_for_review(self, level: AssessedLevel) -> Recommendation:
        return Recommendation(
            Action.STOP_FOR_REVIEW, level.id, None,
            f"{level.observed()} at {level.id}: more than {DLTS_TOLERATED} of "
            f"{self.escalation.expanded_cohort_size} exceeds the MTD; escalation stops and the safety "
            "review committee decides on a lower dose")

    def _step_back_from(self, exceeded: int) -> Recommendation:
        # Step down past every level that exceeded too; below the start only the back-up levels remain.
        index = exceeded - 1
        while index >= 0 and self.levels[index].stage is Stage.EXCEEDED:
            index -= 1
        above = self.levels[index + 1]
        if index < 0:
            return Recommendation(
                Action.STOP, above.id, None,
                f"{above.observed()} at {above.id} exceeds the MTD and no lower level is tolerated: "
                "no tolerated dose")
        return self._at_lower_level(self.levels[index], above)

    def _at_lower_level(self, level: AssessedLevel, above: AssessedLevel) -> Recommendation:
        exceeded = f"{above.observed()} at {above.id} exceeds the MTD"
        options = self._intermediate_option(level, above)
        if level.stage is Stage.UNTREATED:
            return self._enrol(Action.STEP_BACK, level,
                               f"{exceeded}: step back to {level.id} and treat {level.target}", options)
        if level.stage is Stage.CLEARED:
            return self._enrol(Action.STEP_BACK, level,
                               f"{exceeded}: step back to {level.id} ({level.observed()}) and expand it to "
                               f"{level.target}; the MTD needs at most {DLTS_TOLERATED} of {level.target}",
                               options)
        if level.stage is Stage.TOLERATED:
            return self._declare_mtd(level, f"{exceeded} and {level.observed()} at {level.id}: "
                                     f"{level.id} is the MTD", options)
        return self._continue_at(level, options)

    def _intermediate_option(self, level: AssessedLevel, above: AssessedLevel) -> tuple[Alternative, ...]:
        if not self.escalation.allow_intermediate_dose:
            return ()
        between = next((d.id for d in self.unused if d.role == "intermediate"
                        and level.dose.order < d.order < above.dose.order), None)
        return self._if_room((Alternative(
            Action.CONSIDER_INTERMEDIATE_DOSE, between,
            f"{above.id} exceeds the MTD: an intermediate dose between {level.id} and {above.id} may be "
            "chosen (allow_intermediate_dose)"),))

    # --- the MTD --------------------------------------------------------------------------------

    def _declare_mtd(self, level: AssessedLevel, reason: str, options: tuple[Alternative, ...]) -> Recommendation:
        if not self.escalation.expansion.allowed:
            return Recommendation(Action.DECLARE_MTD, level.id, None, reason, mtd=level.id, options=options)
        return self._open_expansion(level, reason, level.id, options)

    def _open_expansion(self, level: AssessedLevel, reason: str, mtd: str | None,
                        options: tuple[Alternative, ...]) -> Recommendation:
        """Expansion at `level` (the MTD, or the level its sentinel cohort cleared when `mtd` is None), once every
        DLT window has closed and within the cap."""
        if self.remaining == 0:
            return Recommendation(
                Action.STOP, level.id, None,
                f"{reason}; the enrolment cap of {self.escalation.max_subjects} is reached: no expansion",
                mtd=mtd, capped=True)
        if self.pending:
            waiting = Action.DECLARE_MTD if mtd is not None else Action.WAIT
            return Recommendation(waiting, level.id, None if mtd is not None else level.id,
                                  f"{reason}; expansion opens once every DLT window has closed",
                                  mtd=mtd, options=options)
        room = "" if self.remaining is None else (
            f" ({self.remaining} more up to the cap of {self.escalation.max_subjects})")
        evaluable = "DLT-evaluable" if self.escalation.expansion.dlt_evaluable else "not DLT-evaluable"
        return Recommendation(Action.OPEN_EXPANSION, level.id, level.id,
                              f"{reason}; expansion opens at {level.id}, {evaluable}{room}",
                              slots=self.remaining, mtd=mtd, options=options)

    # --- the enrolment cap ----------------------------------------------------------------------

    def _enrol(self, action: Action, level: AssessedLevel, reason: str,
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
