"""Storage of the dose escalation: the dosed subjects and their records, the committee's verdicts and decisions,
the intermediate dose levels it opened.

The store owns the statements; every function works inside the caller's
transaction and never commits (the request is the transaction boundary).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, Row, Select, func, insert, select
from sqlalchemy.exc import IntegrityError

from edc.app.records import store as records
from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, Study, Subject, User, Visit
from edc.db.decisions import DltAdjudication, EscalationDecision, IntermediateDoseLevel
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import AE_FORM, DLT_FORM, INFUSION_FORM

Values = Mapping[str, object]
DecisionRow = Row[str, str | None, str, str | None, bool, str, str, datetime]


def lock_study(conn: Connection, study_id: str) -> None:
    """Lock the study row (PostgreSQL; SQLite writes are serialised already): assignments and decisions queue."""
    conn.execute(select(Study.id).where(Study.id == study_id).with_for_update())


def dosed_subjects(conn: Connection, study_id: str) -> Sequence[Row[int, str, int, str | None, bool | None]]:
    """The study's subjects assigned to a dose level (id, number, site, level, DLT-evaluable), in id order."""
    return conn.execute(
        select(Subject.id, Subject.subject_number, Subject.site_id, Subject.dose_level, Subject.dlt_evaluable)
        .where(Subject.study_id == study_id, Subject.dose_level.is_not(None)).order_by(Subject.id)).all()


def enrolled_per_cohort(conn: Connection, study_id: str) -> dict[str, int]:
    """cohort -> how many of its subjects were assigned a dose level (enrolled, whatever happened since)."""
    rows = conn.execute(select(Subject.cohort, func.count()).where(
        Subject.study_id == study_id, Subject.dose_level.is_not(None), Subject.cohort.is_not(None))
        .group_by(Subject.cohort))
    return {str(cohort): int(count) for cohort, count in rows}


def subject_dose_level(conn: Connection, subject_id: int) -> str | None:
    """The dose level the subject is assigned to, None before assignment."""
    return conn.execute(select(Subject.dose_level).where(Subject.id == subject_id)).scalar_one()


def others_at_level(conn: Connection, study_id: str, level: str, *,
                    exclude: int) -> Sequence[Row[int, str]]:
    """The other subjects (id, number) of the study assigned to `level`."""
    return conn.execute(select(Subject.id, Subject.subject_number).where(
        Subject.study_id == study_id, Subject.dose_level == level, Subject.id != exclude)).all()


def planned_infusions(conn: Connection, subject_ids: Sequence[int],
                      infusion_visit: str | None) -> dict[int, date | None]:
    """subject id -> the planned date of the subject's (first) infusion visit."""
    return {row.subject_id: row.planned_date for row in conn.execute(
        select(Visit.subject_id, Visit.planned_date).where(
            Visit.subject_id.in_(subject_ids), Visit.visit_code == infusion_visit, Visit.occurrence == 1))}


def dlt_records(conn: Connection, study: StudyDefinition,
                subject_ids: Sequence[int]) -> dict[tuple[int, str], list[tuple[int, Values]]]:
    """(subject id, form id) -> (record id, values) of the subjects' infusion, adverse event and DLT assessment
    records that count (a withdrawn one is no event, no assessment, no infusion).

    In record order; forms the study lacks are not read.
    """
    forms = [f for f in (INFUSION_FORM, AE_FORM, DLT_FORM) if f in study.forms]
    rows = conn.execute(select(FormRecord.id, FormRecord.subject_id, FormRecord.form_id)
                        .where(FormRecord.subject_id.in_(subject_ids), FormRecord.form_id.in_(forms), COUNTING)
                        .order_by(FormRecord.id)).all() if subject_ids else []
    found: dict[tuple[int, str], list[tuple[int, Values]]] = {}
    for form_id in forms:
        ids = [r.id for r in rows if r.form_id == form_id]
        values = records.read_entered(conn, records.table_of(study, form_id), ids)
        for row in rows:
            if row.form_id == form_id and row.id in values:
                found.setdefault((row.subject_id, form_id), []).append((row.id, values[row.id]))
    return found


