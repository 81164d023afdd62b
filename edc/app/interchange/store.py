"""What the ODM import reads: the study's subjects by SubjectKey, a visit by code and occurrence, the records that
count of a form at a visit. Every query is scoped by the study; which sites the actor sees is the service's check."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, Site, Subject, Visit
from edc.export.odm import oids


@dataclass(frozen=True)
class KnownSubject:
    """A subject of the study as the import resolves it."""

    subject_id: int
    subject_number: str
    site_id: int
    site_code: str
    cohort: str | None


def subjects_by_key(conn: Connection, study_id: str) -> dict[str, KnownSubject]:
    """Every subject of the study (every site) by its ODM SubjectKey."""
    rows = conn.execute(select(Subject.id, Subject.subject_number, Subject.site_id, Site.code, Subject.cohort)
                        .join(Site, Site.id == Subject.site_id).where(Subject.study_id == study_id))
    return {oids.subject_key(row.code, row.subject_number): KnownSubject(
        int(row.id), str(row.subject_number), int(row.site_id), str(row.code), row.cohort) for row in rows}


def site_codes(conn: Connection, study_id: str) -> dict[str, int]:
    """The study's registered sites: code -> id."""
    return {str(code): int(site_id) for code, site_id in conn.execute(
        select(Site.code, Site.id).where(Site.study_id == study_id))}


def visit_id(conn: Connection, subject_id: int, code: str, occurrence: int) -> int | None:
    """The id of the subject's visit `code` #`occurrence`, None when there is none."""
    found = conn.scalar(select(Visit.id).where(Visit.subject_id == subject_id, Visit.visit_code == code,
                                               Visit.occurrence == occurrence))
    return None if found is None else int(found)


def counting_records(conn: Connection, visit: int, form_id: str) -> list[tuple[int, int]]:
    """(record id, version) of the records of `form_id` at the visit that count (not withdrawn), in seq order:
    the n-th is the one an ODM FormRepeatKey n names, as the export numbers them."""
    rows = conn.execute(select(FormRecord.id, FormRecord.version).where(
        FormRecord.visit_id == visit, FormRecord.form_id == form_id, COUNTING).order_by(FormRecord.seq))
    return [(int(row.id), int(row.version)) for row in rows]
