"""The SDTM export of one study from its database: `edc.export.run` fed by the export reader.

It lives in the services layer, as the reader does: the import contract
keeps `edc.export` free of storage. Every dataset is read in one read-only
transaction, so the files agree with each other even while data are being
entered: on PostgreSQL a REPEATABLE READ READ ONLY transaction (one snapshot
for every query), on SQLite one deferred transaction (WAL: one snapshot from
the first read on). The reader gives the subject list and reads each chunk
of subjects when the export maps it (`subject_chunks`), inside that
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from edc.app.coding import service as coding
from edc.app.escalation.levels import as_run
from edc.app.exports.store import subject_chunks
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES
from edc.definitions.problems import DefinitionErrors, Problem
from edc.export.formats import FORMATS
from edc.export.run import CHUNK_SUBJECTS, CT_VERSION, ExportResult, Progress, export_submission
from edc.export.sdtm.derivations.identifiers import subject_usubjid
from edc.export.sdtm.failures import Failure, SubmissionInvalid
from edc.export.sdtm.trialdesign.datasets import design_datasets


def export_study(engine: Engine, study: StudyDefinition, out: Path, *, formats: Sequence[str] = FORMATS,
                 created: datetime | None = None,
                 progress: Callable[[Progress], None] | None = None,
                 site_ids: Collection[int] | None = None, allow_uncoded: bool = False,
                 chunk_subjects: int = CHUNK_SUBJECTS) -> ExportResult:
    """Export `study` into `out` with the SDTM specs loaded with its definition (`study.sdtm`): every
    subject, or those of `site_ids` only (a site-restricted data manager's export).

    Verbatim terms not coded refuse the export, one failure each, unless
    `allow_uncoded` (their coded variables are then null); define.xml names
    the study's release of each dictionary.

    Raises `SubmissionInvalid` (nothing written), `DefinitionErrors` when the
    study has no SDTM specs, `DesignError` when the trial design datasets
    cannot be built.
    """
    specs = study.sdtm
    if specs is None:
        raise DefinitionErrors([Problem("exports", 1, f"study {study.id} has no SDTM specs: the definitions were "
                                        "loaded without an exports folder")])
    with _snapshot(engine) as conn, conn.begin():
        uncoded = [] if allow_uncoded else coding.uncoded_terms(conn, study, site_ids)
        if uncoded:
            raise SubmissionInvalid([uncoded_failure(study, term) for term in uncoded])
        study = as_run(conn, study)  # the intermediate levels the committee opened are arms of their own
        extra = design_datasets(study, ct_version=CT_VERSION)
        return export_submission(
            study, specs, lambda forms: subject_chunks(conn, study, forms, site_ids), out, formats=formats,
            created=created or datetime.now(UTC), extra=extra, progress=progress,
            dictionaries=coding.study_dictionaries(conn, study.id), chunk_subjects=chunk_subjects)


def uncoded_failure(study: StudyDefinition, term: coding.UncodedTerm) -> Failure:
    """An uncoded term as the failure that refuses the export: its domain and verbatim variable, its subject."""
    where = term.place
    form = study.forms[where.form_id]
    item = form.item(where.item)
    variable = item.sdtm.variable if item is not None and item.sdtm is not None else None
    return Failure(form.domain or where.form_id, variable, subject_usubjid(study, where.subject_number, where.site),
                   term.verbatim, f"is not coded with {DICTIONARIES[term.dictionary]} ({where.form_id} {where.seq} at "
                   f"{where.visit_code}): code it in the coding queue, or export with uncoded terms allowed")


def _snapshot(engine: Engine) -> Connection:
    """A connection whose transaction reads one snapshot and writes nothing."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn
