"""Running one SDTM export: every dataset mapped, validated and written, or nothing written at all.

`export_submission` takes a study's specs and a reader of its captured data
and produces the submission files in a directory: each dataset as XPT,
Dataset-JSON and/or CSV, and define.xml. It is pure of storage: the reader
is a function (the database one is `edc.app.exports.submission`).

How a run goes:
- Datasets in order: DM first, then the others by name, each SUPP-- right
  after its parent, then the `extra` datasets (the trial design ones).
- One dataset at a time: read the subjects with the forms it needs, map,
  validate, write every format into a staging directory inside `out`, drop
  the rows. Memory follows the largest dataset, not the study: only the
  columns the cross-dataset checks read are kept (`link_columns`), and those
  checks (every subject in DM, every SUPP--/RELREC record with its parent)
  run at the end.
- A dataset without rows is not written (SDTM submits no empty datasets) and
  define.xml does not name it; its row count is reported as 0.
- Every refusal, of the validation or of a writer (non-ASCII text in XPT...),
  is a `Failure`. If there is any, the staging directory is removed and
  `SubmissionInvalid` lists them all: nothing new appears in `out`.
  Otherwise define.xml is written and the files are moved into `out`
  (define.xml last), replacing files of the same name.

The same data and `created` give the same bytes (the writers are
deterministic; the staging name never reaches a file).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats import FORMATS
from edc.export.formats.codelist import SubmissionCodelist
from edc.export.formats.csvfile import write_csv
from edc.export.formats.datasetjson import write_dataset_json
from edc.export.formats.define import write_define
from edc.export.formats.metadata import Dataset
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, Refusal, Rows, Table, build_table
from edc.export.formats.xpt import write_xpt
from edc.export.sdtm.codelists import NO_DICTIONARIES, export_codelists
from edc.export.sdtm.failures import Failure, SubmissionInvalid
from edc.export.sdtm.links import link_columns, validate_links
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import SubjectData
from edc.export.sdtm.validation import as_frame, validate_dataset

"""The dataset file formats; define.xml is always written."""

CT_VERSION = "2024-12-20"
"""The CDISC SDTM controlled terminology release the study codelists follow (define.xml's CT standard and
the trial summary's TSVCDVER): the 2024-12-20 publishing set."""

STAGING_PREFIX = ".staging-"
"""Name prefix of the directory inside `out` where a run writes before its files move into `out`."""

SubjectReader = Callable[[frozenset[str]], Sequence[SubjectData]]
"""Every subject of the study with their records of the forms given (and of no other form)."""


@dataclass(frozen=True)
class Progress:
    """Reported after each step of each dataset.

    `step` is "mapped", "validated" or "written"; `done` counts the datasets
    finished, of `total`. A dataset's last event counts it as done: "written"
    normally, "validated" when validation refused it, "mapped" when it has no
    rows.
    """

    dataset: str
    step: str
    done: int
    total: int


@dataclass(frozen=True)
class ExportResult:
    """The directory, the files written into it (datasets in export order, then define.xml), rows per dataset."""

    directory: Path
    files: tuple[Path, ...]
    rows: Mapping[str, int]


def study_info(study: StudyDefinition) -> StudyInfo:
    """What define.xml and Dataset-JSON say about the study, from its definition."""
    meta = study.spec.study
    return StudyInfo(study_oid=meta.protocol_id, name=meta.protocol_id, description=meta.title,
                     protocol_name=meta.protocol_id, originator=meta.sponsor, ct_version=CT_VERSION)


def dataset_order(specs: SpecSet) -> list[str]:
    """DM first, then by name, every SUPP-- right after its parent."""
    def key(name: str) -> tuple[bool, str, bool, str]:
        parent = specs[name].spec.dataset.parent
        anchor = parent or name
        return (anchor != "DM", anchor, parent is not None, name)

    return sorted(specs.domains, key=key)


def export_submission(study: StudyDefinition, specs: SpecSet, read: SubjectReader, out: Path, *,
                      formats: Sequence[str] = FORMATS, created: datetime,
                      extra: Sequence[tuple[Dataset, Rows]] = (),
                      progress: Callable[[Progress], None] | None = None,
                      dictionaries: Mapping[str, str] = NO_DICTIONARIES) -> ExportResult:
    """Write the submission into `out` (created if missing), or raise `SubmissionInvalid` and write nothing.

    `dictionaries` are the study's coding releases (kind -> version) define.xml names for the coded variables.
    """
    names = dataset_order(specs)
    chosen = _formats(formats)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir()
    run = _Run(study_info(study), export_codelists(study, specs, dictionaries), staging, chosen, created,
               progress or (lambda _: None), total=len(names) + len(extra))
    try:
        for name in names:
            run.add(*map_dataset(study, specs, name, read(specs.forms_of(name)), dictionaries))
        for dataset, rows in extra:
            run.add(dataset, rows)
        run.finish()
        files = _publish(run.files, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(out, files, MappingProxyType(dict(run.rows)))


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(formats))


def _publish(staged: Sequence[Path], out: Path) -> tuple[Path, ...]:
    """Move the staged files into `out`, in order (define.xml comes last)."""
    published = []
    for path in staged:
        target = out / path.name
        os.replace(path, target)
        published.append(target)
    return tuple(published)


@dataclass
class _Run:
    """One export in progress: what it keeps from dataset to dataset."""

    info: StudyInfo
    codelists: tuple[SubmissionCodelist, ...]
    staging: Path
    formats: tuple[str, ...]
    created: datetime
    report: Callable[[Progress], None]
    total: int
    done: int = 0
    datasets: list[Dataset] = field(default_factory=list)
    links: list[tuple[Dataset, pd.DataFrame]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def add(self, dataset: Dataset, rows: Rows) -> None:
        """Validate and write one dataset, keeping only its link columns; the caller drops the rows."""
        self.rows[dataset.name] = len(rows)
        self.done += 1
        finished = self.done
        if not len(rows):
            self._progress(dataset, "mapped", finished)
            return
        self._progress(dataset, "mapped", finished - 1)
        frame = as_frame(rows)
        self.links.append((dataset, frame[list(link_columns(dataset))].copy()))
        failures = _validation_failures(dataset, frame, self.codelists)
        if failures:
            self.failures += failures
            self._progress(dataset, "validated", finished)
            return
        self._progress(dataset, "validated", finished - 1)
        self._write(dataset, rows, frame)
        self._progress(dataset, "written", finished)

    def finish(self) -> None:
        """The cross-dataset checks, then define.xml; `SubmissionInvalid` when anything failed."""
        self.failures += validate_links(self.links)
        if self.failures:
            raise SubmissionInvalid(self.failures)
        try:
            self.files.append(write_define(self.staging, self.info, self.datasets, _used(self.codelists, self.datasets),
                                           created=self.created))
        except ExportError as error:
            failures = [_writer_failure(problem, "define.xml", None) for problem in error.problems]
            raise SubmissionInvalid(failures) from error

    def _write(self, dataset: Dataset, rows: Rows, frame: pd.DataFrame) -> None:
        """Every format from one normalised table: the rows are checked and converted once, not per writer."""
        self.datasets.append(dataset)
        try:
            table = build_table(dataset, rows, target=dataset.name)
        except ExportError as error:
            self.failures += [_writer_failure(problem, self.formats[0], frame) for problem in error.problems]
            return
        for name in self.formats:
            try:
                self.files.append(self._writer(name)(dataset, table))
            except ExportError as error:
                self.failures += [_writer_failure(problem, name, frame) for problem in error.problems]

    def _writer(self, name: str) -> Callable[[Dataset, Table], Path]:
        if name == "xpt":
            return lambda dataset, rows: write_xpt(self.staging, dataset, rows, created=self.created)
        if name == "json":
            return lambda dataset, rows: write_dataset_json(self.staging, dataset, rows, study=self.info,
                                                            created=self.created)
        return lambda dataset, rows: write_csv(self.staging, dataset, rows)

    def _progress(self, dataset: Dataset, step: str, done: int) -> None:
        self.report(Progress(dataset.name, step, done, self.total))


def _validation_failures(dataset: Dataset, frame: pd.DataFrame,
                         codelists: Sequence[SubmissionCodelist]) -> list[Failure]:
    """The dataset's failures; metadata naming a codelist the export does not have is one too."""
    try:
        return validate_dataset(dataset, frame, codelists)
    except ValueError as error:
        return [Failure(dataset.name, None, None, None, str(error))]


_FORMAT_NAMES = {"xpt": "XPT", "json": "Dataset-JSON", "csv": "CSV", "define.xml": "define.xml"}


def _writer_failure(problem: Refusal, fmt: str, frame: pd.DataFrame | None) -> Failure:
    """A writer's refusal as a failure, with the subject of the refused row when the dataset has one."""
    usubjid = None
    if frame is not None and problem.row is not None and "USUBJID" in frame.columns:
        usubjid = str(frame.at[problem.row - 1, "USUBJID"]) or None
    return Failure(problem.dataset, problem.variable, usubjid, None,
                   f"cannot be written as {_FORMAT_NAMES[fmt]}: {problem.message}", problem.row)


def _used(codelists: Sequence[SubmissionCodelist], datasets: Sequence[Dataset]) -> list[SubmissionCodelist]:
    """The codelists some variable or value-level definition of the datasets written refers to: define.xml lists
    no others."""
    referred = {variable.codelist for dataset in datasets for variable in dataset.variables}
    referred |= {item.codelist for dataset in datasets for variable in dataset.variables
                 for item in variable.value_items}
    return [codelist for codelist in codelists if codelist.id in referred]
