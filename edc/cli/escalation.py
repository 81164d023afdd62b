"""`edc escalation status`: the dose escalation of a study as plain text lines (`report_lines`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli.common import run_service, url_option

if TYPE_CHECKING:

    from edc.app.escalation.service import StudyEscalation
    from edc.definitions.catalog import StudyDefinition
    from edc.domain.escalation_state import LevelState, SubjectDlt


@click.group()
def escalation() -> None:
    """The dose escalation: each level's subjects, DLT windows and the 3+3 recommendation."""


@escalation.command("status")
@click.option("--study", "study_id", required=True, help="The study id, e.g. ic19.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to evaluate (default today, UTC).")
@url_option
def escalation_status(study_id: str, as_of: datetime | None, url: str | None) -> None:
    """Print the escalation of STUDY: levels, subjects, DLT windows, proposals and the recommendation."""
    from edc.app.escalation.service import study_escalation
    from edc.app.kernel.errors import NotFound
    from edc.db.engine import make_engine
    from edc.definitions.loader import load_catalog

    found: list[tuple[object, StudyEscalation]] = []

    def read() -> None:
        catalog = load_catalog(config.forms_dir())
        if study_id not in catalog.studies:
            raise NotFound(f"no study '{study_id}'; known: {', '.join(sorted(catalog.studies))}")
        study = catalog.studies[study_id]
        engine = make_engine(url or config.database_url())
        try:
            with engine.connect() as conn:
                day = as_of.date() if as_of is not None else datetime.now(UTC).date()
                found.append((study, study_escalation(conn, study, day)))
        finally:
            engine.dispose()

    run_service(read)
    study, state = found[0]
    for line in report_lines(study, state):  # type: ignore[arg-type]
        click.echo(line)


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
            awaiting = "" if event.awaiting is None else f", awaits {event.awaiting.value} ({event.awaiting_from})"
            yield (f"    AE {event.aespid}: proposed {event.proposal.verdict.value} ({event.proposal.rule_id}), "
                   f"{decided}, counts as {event.outcome.value}{awaiting}")


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
