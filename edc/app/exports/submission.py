"""The SDTM export of one study from its database: `edc.export.run` fed by the export reader.

It lives in the services layer, as the reader does: the import contract
keeps `edc.export` free of storage. Every dataset is read in one read-only
transaction, so the files agree with each other even while data are being
entered: on PostgreSQL a REPEATABLE READ READ ONLY transaction (one snapshot
for every query), on SQLite one deferred transaction (WAL: one snapshot from
the first read on).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from edc.app.escalation.levels import as_run
from edc.app.exports.store import read_subjects
from edc.definitions.catalog import StudyDefinition
from edc.definitions.problems import DefinitionErrors, Problem
from edc.export.formats import FORMATS
from edc.export.run import CT_VERSION, ExportResult, Progress, export_submission
from edc.export.sdtm.trialdesign.datasets import design_datasets


def export_study(engine: Engine, study: StudyDefinition, out: Path, *, formats: Sequence[str] = FORMATS,
                 created: datetime | None = None,
                 progress: Callable[[Progress], None] | None = None,
                 site_ids: Collection[int] | None = None) -> ExportResult:
    """Export `study` into `out` with the SDTM specs loaded with its definition (`study.sdtm`): every
    subject, or those of `site_ids` only (a site-restricted data manager's export).

    Raises `SubmissionInvalid` (nothing written), `DefinitionErrors` when the
    study has no SDTM specs, `DesignError` when the trial design datasets
    cannot be built.
    """
    specs = study.sdtm
    if specs is None:
        raise DefinitionErrors([Problem("exports", 1, f"study {study.id} has no SDTM specs: the definitions were "
                                        "loaded without an exports folder")])
    with _snapshot(engine) as conn, conn.begin():
        study = as_run(conn, study)  # the intermediate levels the committee opened are arms of their own
        extra = design_datasets(study, ct_version=CT_VERSION)
        return export_submission(
            study, specs, lambda forms: read_subjects(conn, study, forms, site_ids), out, formats=formats,
            created=created or datetime.now(UTC), extra=extra, progress=progress)


def _snapshot(engine: Engine) -> Connection:
    """A connection whose transaction reads one snapshot and writes nothing."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn
