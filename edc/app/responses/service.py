"""A subject's lupus responses (SRI-4, LLDAS, DORIS) read from their stored records.

Computed on every read, like eligibility: the result follows corrections at
once and is never stored as the truth. The assembly rules (baseline, dates,
steroid dose) are in `edc.domain.lupus_course`; this module only reads the subject's
visits, their SLEDAI / BILAG / PGA records, the medication log and the site's
confirmations that the log is complete (`medication_review`): the records that
count, a withdrawn one (entered in error) left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import NotFound
from edc.app.kernel.lookups import SubjectRow
from edc.app.records import store as records
from edc.app.responses import store
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import MEDICATION_FORM, MEDICATION_REVIEW_FORM
from edc.domain.lupus_course import SubjectResponses, VisitForms, subject_responses

INSTRUMENTS = ("sledai", "bilag", "pga")


@dataclass(frozen=True)
class SubjectLupusResponses:
    """The subject and their responses."""

    subject: SubjectRow
    responses: SubjectResponses


def lupus_responses(conn: Connection, *, study: StudyDefinition, subject_number: str,
                    actor: Actor) -> SubjectLupusResponses:
    """The responses of a subject the actor sees; NotFound for a study without SLEDAI and PGA forms."""
    if not {"sledai", "pga"} <= study.forms.keys():
        raise NotFound(f"study '{study.id}' does not assess lupus disease activity (no SLEDAI and PGA forms)")
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=subject_number, actor=actor)
    values = _records(conn, study, subject.subject_id)
    days = {visit.id: visit.day for visit in study.spec.schedule.visits}
    visits = [VisitForms(row.visit_code, row.occurrence, days.get(row.visit_code), row.visit_date,
                         *(_single(values, row.id, form_id) for form_id in INSTRUMENTS))
              for row in store.subject_visits(conn, subject.subject_id)]
    medications = {seq: v for (_, form_id, seq), v in values.items() if form_id == MEDICATION_FORM}
    confirmed = [v.get("cmrevdat") for (_, form_id, _), v in values.items() if form_id == MEDICATION_REVIEW_FORM]
    complete_through = max((on for on in confirmed if isinstance(on, date)), default=None)
    return SubjectLupusResponses(subject, subject_responses(visits, medications, complete_through=complete_through))


def _records(conn: Connection, study: StudyDefinition,
             subject_id: int) -> dict[tuple[int, str, int], Mapping[str, object]]:
    """(visit id, form id, seq) -> values of the subject's records of the instruments and the medication log."""
    wanted = [form_id for form_id in (*INSTRUMENTS, MEDICATION_FORM, MEDICATION_REVIEW_FORM) if form_id in study.forms]
    rows = store.subject_records(conn, subject_id, wanted)
    found: dict[tuple[int, str, int], Mapping[str, object]] = {}
    for form_id in wanted:
        keys = {row.id: (row.visit_id, row.form_id, row.seq) for row in rows if row.form_id == form_id}
        for record_id, values in records.read_entered(conn, records.table_of(study, form_id), list(keys)).items():
            found[keys[record_id]] = values
    return found


def _single(values: Mapping[tuple[int, str, int], Mapping[str, object]], visit_id: int,
            form_id: str) -> Mapping[str, object] | None:
    """The values of the visit's record of `form_id` that counts (the one entered again after a withdrawal has a
    later seq), None when there is none."""
    seqs = [seq for (at, form, seq) in values if at == visit_id and form == form_id]
    return values[(visit_id, form_id, min(seqs))] if seqs else None
