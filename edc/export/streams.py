"""One dataset of an export written a chunk of rows at a time: every format's stream, and the slim link frames.

`DatasetStreams` opens the streaming writer of each chosen format
(`XptStream`, `DatasetJsonStream`, `CsvStream`) for one dataset, hands each
normalised chunk to all of them and closes or discards them together, so a
dataset is written completely or not at all. `link_part` keeps of a chunk's
frame only what `edc.export.sdtm.links.validate_links` reads at the end of
the run, indexed by the rows' positions in the whole dataset; `shifted` and
`writer_failure` number a chunk's failures from its dataset's first row.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pandas as pd

from edc.export.formats.csvfile import CsvStream
from edc.export.formats.datasetjson import DatasetJsonStream
from edc.export.formats.metadata import Dataset
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, Refusal, Table
from edc.export.formats.xpt import XptStream
from edc.export.sdtm.failures import Failure
from edc.export.sdtm.links import link_columns


class FormatStream(Protocol):
    def append(self, table: Table) -> None: ...

    def close(self) -> Path: ...

    def discard(self) -> None: ...


class DatasetStreams:
    """The open streams of one dataset, by format name."""

    def __init__(self, staging: Path, dataset: Dataset, formats: Sequence[str], *, study: StudyInfo,
                 created: datetime) -> None:
        openers: dict[str, Callable[[], FormatStream]] = {
            "xpt": lambda: XptStream(staging, dataset, created=created),
            "json": lambda: DatasetJsonStream(staging, dataset, study=study, created=created),
            "csv": lambda: CsvStream(staging, dataset),
        }
        self.streams: dict[str, FormatStream] = {}
        try:
            for name in formats:
                self.streams[name] = openers[name]()
        except BaseException:
            self.discard()
            raise

    def append(self, table: Table) -> list[tuple[str, ExportError]]:
        """The chunk written by every format; the refusals, by format (the caller then discards)."""
        refused = []
        for name, stream in self.streams.items():
            try:
                stream.append(table)
            except ExportError as error:
                refused.append((name, error))
        return refused

    def close(self) -> tuple[list[Path], list[tuple[str, ExportError]]]:
        """The files, in format order, and the refusals of the formats that check the whole dataset last."""
        files, refused = [], []
        for name, stream in self.streams.items():
            try:
                files.append(stream.close())
            except ExportError as error:
                refused.append((name, error))
        return files, refused

    def discard(self) -> None:
        for stream in self.streams.values():
            stream.discard()


def link_part(dataset: Dataset, frame: pd.DataFrame, offset: int, *, parent: bool) -> pd.DataFrame:
    """The link columns of a chunk, indexed from `offset` (the rows before it in its dataset).

    A dataset no SUPP-- or RELREC can point at (`parent` false) keeps only the first row of each subject:
    the DM check reports a subject once per dataset, at its first row, and reads nothing else.
    """
    part = frame[list(link_columns(dataset))]
    if not parent and "USUBJID" in part.columns:
        part = part[["USUBJID"]].drop_duplicates("USUBJID")
    part = part.copy()
    part.index = part.index + offset
    # The parts are kept until the whole export is checked, so they grow with the study: each row's text
    # (USUBJID, mapped anew per row) would be a string object of its own; one object per distinct value
    # leaves a pointer per row (tracemalloc peak at 2,500 subjects 235.7 -> 138.9 MiB, bench.export_sdtm).
    for name in part.select_dtypes(include="object").columns:
        part[name] = [sys.intern(value) if isinstance(value, str) else value for value in part[name]]
    return part


def shifted(failures: list[Failure], offset: int) -> list[Failure]:
    """A chunk's failures numbered from its dataset's first row."""
    if not offset:
        return failures
    return [failure if failure.row is None else replace(failure, row=failure.row + offset) for failure in failures]


_FORMAT_NAMES = {"xpt": "XPT", "json": "Dataset-JSON", "csv": "CSV", "define.xml": "define.xml"}


def writer_failure(problem: Refusal, fmt: str, frame: pd.DataFrame | None) -> Failure:
    """A writer's refusal as a failure, with the subject of the refused row when the dataset has one."""
    usubjid = None
    if frame is not None and problem.row is not None and "USUBJID" in frame.columns:
        usubjid = str(frame.at[problem.row - 1, "USUBJID"]) or None
    return Failure(problem.dataset, problem.variable, usubjid, None,
                   f"cannot be written as {_FORMAT_NAMES[fmt]}: {problem.message}", problem.row)
