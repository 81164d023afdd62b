"""Running one SDTM export: every dataset mapped, validated and written, or nothing written at all.

`export_submission` takes a study's specs and a reader of its captured data
and produces the submission files in a directory: each dataset as XPT,
Dataset-JSON and/or CSV, and define.xml. It is pure of storage: the reader
is a function (the database one is `edc.app.exports.submission`).

How a run goes:
- Datasets in order: DM first, then the others by name, each SUPP-- right
  after its parent, then the `extra` datasets (the trial design ones).
- One dataset at a time, and each dataset a chunk of subjects at a time
  (`chunk_subjects`, by USUBJID): read the subjects with the forms it needs,
  then per chunk map, validate, normalise and append to every format's
  streaming writer (`edc.export.streams`) in a staging directory inside
  `out`, and drop the chunk. Memory follows a chunk, not the study: of each
  chunk only the columns the cross-dataset checks read are kept (`link_part`:
  of a dataset no SUPP-- or RELREC points at, one row per subject), and those
  checks (every subject in DM, every SUPP--/RELREC record with its parent)
  run at the end. The chunks of a dataset give the bytes the whole dataset
  written at once gives: every row depends on its own subject only, and the
  checks across rows (unique keys, --SEQ per subject) stay within a subject
  when the dataset's keys include USUBJID (a dataset whose keys do not is one
  chunk).
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
from functools import partial
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats import FORMATS
from edc.export.formats.codelist import SubmissionCodelist
from edc.export.formats.define import write_define
from edc.export.formats.metadata import Dataset
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, Rows, checked_table
from edc.export.sdtm.codelists import NO_DICTIONARIES, export_codelists
from edc.export.sdtm.failures import Failure, SubmissionInvalid
from edc.export.sdtm.links import validate_links
from edc.export.sdtm.mapping import map_dataset_chunks
from edc.export.sdtm.subjectdata import SubjectData
from edc.export.sdtm.validation import as_frame, validate_dataset
from edc.export.streams import DatasetStreams, link_part, shifted, writer_failure

"""The dataset file formats; define.xml is always written."""

CT_VERSION = "2024-12-20"
"""The CDISC SDTM controlled terminology release the study codelists follow (define.xml's CT standard and
the trial summary's TSVCDVER): the 2024-12-20 publishing set."""

STAGING_PREFIX = ".staging-"
"""Name prefix of the directory inside `out` where a run writes before its files move into `out`."""

SubjectReader = Callable[[frozenset[str]], Sequence[SubjectData]]
"""Every subject of the study with their records of the forms given (and of no other form)."""

CHUNK_SUBJECTS = 100
"""Subjects mapped, validated and written together: a chunk of the largest dataset (LB, ~280 rows a subject
in relmacel) is a few tens of MiB, and a larger chunk gains little time."""


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
                      dictionaries: Mapping[str, str] = NO_DICTIONARIES,
                      chunk_subjects: int = CHUNK_SUBJECTS) -> ExportResult:
    """Write the submission into `out` (created if missing), or raise `SubmissionInvalid` and write nothing.

    `dictionaries` are the study's coding releases (kind -> version) define.xml names for the coded variables.
    """
    names = dataset_order(specs)
    chosen = _formats(formats)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir()
    run = _Run(study_info(study), export_codelists(study, specs, dictionaries), staging, chosen, created,
               progress or (lambda _: None), total=len(names) + len(extra), parents=_parents(specs, names))
    try:
        for name in names:
            run.add(*map_dataset_chunks(study, specs, name, read(specs.forms_of(name)), dictionaries,
                                        chunk=chunk_subjects))
        for dataset, rows in extra:
            run.add(dataset, [partial(_given, rows)])
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


def _given(rows: Rows) -> Rows:
    return rows


def _parents(specs: SpecSet, names: Sequence[str]) -> frozenset[str] | None:
    """The datasets a SUPP-- or RELREC record may point at; None (any) when there is a RELREC."""
    if "RELREC" in names:
        return None
    return frozenset(parent for name in names if (parent := specs[name].spec.dataset.parent) is not None)