def committee_verdicts(conn: Connection, study_id: str,
                       subject_ids: Collection[int] | None = None) -> dict[int, dict[str, str]]:
    """subject id -> AE number -> the committee's latest verdict (DLT / NOT_DLT) in the study (of the subjects
    `subject_ids` only, when given: a chunk of the SDTM export's).

    Scoped by the study through a join, so no list of subject ids is sent unless asked (ten thousand subjects
    need no ten thousand bind parameters). Read by the escalation and by the SDTM export.
    """
    a = DltAdjudication
    rows = conn.execute(select(a.subject_id, a.aespid, a.verdict).join(Subject, Subject.id == a.subject_id)
                        .where(Subject.study_id == study_id, *(
                            () if subject_ids is None else (a.subject_id.in_(subject_ids),))).order_by(a.id))
    verdicts: dict[int, dict[str, str]] = {}
    for row in rows:  # later rows replace earlier ones: the latest verdict counts
        verdicts.setdefault(int(row.subject_id), {})[str(row.aespid)] = str(row.verdict)
    return verdicts


def insert_verdict(conn: Connection, *, subject_id: int, aespid: str, verdict: str, proposed_verdict: str,
                   proposed_rule: str, reason: str, decided_by: int, decided_at: datetime) -> None:
    """Store one committee verdict on an adverse event, with the proposal it was given on."""
    conn.execute(insert(DltAdjudication).values(
        subject_id=subject_id, aespid=aespid, verdict=verdict, proposed_verdict=proposed_verdict,
        proposed_rule=proposed_rule, reason=reason, decided_by=decided_by, decided_at=decided_at))


def insert_decision(conn: Connection, *, study_id: str, action: str, level: str | None, recommended_action: str,
                    recommended_level: str | None, overrides: bool, reason: str, decided_by: int,
                    decided_at: datetime) -> int:
    """Store one committee decision on the escalation, with the recommendation it was taken on; its id."""
    return int(conn.execute(insert(EscalationDecision).values(
        study_id=study_id, action=action, level=level, recommended_action=recommended_action,
        recommended_level=recommended_level, overrides=overrides, reason=reason, decided_by=decided_by,
        decided_at=decided_at).returning(EscalationDecision.id)).scalar_one())


def latest_decision(conn: Connection, study_id: str) -> DecisionRow | None:
    """The committee's latest decision on the study's escalation, with the deciding user's name; None without one."""
    d = EscalationDecision
    return conn.execute(_decisions().where(d.study_id == study_id).order_by(d.id.desc()).limit(1)).first()


def decision(conn: Connection, decision_id: int) -> DecisionRow:
    """One committee decision, with the deciding user's name."""
    return conn.execute(_decisions().where(EscalationDecision.id == decision_id)).one()


def _decisions() -> Select[str, str | None, str, str | None, bool, str, str, datetime]:
    d = EscalationDecision
    return select(d.action, d.level, d.recommended_action, d.recommended_level, d.overrides, d.reason,
                  User.username, d.decided_at).join(User, User.id == d.decided_by)


def intermediate_levels(conn: Connection, study_id: str) -> Sequence[Row[int, str, str, float, str, str, str]]:
    """The intermediate levels opened in the study (id, level id, label, dose value and unit, lower and upper
    level), in the order they were opened."""
    i = IntermediateDoseLevel
    return conn.execute(select(i.id, i.level_id, i.label, i.dose_value, i.dose_unit, i.lower_level, i.upper_level)
                        .where(i.study_id == study_id).order_by(i.id)).all()


def opening(conn: Connection, study_id: str, row_id: int) -> Row[str, int] | None:
    """The level id and decision id of one opened level of the study; None when the study has no such row."""
    i = IntermediateDoseLevel
    return conn.execute(select(i.level_id, i.decision_id).where(i.id == row_id, i.study_id == study_id)).first()


def insert_intermediate_level(conn: Connection, *, study_id: str, level_id: str, label: str, dose_value: float,
                              dose_unit: str, lower_level: str, upper_level: str, decision_id: int) -> int | None:
    """Store an opened level; its id, or None when the study has a level with that id or in that interval
    already (the unique constraints; the savepoint keeps the caller's transaction usable)."""
    try:
        with conn.begin_nested():
            return int(conn.execute(insert(IntermediateDoseLevel).values(
                study_id=study_id, level_id=level_id, label=label, dose_value=dose_value, dose_unit=dose_unit,
                lower_level=lower_level, upper_level=upper_level, decision_id=decision_id)
                .returning(IntermediateDoseLevel.id)).scalar_one())
    except IntegrityError:
        return None
