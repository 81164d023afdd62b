"""SDTM conformance checks run before an export writes anything.

Each domain is described once, by its `edc.export.metadata.Dataset`; the
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
them at the end (`validate_links`). Every failure is collected (pandera's lazy validation), each
located by domain, variable, subject and value, so a data manager fixes them
all in one pass; `check_submission` raises them together, and the export
calls it before writing its first file.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from edc.export.metadata import Dataset, DataType, Role, SubmissionCodelist, Variable
from edc.export.table import ISO8601, Rows, in_calendar, is_missing

XPT_MAX_BYTES = 200
_MAX_UTF8_BYTES = 4
"""The most bytes UTF-8 needs for one character."""
"""SAS XPORT v5 stores at most 200 bytes of a character value."""

Submission: TypeAlias = Mapping[str, tuple[Dataset, Rows]]
"""The datasets of one export, by name, each with its rows."""

_NOT_NULLABLE = "is empty, but the variable is Required"
"""Said of a null (pandera's not_nullable) and of a blank Required value alike."""

_WIDE_CHECKS = "wide_checks"
"""Key of the schema metadata naming, per row-level check over several columns, the variable it reports."""


@dataclass(frozen=True)
class Failure:
    """One reason a submission is refused.

    `variable` is None for a failure of a whole dataset (DM missing); a
    duplicate key names its key variables joined by "/" and its value is the
    tuple of their values. `usubjid` is the subject of the failing record
    when the dataset has subjects; `row` is the record's 1-based position in
    its dataset. `message` completes "<value> ...".
    """

    domain: str
    variable: str | None
    usubjid: str | None
    value: object
    message: str
    row: int | None = None

    def __str__(self) -> str:
        place = self.domain if self.variable is None else f"{self.domain}.{self.variable}"
        if self.row is not None:
            place += f" row {self.row}"
        if self.usubjid is not None:
            place += f" ({self.usubjid})"
        shown = "" if self.value is None else f"{self.value!r} "
        return f"{place}: {shown}{self.message}"


class SubmissionInvalid(Exception):
    """The submission fails SDTM conformance; nothing was written. `failures` lists every reason."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = tuple(failures)
        lines = [f"the submission fails validation: {len(self.failures)} failure(s)"]
        lines += [f"  - {failure}" for failure in self.failures]
        super().__init__("\n".join(lines))


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
    for record in records:
        keys = tuple(record)
        if keys != last:  # mapped rows share their keys: look at each new set once
            names.update(dict.fromkeys(keys))
            last = keys
    return pd.DataFrame({name: pd.Series([record.get(name) for record in records], dtype=object)
                         for name in names}, index=pd.RangeIndex(len(records)))


def validate_dataset(dataset: Dataset, rows: Rows, codelists: Iterable[SubmissionCodelist]) -> list[Failure]:
    """Every failure of one dataset's rows against the schema derived from its metadata."""
    frame = as_frame(rows)
    schema = dataset_schema(dataset, codelists)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _failures(dataset, schema, frame, errors.failure_cases)
    return []


# --- the schema, derived from the metadata -------------------------------------------------------


def dataset_schema(dataset: Dataset, codelists: Iterable[SubmissionCodelist]) -> pa.DataFrameSchema:
    """The pandera schema of `dataset`: columns, types, lengths, terminology, dates and keys.

    Raises ValueError when a variable refers to a codelist not given: that is
    a fault of the metadata, not of the data.
    """
    by_id = {codelist.id: codelist for codelist in codelists}
    undefined = [f"{v.name} -> {v.codelist}" for v in dataset.variables if v.codelist and v.codelist not in by_id]
    if undefined:
        raise ValueError(f"dataset {dataset.name!r} refers to codelists not given: {', '.join(undefined)}")
    columns = {
        variable.name: _column(dataset, variable, by_id.get(variable.codelist or ""))
        for variable in dataset.variables
    }
    wide = _key_checks(dataset) + _sequence_checks(dataset)
    return pa.DataFrameSchema(
        columns,
        checks=[check for check, _ in wide],
        # strict and ordered: the columns are exactly the declared variables, in define.xml order
        strict=True,
        ordered=True,
        name=dataset.name,
        metadata={_WIDE_CHECKS: {check.error: variable for check, variable in wide}},
    )


def _column(dataset: Dataset, variable: Variable, codelist: SubmissionCodelist | None) -> pa.Column:
    # dtype stays None: pandas holds an INTEGER column with a missing value as float64 and
    # text as object or str; a type check per value accepts all of these and names the row
    checks = _type_checks(variable)
    if variable.mandatory:
        checks.append(_element(lambda value: not _blank(value), _NOT_NULLABLE))
    if codelist is not None:
        checks.append(_codelist_check(variable, codelist))
    if variable.data_type in ISO8601:
        checks.append(_iso8601_check(variable))
    if variable.name == _sequence_name(dataset):
        checks.append(_element(_is_positive_integer, "is not a positive integer"))
    if variable.name == "DOMAIN" and dataset.domain is not None:
        expected = dataset.domain
        checks.append(_element(lambda value: value == expected, f"is not the domain code {expected}"))
    return pa.Column(None, checks, nullable=not variable.mandatory, name=variable.name)


def _element(predicate: Callable[[Any], bool], message: str) -> pa.Check:
    """A check of each non-null value; `message` completes "<value> ..." in the failure.

    One pass over the column's values as plain objects, rather than pandera's element-wise mode
    (`Series.map` per check), which cost several times more on a large domain. Nulls pass (pandera's
    `ignore_na`), as they did element-wise; whether they may be null is the column's own check.
    """
    def check(series: pd.Series) -> pd.Series:
        return pd.Series([predicate(value) for value in series.to_numpy(dtype=object)], index=series.index,
                         dtype=bool)

    return pa.Check(check, error=message)


def _type_checks(variable: Variable) -> list[pa.Check]:
    if variable.data_type.is_numeric:
        checks = [_element(_is_number, "is not a finite number")]
        if variable.data_type is DataType.INTEGER:
            checks.append(_element(lambda value: not _is_number(value) or float(value).is_integer(),
                                   "is not a whole number"))
        return checks
    length = variable.storage_length
    checks = [
        _element(lambda value: isinstance(value, str), "is not text"),
        _element(lambda value: not isinstance(value, str) or len(value) <= length,
                 f"is longer than the declared length {length}"),
    ]
    if length * _MAX_UTF8_BYTES > XPT_MAX_BYTES:  # shorter values cannot reach 200 bytes: no need to look
        checks.append(_element(lambda value: not isinstance(value, str) or len(value.encode("utf-8")) <= XPT_MAX_BYTES,
                               f"is longer than {XPT_MAX_BYTES} bytes, the most SAS XPORT v5 stores"))
    return checks


def _codelist_check(variable: Variable, codelist: SubmissionCodelist) -> pa.Check:
    # every term listed counts: an extensible codelist's sponsor terms are listed too,
    # marked extended (metadata refuses them in a non-extensible one), so one membership test serves both
    if variable.data_type.is_numeric:
        numbers_allowed = {float(term.value) for term in codelist.terms}
        return _element(lambda value: not _is_number(value) or float(value) in numbers_allowed,
                        f"is not a term of codelist {codelist.id}")
    allowed = {term.value for term in codelist.terms}
    kind = "extensible: declare sponsor terms as extended" if codelist.extensible else "non-extensible"
    return _element(lambda value: _blank(value) or value in allowed,
                    f"is not a term of codelist {codelist.id} ({kind})")


def _iso8601_check(variable: Variable) -> pa.Check:
    pattern = ISO8601[variable.data_type]
    kind = "date" if variable.data_type is DataType.DATE else "date/time"
    return _element(
        lambda value: not isinstance(value, str) or value == "" or (
            pattern.fullmatch(value) is not None and in_calendar(value)),
        f"is not an ISO 8601 {kind} (right-truncated, e.g. 2026-03)",
    )


def _key_checks(dataset: Dataset) -> list[tuple[pa.Check, str]]:
    keys = [variable.name for variable in dataset.keys]
    if not keys:
        return []
    message = f"duplicates the key ({', '.join(keys)}) of another record"
    return [(_unique_rows(keys, message), "/".join(keys))]


def _sequence_checks(dataset: Dataset) -> list[tuple[pa.Check, str]]:
    sequence = _sequence_name(dataset)
    if sequence is None or "USUBJID" not in dataset.names:
        return []
    # SUPP-- and RELREC point at a record by USUBJID and --SEQ, so the pair must be unique
    return [(_unique_rows(["USUBJID", sequence], "is used twice for this subject"), sequence)]


def _unique_rows(columns: list[str], message: str) -> pa.Check:
    def unique(frame: pd.DataFrame) -> pd.Series:
        if any(column not in frame.columns for column in columns):  # reported as a missing column already
            return pd.Series(True, index=frame.index)
        return ~frame.duplicated(columns, keep=False)

    return pa.Check(unique, error=message)


def _sequence_name(dataset: Dataset) -> str | None:
    sequence = f"{dataset.domain or dataset.name}SEQ"
    return sequence if sequence in dataset.names else None


def _blank(value: object) -> bool:
    # SAS stores text blank-padded, so a value of spaces is read back as missing
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def _is_number(value: object) -> bool:
    # bool is an Integral, but a flag belongs in a character variable ("Y"), never in a number
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))


