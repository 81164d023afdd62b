"""What an export job runs: the SDTM export of the dataset formats asked for, and the ODM file with `odm`.

The SDTM export (`submission.export_study`) publishes its files all or
nothing; the ODM file is written after it, validated, into the same folder
(`odm.export_odm`). Either one refusing fails the job: an SDTM validation
failure as `SubmissionInvalid`, an ODM schema failure as `OdmInvalid`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from edc.app.exports.odm import export_odm, odm_file_name
from edc.app.exports.odm_store import UNBOUNDED, Window
from edc.app.exports.submission import export_study
from edc.definitions.catalog import StudyDefinition
from edc.export.formats import FORMATS

ODM = "odm"
JOB_FORMATS = (*FORMATS, ODM)
"""What a job can write: the SDTM dataset formats, and the ODM file."""


@dataclass(frozen=True)
class JobFiles:
    """The files a job wrote into `directory`, and the rows per SDTM dataset."""

    directory: Path
    files: Sequence[Path]
    rows: Mapping[str, int] = field(default_factory=dict)


def export_job(engine: Engine, study: StudyDefinition, out: Path, *, formats: Sequence[str],
               created: datetime | None, progress: Callable[[Any], None] | None,
               site_ids: frozenset[int] | None, allow_uncoded: bool, window: Window = UNBOUNDED) -> JobFiles:
    """Write what the job asks for into `out`; raises what the export refusing it raises."""
    created = created or datetime.now(UTC)
    files: list[Path] = []
    rows: Mapping[str, int] = {}
    sdtm = [f for f in formats if f in FORMATS]
    if sdtm:
        result = export_study(engine, study, out, formats=sdtm, created=created, progress=progress,
                              site_ids=site_ids, allow_uncoded=allow_uncoded)
        files, rows = list(result.files), result.rows
    if ODM in formats:
        files.append(export_odm(engine, study, out / odm_file_name(study), created=created, site_ids=site_ids,
                                window=window))
    return JobFiles(out, files, rows)
