"""The dose escalation as plain text lines, for `edc escalation status`."""

from __future__ import annotations

from collections.abc import Iterator

from edc.app.escalation.service import StudyEscalation
from edc.definitions.catalog import StudyDefinition
from edc.domain.escalation_state import LevelState, SubjectDlt


def report_lines(study: StudyDefinition, found: StudyEscalation) -> Iterator[str]:
    """A header, one block per dose level (subjects, windows, DLT events), the recommendation and the decision."""
    state, rec = found.state, found.state.recommendation
    cap = study.spec.escalation.max_subjects
    yield f"{study.id} dose escalation on {state.as_of.isoformat()}: {state.enrolled} subject(s) enrolled" + (
        f" of at most {cap}" if cap else "")
    for level in state.levels:
        yield from _level_lines(level)
    yield f"recommendation: {rec.action.value}" + (f" {rec.level}" if rec.level else "") + f" - {rec.reason}"
    for option in rec.options:
        yield f"  option: {option.action.value}" + (f" {option.level}" if option.level else "") + f" - {option.reason}"
    if found.decision is not None:
        d = found.decision
        verb = "overrode the engine" if d.overrides else "agreed"
        yield (f"committee ({d.decided_by}, {d.decided_at:%Y-%m-%d}): {d.action}"
               + (f" {d.level}" if d.level else "") + f", {verb} - {d.reason}")
    open_text = found.open_level or "none"
    slots = "" if found.open_level is None else (
        " (no limit)" if found.slots is None else f" ({found.slots} place(s))")
    yield f"open for enrolment: {open_text}{slots}" + (" - expansion" if found.expansion else "")


def _level_lines(level: LevelState) -> Iterator[str]:
    cohort = level.cohort
    yield (f"{level.level.id}  {level.level.label}: {cohort.evaluable} evaluable, {cohort.dlts} DLT, "
           f"{cohort.pending} pending")
    for subject in level.subjects:
        yield "  " + _subject_line(subject)
        for event in subject.events:
            if event.proposal.verdict.value == "NOT_CANDIDATE":
                continue
            decided = _verdicts(event.committee, event.investigator)
            yield (f"    AE {event.aespid}: proposed {event.proposal.verdict.value} ({event.proposal.rule_id}), "
                   f"{decided}, counts as {event.outcome.value}")


def _subject_line(subject: SubjectDlt) -> str:
    s = subject.subject
    if subject.window is None:
        return f"{s.subject_number}: not infused yet"
    evaluable = "" if s.dlt_evaluable else " (expansion, not DLT-evaluable)"
    return (f"{s.subject_number}: infused {s.infusion_date}, DLT window to {subject.window.window_end} "
            f"{subject.window.state.value}{evaluable}")


def _verdicts(committee: str | None, investigator: str | None) -> str:
    if committee is not None:
        return f"committee {committee}"
    return f"investigator {investigator}" if investigator is not None else "not confirmed"
