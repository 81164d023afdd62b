"""The ODM 1.3.2 export of one study from its database: `edc.export.odm` fed by the export reader.

Every subject (of the actor's sites only, when `site_ids` is given) with the
current values of every form record, read in one read-only snapshot as the
SDTM export reads (`submission._snapshot`). The document is validated against
CDISC's ODM 1.3.2 schema before it is written: an invalid one raises
`OdmInvalid` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from edc.app.exports.store import read_subjects
from edc.app.exports.submission import _snapshot
from edc.definitions.catalog import StudyDefinition
from edc.export.odm.document import odm_document, write_odm


def export_odm(engine: Engine, study: StudyDefinition, out: Path, *, created: datetime | None = None,
               site_ids: Collection[int] | None = None) -> Path:
    """Write `study`'s ODM snapshot (metadata and clinical data) to the file `out`, validated; return its path."""
    created = created or datetime.now(UTC)
    with _snapshot(engine) as conn, conn.begin():
        subjects = read_subjects(conn, study, study.forms, site_ids)
    root = odm_document(study, subjects, created=created,
                        file_oid=f"ODM.{study.id}.{created.strftime('%Y%m%dT%H%M%S')}")
    return write_odm(root, out)
