"""The plots' data gathered from the features that own it, then rendered by `edc.plots`.

Nothing clinical is decided here: the treated subjects, their infusion dates,
adverse events and DLT windows come from the escalation
(`edc.app.escalation.service.study_escalation`), the SLEDAI-2K, PGA and the
SRI-4 / LLDAS / DORIS responses from `edc.app.responses.service`. This module
only places them on a day axis (days since the first infusion) and keeps the
subjects of the sites the actor sees. Computed on every read, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import Connection

from edc.app.escalation.service import study_escalation
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict
from edc.app.plots import store
from edc.app.responses.service import lupus_responses
from edc.definitions.catalog import StudyDefinition
from edc.domain.escalation_state import SubjectDlt
from edc.domain.lupus_course import Assessment
from edc.plots import (
    ResponseStatus,
    SwimmerEvent,
    SwimmerLane,
    Trajectory,
    TrajectoryPoint,
    swimmer_svg,
    trajectory_svg,
)
from edc.plots.model import EventKind

SYNDROMES: Mapping[object, EventKind] = {"CRS": "CRS", "ICANS": "ICANS"}  # aecat codes with a kind of their own
GRADES = ("1", "2", "3", "4", "5")  # the ctcae_grade codes (ASTCT grades for CRS and ICANS)


def swimmer_lanes(conn: Connection, study: StudyDefinition, actor: Actor, today: date) -> list[SwimmerLane]:
    """The lanes of the subjects assigned a dose level at the actor's sites, level by level as declared."""
    found = study_escalation(conn, study, today)
    codes = store.site_codes(conn, study.id)
    window = study.spec.escalation.dlt_window_days
    return [_lane(treated, codes, window, today) for level in found.state.levels for treated in level.subjects
            if actor.sees(treated.subject.site_id)]


def swimmer(conn: Connection, study: StudyDefinition, actor: Actor, today: date) -> str:
    """The study's swimmer plot as SVG text."""
    return swimmer_svg(swimmer_lanes(conn, study, actor, today), title=f"Swimmer plot of {study.id}")


def _lane(treated: SubjectDlt, codes: Mapping[int, str], window: int, today: date) -> SwimmerLane:
    subject = treated.subject
    infused = subject.infusion_date
    site = codes.get(subject.site_id, str(subject.site_id))
    if infused is None:
        return SwimmerLane(subject.subject_number, site, subject.dose_level, None, window, 0)
    events = []
    for values in subject.adverse_events:
        onset, grade = values.get("aestdat"), values.get("aetoxgr")
        if isinstance(onset, date) and grade in GRADES:  # an event not yet dated or graded has no place
            events.append(SwimmerEvent((onset - infused).days, SYNDROMES.get(values.get("aecat"), "AE"),
                                       int(str(grade))))
    observed = max([(today - infused).days, 0, *(e.day for e in events)])
    return SwimmerLane(subject.subject_number, site, subject.dose_level, 0, window, observed,
                       tuple(sorted(events, key=lambda e: e.day)))


def subject_trajectory(conn: Connection, study: StudyDefinition, actor: Actor, subject_number: str,
                       today: date) -> Trajectory:
    """The subject's SLEDAI-2K / PGA course and responses. NotFound for a subject the actor does not see, or a
    study without SLEDAI and PGA (the responses' rule); Conflict for a subject whose cohort is not assessed
    with SLEDAI (e.g. CNCT19's vasculitis and myositis cohorts)."""
    found = lupus_responses(conn, study=study, subject_number=subject_number, actor=actor)
    cohort = found.subject.cohort
    if not _assessed_with_sledai(study, cohort):
        raise Conflict(f"subject {subject_number} of cohort {cohort} is not assessed with SLEDAI-2K and PGA "
                       "in this study: there is no lupus trajectory to draw")
    responses = found.responses
    assessments = ([responses.baseline] if responses.baseline is not None else []) + [
        v.assessment for v in responses.visits]
    zero, day_zero = _infusion_date(conn, study, subject_number, today), "CAR-T infusion"
    if zero is None:  # not infused yet: count from the first assessment dated
        zero = min((a.assessed_on for a in assessments if a.assessed_on is not None), default=today)
        day_zero = "first assessment"
    points = tuple(TrajectoryPoint(_visit(a), (a.assessed_on - zero).days, a.sledai_2k, a.pga)
                   for a in assessments if a.assessed_on is not None)
    statuses = tuple(ResponseStatus(_visit(v.assessment), None if v.sri4 is None else v.sri4.met,
                                    None if v.lldas is None else v.lldas.met, None if v.doris is None else v.doris.met)
                     for v in responses.visits)
    return Trajectory(found.subject.subject_number, found.subject.site_code, points, statuses, day_zero)


def trajectory(conn: Connection, study: StudyDefinition, actor: Actor, subject_number: str, today: date) -> str:
    """The subject's trajectory plot as SVG text."""
    found = subject_trajectory(conn, study, actor, subject_number, today)
    return trajectory_svg(found, title=f"SLEDAI-2K and PGA of subject {found.subject} ({study.id})")


def _assessed_with_sledai(study: StudyDefinition, cohort: str | None) -> bool:
    """True when some visit collects SLEDAI for the subject's cohort (or for every subject)."""
    return any(cohorts is None or cohort in cohorts for cohorts in study.collected_for("sledai").values())


def _infusion_date(conn: Connection, study: StudyDefinition, subject_number: str, today: date) -> date | None:
    """The subject's first infusion, as the escalation reads it (None before it)."""
    state = study_escalation(conn, study, today).state
    return next((t.subject.infusion_date for level in state.levels for t in level.subjects
                 if t.subject.subject_number == subject_number), None)


def _visit(a: Assessment) -> str:
    """The visit's label: its code, with the occurrence for repeated (unscheduled) visits."""
    return a.visit_code if a.occurrence == 1 else f"{a.visit_code} #{a.occurrence}"
