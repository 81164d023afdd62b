"""The ODM 1.3.2 export of one study from its database: `edc.export.odm` fed by the export reader.

Every subject (of the actor's sites only, when `site_ids` is given) with the
current values of every form record, each value with the audit record of its
last change, and the valid signatures, read in one read-only snapshot as the
SDTM export reads (`submission._snapshot`). With a `Window`, only the records
with a value set (created or corrected) within it are written, with their
current values, and only the subjects that have one: a data manager's
incremental export. The document is validated against CDISC's ODM 1.3.2
schema before it is written: an invalid one raises `OdmInvalid` and writes
nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from edc.app.exports.odm_store import Window, changed_records, read_provenance
from edc.app.exports.store import read_subjects
from edc.app.exports.submission import _snapshot
from edc.app.kernel.errors import InvalidInput
from edc.definitions.catalog import StudyDefinition
from edc.export.odm.document import odm_document, write_odm
from edc.export.sdtm.subjectdata import SubjectData

__all__ = ["Window", "check_window", "export_odm", "odm_file_name"]


def odm_file_name(study: StudyDefinition) -> str:
    """The name of a study's ODM file in an export job's folder."""
    return f"{study.id}-odm.xml"


def check_window(window: Window) -> Window:
    """`window`, or InvalidInput when a bound is not timezone-aware or `since` is after `until`."""
    for name, moment in (("changed_since", window.since), ("changed_until", window.until)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidInput(f"'{name}' must be a timezone-aware date and time (e.g. ending in Z)")
    if window.since is not None and window.until is not None and window.since > window.until:
        raise InvalidInput("'changed_since' must not be after 'changed_until'")
    return window


def export_odm(engine: Engine, study: StudyDefinition, out: Path, *, created: datetime | None = None,
               site_ids: Collection[int] | None = None, window: Window | None = None) -> Path:
    """Write `study`'s ODM snapshot (metadata and clinical data) to the file `out`, validated; return its path."""
    created = created or datetime.now(UTC)
    if window is not None:
        check_window(window)
    with _snapshot(engine) as conn, conn.begin():
        subjects = read_subjects(conn, study, study.forms, site_ids)
        if window is not None and (window.since is not None or window.until is not None):
            subjects = _within(subjects, changed_records(conn, study.id, window, site_ids))
        provenance = read_provenance(conn, study.id, site_ids)
    root = odm_document(study, subjects, created=created, provenance=provenance,
                        file_oid=f"ODM.{study.id}.{created.strftime('%Y%m%dT%H%M%S')}")
    return write_odm(root, out)


def _within(subjects: Sequence[SubjectData], record_ids: set[int]) -> list[SubjectData]:
    """The subjects with a record among `record_ids`, holding those records only."""
    kept = []
    for subject in subjects:
        records = {form_id: these for form_id, found in subject.records.items()
                   if (these := tuple(r for r in found if r.record_id in record_ids))}
        if records:
            kept.append(replace(subject, records=records))
    return kept
