"""`populate`: fill a migrated, registered database with the demo subjects of every trial, through the services.

A study that already has subjects (demo or not) is left alone and the
summary says so, so running populate twice adds nothing. A study without a
demo design (`edc.demo.plan.DESIGNS`) is skipped the same way. Everything
else is decided by `seed` and `today`: the same pair gives the same subject
numbers, dates and values. Before the first step, the studies populated get
the invented demo dictionaries as their coding releases where they have none
(`edc.demo.coding`), so the demo's verbatim terms code themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, func, select

from edc.app.kernel.actor import Actor
from edc.db.core import Subject
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.demo.coding import prepare_coding
from edc.demo.plan import DESIGNS, plan_trial
from edc.demo.runner import Step, Tally, run_steps
from edc.demo.timeline import subject_steps


@dataclass(frozen=True)
class StudySummary:
    """What populate did for one study: counts written, or why it was skipped."""

    study_id: str
    subjects: int = 0
    screen_failures: int = 0
    records: int = 0
    corrections: int = 0
    skipped: str | None = None

    def __str__(self) -> str:
        if self.skipped is not None:
            return f"{self.study_id}: skipped ({self.skipped})"
        return (f"{self.study_id}: {self.subjects} subjects ({self.screen_failures} screen failures), "
                f"{self.records} records, {self.corrections} corrections")


@dataclass(frozen=True)
class DemoSummary:
    """Per-study results of one `populate` run, in study id order."""

    studies: tuple[StudySummary, ...]

    def study(self, study_id: str) -> StudySummary:
        return next(s for s in self.studies if s.study_id == study_id)

    @property
    def populated(self) -> tuple[str, ...]:
        """The studies that received demo data in this run."""
        return tuple(s.study_id for s in self.studies if s.skipped is None)

    def __str__(self) -> str:
        return "\n".join(str(s) for s in self.studies)


def populate(engine: Engine, catalog: Catalog, *, actor_for: Callable[[str, str], Actor], seed: int = 7,
             today: date) -> DemoSummary:
    """Write the demo subjects of every study of `catalog` that has none yet; `actor_for(study, site)` acts.

    The database must be migrated and the catalog registered (`edc db
    upgrade`). Each subject step is its own transaction, so an error leaves
    the steps before it committed; a study is then skipped on the next run.
    """
    skipped = _skip_reasons(engine, catalog)
    todo = [study for study in catalog.studies.values() if study.id not in skipped]
    tallies = {study.id: Tally() for study in todo}
    steps: list[Step] = []
    for study in todo:
        steps += trial_steps(study, seed=seed, today=today)
    if steps:
        prepare_coding(engine, todo, datetime.combine(min(step.when for step in steps), time(0, 0), UTC))
    run_steps(engine, {s.id: s for s in todo}, steps, actor_for=actor_for, seed=seed, tallies=tallies)
    return DemoSummary(tuple(
        StudySummary(study_id, skipped=skipped[study_id]) if study_id in skipped else _summary(study_id, tallies)
        for study_id in sorted(catalog.studies)))


def trial_steps(study: StudyDefinition, *, seed: int, today: date) -> list[Step]:
    """Every step of the study's demo subjects up to `today`."""
    steps: list[Step] = []
    for plan in plan_trial(study, DESIGNS[study.id], seed=seed, today=today):
        steps += subject_steps(study, plan, seed=seed, today=today)
    return steps


def _skip_reasons(engine: Engine, catalog: Catalog) -> dict[str, str]:
    """Why each study that must not be populated is skipped: it has subjects, or no demo design."""
    with engine.connect() as conn:
        rows = conn.execute(select(Subject.study_id, func.count()).group_by(Subject.study_id)).all()
    counts = {str(study_id): int(count) for study_id, count in rows}
    reasons = {}
    for study_id in catalog.studies:
        if counts.get(study_id):
            reasons[study_id] = f"already has {counts[study_id]} subject(s); nothing added"
        elif study_id not in DESIGNS:
            reasons[study_id] = "no demo design for this study"
    return reasons


def _summary(study_id: str, tallies: dict[str, Tally]) -> StudySummary:
    tally = tallies[study_id]
    return StudySummary(study_id, tally.subjects, tally.screen_failures, tally.records, tally.corrections)