Chunks = Sequence[Callable[[], Rows]]
"""A dataset's rows in chunks, each mapped when called."""


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
    parents: frozenset[str] | None
    done: int = 0
    datasets: list[Dataset] = field(default_factory=list)
    links: list[tuple[Dataset, pd.DataFrame]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def add(self, dataset: Dataset, chunks: Chunks) -> None:
        """Validate and write one dataset chunk by chunk, keeping only its link columns.

        The progress events are those of each chunk's steps; the dataset's last one counts it as done
        ("written", "validated" when validation refused it, "mapped" when it has no rows).
        """
        self.done += 1
        finished, count, links, streams = self.done, 0, [], None
        refused, step = False, ""
        for number, chunk in enumerate(chunks, start=1):
            rows = chunk()
            if not len(rows):
                continue
            done = finished if number == len(chunks) else finished - 1
            self._progress(dataset, "mapped", finished - 1)
            frame = as_frame(rows)
            links.append(link_part(dataset, frame, count, parent=self.parents is None or dataset.name in self.parents))
            failures = _validation_failures(dataset, frame, self.codelists)
            # a failure of no row (a missing column, a codelist not given) is every chunk's: reported once
            self.failures += shifted([f for f in failures if count == 0 or f.row is not None], count)
            refused = refused or bool(failures)
            step = "validated" if refused else "written"
            self._progress(dataset, "validated", done if refused else finished - 1)
            if not refused:
                streams = streams or DatasetStreams(self.staging, dataset, self.formats, study=self.info,
                                                    created=self.created)
                refused = not self._write(dataset, streams, frame, count)
                self._progress(dataset, "written", done)
            count += len(rows)
            step = step if done != finished else ""
        self.rows[dataset.name] = count
        if links:
            self.links.append((dataset, pd.concat(links) if len(links) > 1 else links[0]))
        self._close(dataset, streams, refused)
        if count == 0 or step:  # no rows, or the last chunk had none: the dataset's last event is still owed
            self._progress(dataset, step or "mapped", finished)

    def _close(self, dataset: Dataset, streams: DatasetStreams | None, refused: bool) -> None:
        if streams is not None and refused:
            streams.discard()
        elif streams is not None:
            files, problems = streams.close()
            self.files += files
            self.failures += [writer_failure(problem, name, None) for name, error in problems
                              for problem in error.problems]
            self.datasets.append(dataset)

    def finish(self) -> None:
        """The cross-dataset checks, then define.xml; `SubmissionInvalid` when anything failed."""
        self.failures += validate_links(self.links)
        if self.failures:
            raise SubmissionInvalid(self.failures)
        try:
            self.files.append(write_define(self.staging, self.info, self.datasets, _used(self.codelists, self.datasets),
                                           created=self.created))
        except ExportError as error:
            failures = [writer_failure(problem, "define.xml", None) for problem in error.problems]
            raise SubmissionInvalid(failures) from error

    def _write(self, dataset: Dataset, streams: DatasetStreams, frame: pd.DataFrame, offset: int) -> bool:
        """One chunk in every format from one normalised table (checked and converted once, not per writer);
        False when refused."""
        table = checked_table(dataset, frame)  # validated: converted, not checked again
        refusals = streams.append(table)
        self.failures += shifted([writer_failure(problem, name, frame) for name, error in refusals
                                   for problem in error.problems], offset)
        return not refusals

    def _progress(self, dataset: Dataset, step: str, done: int) -> None:
        self.report(Progress(dataset.name, step, done, self.total))


def _validation_failures(dataset: Dataset, frame: pd.DataFrame,
                         codelists: Sequence[SubmissionCodelist]) -> list[Failure]:
    """The dataset's failures; metadata naming a codelist the export does not have is one too."""
    try:
        return validate_dataset(dataset, frame, codelists)
    except ValueError as error:
        return [Failure(dataset.name, None, None, None, str(error))]


def _used(codelists: Sequence[SubmissionCodelist], datasets: Sequence[Dataset]) -> list[SubmissionCodelist]:
    """The codelists some variable or value-level definition of the datasets written refers to: define.xml lists
    no others."""
    referred = {variable.codelist for dataset in datasets for variable in dataset.variables}
    referred |= {item.codelist for dataset in datasets for variable in dataset.variables
                 for item in variable.value_items}
    return [codelist for codelist in codelists if codelist.id in referred]