def _is_positive_integer(value: object) -> bool:
    return _is_number(value) and float(value).is_integer() and float(value) > 0  # type: ignore[arg-type]


# --- pandera's failure cases as Failures ---------------------------------------------------------

_STRUCTURE_MESSAGES = {
    "column_in_dataframe": "is declared but missing from the dataset",
    "column_in_schema": "is not a variable of the dataset",
    "column_ordered": "is out of the declared variable order",
}


def _failures(dataset: Dataset, schema: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> list[Failure]:
    wide: dict[str, str] = (schema.metadata or {}).get(_WIDE_CHECKS, {})
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
            message = _NOT_NULLABLE if check == "not_nullable" else check
            failures.append(Failure(dataset.name, str(case["column"]), _subject(frame, index),
                                    _plain(case["failure_case"]), message, _row(index)))
    return sorted(failures, key=lambda failure: _order(dataset, failure))


def _wide_failure(dataset: Dataset, frame: pd.DataFrame, variable: str, message: str, index: int) -> Failure:
    names = variable.split("/")
    values = tuple(_plain(frame.at[index, name]) for name in names)
    value = values[0] if len(values) == 1 else values
    return Failure(dataset.name, variable, _subject(frame, index), value, message, _row(index))


def _order(dataset: Dataset, failure: Failure) -> tuple[int, int, str]:
    first = (failure.variable or "").split("/")[0]
    position = dataset.names.index(first) if first in dataset.names else len(dataset.names)
    return (failure.row or 0, position, failure.message)


def _index(raw: object) -> int | None:
    return None if is_missing(raw) else int(raw)  # type: ignore[call-overload]


def _row(index: int | None) -> int | None:
    return None if index is None else index + 1


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


# --- checks across datasets ----------------------------------------------------------------------

Framed: TypeAlias = list[tuple[Dataset, pd.DataFrame]]


def validate_links(framed: Iterable[tuple[Dataset, pd.DataFrame]]) -> list[Failure]:
    """The checks across datasets: every subject in DM, every SUPP-- and RELREC record finding its parent.

    Each frame needs only the columns `link_columns` names and the index of its
    full frame (0, 1, ...: a failure's row is its index + 1), so a caller may
    keep these slim frames while it drops each dataset's other columns.
    """
    frames = list(framed)
    return _subjects_missing_from_dm(frames) + _orphan_relationships(frames)


def link_columns(dataset: Dataset) -> tuple[str, ...]:
    """The variables of `dataset` that `validate_links` reads, in file order.

    SUPP-- and RELREC: their relationship variables. Other datasets: USUBJID,
    the keys and the identifiers (the variables an IDVAR may name: --SEQ,
    --GRPID, --SPID, --REFID, --LNKID...).
    """
    if _is_relationship(dataset):
        wanted = set(_RELATIONSHIP_VARIABLES)
    else:
        wanted = {"USUBJID"} | {v.name for v in dataset.keys}
        wanted |= {v.name for v in dataset.variables if v.role is Role.IDENTIFIER}
    return tuple(name for name in dataset.names if name in wanted)


def _subjects_missing_from_dm(framed: Framed) -> list[Failure]:
    """Every subject of every subject-level dataset must have its DM record (SDTMIG 3.4 section 5.2)."""
    # a SUPPDM names DM as its domain (as define.xml wants), but its subjects are not DM's
    dm = [frame for dataset, frame in framed if _domain(dataset) == "DM" and not _is_relationship(dataset)]
    others = [(dataset, frame) for dataset, frame in framed
              if _domain(dataset) != "DM" and "USUBJID" in frame.columns]
    if not dm:
        return [Failure("DM", None, None, None, "is missing, but other datasets have subjects")] if others else []
    subjects = {usubjid for frame in dm if "USUBJID" in frame.columns for usubjid in frame["USUBJID"]}
    failures: list[Failure] = []
    for dataset, frame in others:
        reported: set[str] = set()
        for index, usubjid in frame["USUBJID"].items():
            # one failure per subject and dataset: the fix (add the DM record) is one per subject
            if _blank(usubjid) or usubjid in subjects or usubjid in reported:
                continue
            reported.add(usubjid)
            failures.append(Failure(dataset.name, "USUBJID", str(usubjid), usubjid, "is not a subject in DM",
                                    _row(int(str(index)))))
    return failures


_RELATIONSHIP_VARIABLES = ("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL")


def _orphan_relationships(framed: Framed) -> list[Failure]:
    """SUPP-- and RELREC records whose (RDOMAIN, USUBJID, IDVAR, IDVARVAL) finds no parent record."""
    # a SUPP-- dataset names its parent's domain (SUPPAE: AE): the parent is the dataset that is no relationship
    parents = {_domain(dataset): (dataset, frame) for dataset, frame in framed if not _is_relationship(dataset)}
    failures: list[Failure] = []
    for dataset, frame in framed:
        if not _is_relationship(dataset) or any(name not in frame.columns for name in _RELATIONSHIP_VARIABLES):
            continue
        for index, record in zip(frame.index, frame.to_dict("records"), strict=True):
            failure = _orphan(record, parents)
            if failure is not None:
                failures.append(Failure(dataset.name, failure[0], _text(record["USUBJID"]) or None, failure[1],
                                        failure[2], _row(int(str(index)))))
    return failures


def _is_relationship(dataset: Dataset) -> bool:
    return dataset.name == "RELREC" or (dataset.name.startswith("SUPP") and "QNAM" in dataset.names)


def _orphan(
    record: Mapping[Hashable, object], parents: Mapping[str, tuple[Dataset, pd.DataFrame]]
) -> tuple[str, object, str] | None:
    """(variable, value, message) when the record's parent cannot be found."""
    rdomain, usubjid = _text(record["RDOMAIN"]), _text(record["USUBJID"])
    idvar, idvarval = _text(record["IDVAR"]), _text(record["IDVARVAL"])
    if rdomain not in parents:
        return ("RDOMAIN", rdomain, "is not a domain of the submission")
    parent, frame = parents[rdomain]
    if idvar and idvar not in parent.names:
        return ("IDVAR", idvar, f"is not a variable of {rdomain}")
    if not usubjid:
        # a RELREC relationship between datasets names IDVAR only: it has no record to find
        return None
    records = frame[frame["USUBJID"] == usubjid] if "USUBJID" in frame.columns else frame.iloc[0:0]
    if not idvar:
        # SUPPDM and other subject-level qualifiers leave IDVAR and IDVARVAL null
        return None if len(records) else ("USUBJID", usubjid, f"has no record in {rdomain}")
    variable = next(v for v in parent.variables if v.name == idvar)
    found = {_id_text(variable, value) for value in records[idvar]} if idvar in records.columns else set()
    if _id_text(variable, idvarval) in found:
        return None
    return ("IDVARVAL", idvarval, f"is not the {idvar} of a record of this subject in {rdomain}")


def _domain(dataset: Dataset) -> str:
    return dataset.domain or dataset.name


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value).strip()


def _id_text(variable: Variable, value: object) -> str:
    """A parent's value as IDVARVAL writes it: "3" for AESEQ 3, whether held as 3, 3.0 or "3"."""
    text = _text(value)
    if not variable.data_type.is_numeric or not text:
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else repr(number)
