"""Running demo steps through the capture services: one transaction per step, in calendar order.

A `Step` is what a site does for one subject on one day (screen them, hold a
visit, log an event, correct a value). Steps of all subjects run sorted by
date, each in its own `engine.begin()` transaction, acting as the site's
user that `actor_for` names; the services' clock (`now`) is the step's day,
so the audit trail reads like the trial's calendar. Every step draws from
its own seeded random stream, so the data do not depend on run order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Engine

from edc.app.kernel.actor import Actor
from edc.app.kernel.lookups import visit_by_id
from edc.app.records.service import RecordResult, correct_record, submit_record
from edc.definitions.catalog import StudyDefinition
from edc.demo.generator import generate_payload

#: The time of day the first step of a day is entered (UTC); later steps follow a few minutes apart.
WORKDAY_START = time(1, 30)


@dataclass
class SubjectState:
    """What the steps of one subject share: its ids and number, its visits' ids by code, records to correct,
    true values."""

    subject_id: int = 0
    subject_number: str = ""
    visits: dict[str, int] = field(default_factory=dict)
    records: dict[str, RecordResult] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)


@dataclass
class Tally:
    """What was written for one study."""

    subjects: int = 0
    screen_failures: int = 0
    records: int = 0
    corrections: int = 0


@dataclass
class StepContext:
    """One step's view: its transaction, study, subject, acting user, clock, random stream and tally."""

    conn: Connection
    study: StudyDefinition
    state: SubjectState
    actor: Actor
    now: datetime
    rng: random.Random
    tally: Tally

    def submit(self, visit: str, form_id: str, values: Mapping[str, object], on: date,
               key: str | None = None) -> RecordResult:
        """Generate a payload around `values` and capture it at the subject's visit `visit`."""
        payload = generate_payload(self.study, form_id, self.rng, on=on, values=values)
        at = visit_by_id(self.conn, study_id=self.study.id, visit_id=self.state.visits[visit], actor=self.actor)
        result = submit_record(self.conn, study=self.study, visit=at, form_id=form_id, payload=payload,
                               actor=self.actor, now=self.now)
        self.tally.records += 1
        if key is not None:
            self.state.records[key] = result
        return result

    def correct(self, key: str, changes: Mapping[str, object], reason: str) -> RecordResult:
        """Correct the record stored under `key` at the version last read, with `reason`."""
        record = self.state.records[key]
        result = correct_record(self.conn, study=self.study, record_id=record.record_id, changes=changes,
                                expected_version=record.version, reason=reason, actor=self.actor, now=self.now)
        self.state.records[key] = result
        self.tally.corrections += 1
        return result


@dataclass(frozen=True)
class Step:
    """Something the site does for one subject on `when`."""

    when: date
    study_id: str
    site: str
    subject: str
    label: str
    action: Callable[[StepContext], None]


def run_steps(engine: Engine, studies: Mapping[str, StudyDefinition], steps: Iterable[Step], *,
              actor_for: Callable[[str, str], Actor], seed: int, tallies: Mapping[str, Tally]) -> None:
    """Run `steps` in date order (stable for one day), each in its own transaction."""
    states: dict[tuple[str, str], SubjectState] = {}
    clock: dict[date, int] = {}
    for step in sorted(steps, key=lambda s: s.when):
        minute = clock[step.when] = clock.get(step.when, 0) + 1
        now = datetime.combine(step.when, WORKDAY_START, UTC) + timedelta(minutes=3 * minute)
        state = states.setdefault((step.study_id, step.subject), SubjectState())
        rng = random.Random(f"{seed}/{step.study_id}/{step.subject}/{step.label}")
        with engine.begin() as conn:
            step.action(StepContext(conn, studies[step.study_id], state, actor_for(step.study_id, step.site), now,
                                    rng, tallies[step.study_id]))
