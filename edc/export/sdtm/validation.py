"""SDTM conformance checks run before an export writes anything.

Each domain is described once, by its `edc.export.formats.metadata.Dataset`; the
pandera schema that checks its rows is derived from that description, never
written by hand, so the checks cannot drift from what define.xml declares:

- the variables, by name and in file order, and nothing else;
- value types: text for character variables (TEXT, DATE, DATETIME), a
  finite number for numeric ones, a whole number for INTEGER;
- lengths: at most the declared length and at most 200 bytes (SAS XPORT v5);
- Required (mandatory) variables neither null nor blank;
- controlled terminology: a variable with a codelist holds only its terms
  (sponsor terms of an extensible CDISC codelist count only when the
  codelist declares them as extended);
- ISO 8601 dates and date/times, right-truncated partial values allowed,
  complete dates checked against the calendar;
- the dataset's keys unique, and --SEQ a positive integer unique per subject.

`validate_submission` adds the checks that need several domains: every
subject is in DM, and every SUPP-- and RELREC record points at an existing
parent record. Those read only a few columns (`link_columns`), so an export
that validates and writes one dataset at a time keeps just those and runs
them at the end (`validate_links`). A dataset without failures passes in one
pass over its values (`conforms`); otherwise every failure is collected
(pandera's lazy validation), each located by domain, variable, subject and
value, so a data manager fixes them all in one pass; `check_submission`
raises them together, and the export calls it before writing its first file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from edc.export.formats.codelist import SubmissionCodelist
from edc.export.formats.metadata import Dataset
from edc.export.formats.table import Rows, is_missing
from edc.export.sdtm.conformance import (
    NOT_NULLABLE,
    WIDE_CHECKS,
    conforms,
    dataset_schema,
)
from edc.export.sdtm.failures import Failure, SubmissionInvalid, row_number
from edc.export.sdtm.links import validate_links

Submission: TypeAlias = Mapping[str, tuple[Dataset, Rows]]
"""The datasets of one export, by name, each with its rows."""


def check_submission(datasets: Submission, codelists: Iterable[SubmissionCodelist]) -> None:
    """Raise `SubmissionInvalid` listing every failure; the export calls this before writing any file."""
    failures = validate_submission(datasets, codelists)
    if failures:
        raise SubmissionInvalid(failures)


def validate_submission(datasets: Submission, codelists: Iterable[SubmissionCodelist]) -> list[Failure]:
    """Every failure of every dataset, then of the links between datasets (DM subjects, SUPP--, RELREC)."""
    codelist_list = list(codelists)
    frames = {name: (dataset, as_frame(rows)) for name, (dataset, rows) in datasets.items()}
    failures: list[Failure] = []
    for dataset, frame in frames.values():
        failures += validate_dataset(dataset, frame, codelist_list)
    failures += validate_links(list(frames.values()))
    return failures


def as_frame(rows: Rows) -> pd.DataFrame:
    """The rows as a DataFrame indexed 0, 1, ... so a failure's index is its row position.

    Mapped rows become object columns holding the values as given: pandas 3 would infer its string
    dtype, whose values every check would then convert back one by one.
    """
    if isinstance(rows, pd.DataFrame):
        return rows.reset_index(drop=True)
    records = list(rows)
    names: dict[str, None] = {}
    last: tuple[str, ...] = ()
    sets = 0
    for record in records:
        keys = tuple(record)
        if keys != last:  # mapped rows share their keys: look at each new set once
            names.update(dict.fromkeys(keys))
            last, sets = keys, sets + 1
    if sets == 1:  # the same keys in the same order in every row: the columns are the rows transposed
        columns = zip(names, zip(*(record.values() for record in records), strict=True), strict=True)
        data = {name: pd.Series(list(column), dtype=object) for name, column in columns}
    else:
        data = {name: pd.Series([record.get(name) for record in records], dtype=object) for name in names}
    return pd.DataFrame(data, index=pd.RangeIndex(len(records)))


def validate_dataset(dataset: Dataset, rows: Rows, codelists: Iterable[SubmissionCodelist]) -> list[Failure]:
    """Every failure of one dataset's rows against the schema derived from its metadata.

    The frame is checked first in one pass over its values (`conforms`); only one that may fail goes through
    pandera, whose failure cases name every failure (pandera's per-check overhead was most of the time).
    """
    frame = as_frame(rows)
    codelists = list(codelists)
    if conforms(dataset, frame, codelists):
        return []
    schema = dataset_schema(dataset, codelists)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _failures(dataset, schema, frame, errors.failure_cases)
    return []


# --- pandera's failure cases as Failures ---------------------------------------------------------

_STRUCTURE_MESSAGES = {
    "column_in_dataframe": "is declared but missing from the dataset",
    "column_in_schema": "is not a variable of the dataset",
    "column_ordered": "is out of the declared variable order",
}


def _failures(dataset: Dataset, schema: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> list[Failure]:
    wide: dict[str, str] = (schema.metadata or {}).get(WIDE_CHECKS, {})
    failures: list[Failure] = []
    seen: set[tuple[str, int]] = set()
    for case in cases.to_dict("records"):
        check, index = str(case["check"]), _index(case["index"])
        if check in _STRUCTURE_MESSAGES:
            failures.append(Failure(dataset.name, str(case["failure_case"]), None, None, _STRUCTURE_MESSAGES[check]))
        elif check in wide:
            # a check over several columns reports each column of a failing row: keep one failure per row
            if index is None or (check, index) in seen:
                continue
            seen.add((check, index))
            failures.append(_wide_failure(dataset, frame, wide[check], check, index))
        else:
            message = NOT_NULLABLE if check == "not_nullable" else check
            failures.append(Failure(dataset.name, str(case["column"]), _subject(frame, index),
                                    _plain(case["failure_case"]), message, row_number(index)))
    return sorted(failures, key=lambda failure: _order(dataset, failure))


def _wide_failure(dataset: Dataset, frame: pd.DataFrame, variable: str, message: str, index: int) -> Failure:
    names = variable.split("/")
    values = tuple(_plain(frame.at[index, name]) for name in names)
    value = values[0] if len(values) == 1 else values
    return Failure(dataset.name, variable, _subject(frame, index), value, message, row_number(index))


def _order(dataset: Dataset, failure: Failure) -> tuple[int, int, str]:
    first = (failure.variable or "").split("/")[0]
    position = dataset.names.index(first) if first in dataset.names else len(dataset.names)
    return (failure.row or 0, position, failure.message)


def _index(raw: object) -> int | None:
    return None if is_missing(raw) else int(raw)  # type: ignore[call-overload]


def _subject(frame: pd.DataFrame, index: int | None) -> str | None:
    if index is None or "USUBJID" not in frame.columns:
        return None
    usubjid = frame.at[index, "USUBJID"]
    return usubjid if isinstance(usubjid, str) and usubjid.strip() else None


def _plain(value: object) -> object:
    """numpy scalars as Python values and every kind of missing as None, for readable messages."""
    if is_missing(value):
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str) else value
