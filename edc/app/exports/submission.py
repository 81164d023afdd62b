"""The SDTM export of one study from its database: `edc.export.submission` fed by the export reader.

It lives in the services layer, as the reader does: the import contract
keeps `edc.export` free of storage. Every dataset is read in one read-only
transaction, so the files agree with each other even while data are being
entered: on PostgreSQL a REPEATABLE READ READ ONLY transaction (one snapshot
for every query), on SQLite one deferred transaction (WAL: one snapshot from
the first read on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from edc.app.exports.store import read_subjects
from edc.config import project_root
from edc.definitions.catalog import StudyDefinition
from edc.export.design import design_datasets
from edc.export.spec import load_specs
from edc.export.submission import CT_VERSION, FORMATS, ExportResult, Progress, export_submission


def export_study(engine: Engine, study: StudyDefinition, out: Path, *, exports_root: Path | None = None,
                 formats: Sequence[str] = FORMATS, created: datetime | None = None,
                 progress: Callable[[Progress], None] | None = None) -> ExportResult:
    """Export `study` into `out` with the specs under `exports_root` (default: the project's exports/).

    Raises `SubmissionInvalid` (nothing written), `DefinitionErrors` for
    broken specs, `DesignError` when the trial design datasets cannot be built.
    """
    specs = load_specs(exports_root or project_root() / "exports", study)
    extra = design_datasets(study, ct_version=CT_VERSION)
    with _snapshot(engine) as conn, conn.begin():
        return export_submission(
            study, specs, lambda forms: read_subjects(conn, study, forms), out, formats=formats,
            created=created or datetime.now(UTC), extra=extra, progress=progress)


def _snapshot(engine: Engine) -> Connection:
    """A connection whose transaction reads one snapshot and writes nothing."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn
