"""The pandera schema of one SDTM dataset, derived from its metadata: columns, types, lengths, terms, dates, keys.

The checks are defined once (`value_checks`, `unique_rows`): the schema wraps them, and `conforms` runs the
same ones in a single pass over each column's distinct values, so a frame without failures needs no pandera.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import pandera.pandas as pa

from edc.export.formats.codelist import SubmissionCodelist
from edc.export.formats.metadata import Dataset, DataType, Variable
from edc.export.formats.table import ISO8601, in_calendar, is_missing

XPT_MAX_BYTES = 200
"""SAS XPORT v5 stores at most 200 bytes of a character value."""
MAX_UTF8_BYTES = 4
"""The most bytes UTF-8 needs for one character."""

NOT_NULLABLE = "is empty, but the variable is Required"
"""Said of a null (pandera's not_nullable) and of a blank Required value alike."""

WIDE_CHECKS = "wide_checks"
"""Key of the schema metadata naming, per row-level check over several columns, the variable it reports."""


# --- the schema, derived from the metadata -------------------------------------------------------


def dataset_schema(dataset: Dataset, codelists: Iterable[SubmissionCodelist]) -> pa.DataFrameSchema:
    """The pandera schema of `dataset`: columns, types, lengths, terminology, dates and keys.

    Raises ValueError when a variable refers to a codelist not given: that is
    a fault of the metadata, not of the data.
    """
    columns = {name: pa.Column(None, [_element(predicate, message) for predicate, message in checks],
                               nullable=not mandatory, name=name)
               for name, mandatory, checks in value_checks(dataset, codelists)}
    wide = [(_unique_rows(list(names), message), variable) for names, message, variable in unique_rows(dataset)]
    return pa.DataFrameSchema(
        columns,
        checks=[check for check, _ in wide],
        # strict and ordered: the columns are exactly the declared variables, in define.xml order
        strict=True,
        ordered=True,
        name=dataset.name,
        metadata={WIDE_CHECKS: {check.error: variable for check, variable in wide}},
    )


def conforms(dataset: Dataset, frame: pd.DataFrame, codelists: Iterable[SubmissionCodelist]) -> bool:
    """Whether the frame passes every check of `dataset_schema`, in one pass over each column's distinct values.

    It decides only that nothing fails: a frame it does not pass goes through the schema, which names each
    failure, so it may refuse what the schema passes, never the reverse. Values are told apart by type too
    (True equals 1, but is no number here); None and NaN are the nulls (pandera ignores them but in a Required
    variable), any other value meets the predicates, and an unhashable one does not pass.
    """
    checks = value_checks(dataset, codelists)
    if list(frame.columns) != [name for name, _, _ in checks]:
        return False
    for name, mandatory, predicates in checks:
        values = frame[name].to_numpy(dtype=object)
        try:
            distinct = set(zip(map(type, values), values, strict=True))
        except TypeError:
            return False
        for _, value in distinct:
            if value is None or (isinstance(value, float) and value != value):
                if mandatory:
                    return False
            elif not all(predicate(value) for predicate, _ in predicates):
                return False
    return not any(frame.duplicated(list(names), keep=False).any() for names, _, _ in unique_rows(dataset))


ValueCheck = tuple[Callable[[Any], bool], str]
"""A predicate every non-null value of a column must meet, and what a value failing it "is"."""


def value_checks(dataset: Dataset, codelists: Iterable[SubmissionCodelist]) -> list[tuple[str, bool, list[ValueCheck]]]:
    """Per variable in file order: its name, whether it is Required (not null), and its value checks.

    Raises ValueError when a variable refers to a codelist not given.
    """
    by_id = {codelist.id: codelist for codelist in codelists}
    undefined = [f"{v.name} -> {v.codelist}" for v in dataset.variables if v.codelist and v.codelist not in by_id]
    if undefined:
        raise ValueError(f"dataset {dataset.name!r} refers to codelists not given: {', '.join(undefined)}")
    return [(variable.name, variable.mandatory, _checks(dataset, variable, by_id.get(variable.codelist or "")))
            for variable in dataset.variables]


def _checks(dataset: Dataset, variable: Variable, codelist: SubmissionCodelist | None) -> list[ValueCheck]:
    # no dtype is checked: pandas holds an INTEGER column with a missing value as float64 and
    # text as object or str; a type check per value accepts all of these and names the row
    checks = _type_checks(variable)
    if variable.mandatory:
        checks.append((lambda value: not is_blank(value), NOT_NULLABLE))
    if codelist is not None and codelist.external is None:  # a dictionary's values were checked when coded
        checks.append(_codelist_check(variable, codelist))
    if variable.data_type in ISO8601:
        checks.append(_iso8601_check(variable))
    if variable.name == _sequence_name(dataset):
        checks.append((_is_positive_integer, "is not a positive integer"))
    if variable.name == "DOMAIN" and dataset.domain is not None:
        expected = dataset.domain
        checks.append((lambda value: value == expected, f"is not the domain code {expected}"))
    return checks


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


def _type_checks(variable: Variable) -> list[ValueCheck]:
    if variable.data_type.is_numeric:
        checks: list[ValueCheck] = [(_is_number, "is not a finite number")]
        if variable.data_type is DataType.INTEGER:
            checks.append((lambda value: not _is_number(value) or float(value).is_integer(), "is not a whole number"))
        return checks
    length = variable.storage_length
    checks = [
        (lambda value: isinstance(value, str), "is not text"),
        (lambda value: not isinstance(value, str) or len(value) <= length,
         f"is longer than the declared length {length}"),
    ]
    if length * MAX_UTF8_BYTES > XPT_MAX_BYTES:  # shorter values cannot reach 200 bytes: no need to look
        checks.append((lambda value: not isinstance(value, str) or len(value.encode("utf-8")) <= XPT_MAX_BYTES,
                       f"is longer than {XPT_MAX_BYTES} bytes, the most SAS XPORT v5 stores"))
    return checks


def _codelist_check(variable: Variable, codelist: SubmissionCodelist) -> ValueCheck:
    # every term listed counts: an extensible codelist's sponsor terms are listed too,
    # marked extended (metadata refuses them in a non-extensible one), so one membership test serves both
    if variable.data_type.is_numeric:
        numbers_allowed = {float(term.value) for term in codelist.terms}
        return (lambda value: not _is_number(value) or float(value) in numbers_allowed,
                f"is not a term of codelist {codelist.id}")
    allowed = {term.value for term in codelist.terms}
    kind = "extensible: declare sponsor terms as extended" if codelist.extensible else "non-extensible"
    return (lambda value: is_blank(value) or value in allowed, f"is not a term of codelist {codelist.id} ({kind})")


def _iso8601_check(variable: Variable) -> ValueCheck:
    pattern = ISO8601[variable.data_type]
    kind = "date" if variable.data_type is DataType.DATE else "date/time"
    return (
        lambda value: not isinstance(value, str) or value == "" or (
            pattern.fullmatch(value) is not None and in_calendar(value)),
        f"is not an ISO 8601 {kind} (right-truncated, e.g. 2026-03)",
    )


def unique_rows(dataset: Dataset) -> list[tuple[tuple[str, ...], str, str]]:
    """The column sets no two rows may share: the keys, and USUBJID with --SEQ; each with its message and the
    variable a failure reports."""
    found = []
    keys = tuple(variable.name for variable in dataset.keys)
    if keys:
        found.append((keys, f"duplicates the key ({', '.join(keys)}) of another record", "/".join(keys)))
    sequence = _sequence_name(dataset)
    if sequence is not None and "USUBJID" in dataset.names:
        # SUPP-- and RELREC point at a record by USUBJID and --SEQ, so the pair must be unique
        found.append((("USUBJID", sequence), "is used twice for this subject", sequence))
    return found


def _unique_rows(columns: list[str], message: str) -> pa.Check:
    def unique(frame: pd.DataFrame) -> pd.Series:
        if any(column not in frame.columns for column in columns):  # reported as a missing column already
            return pd.Series(True, index=frame.index)
        return ~frame.duplicated(columns, keep=False)

    return pa.Check(unique, error=message)


def _sequence_name(dataset: Dataset) -> str | None:
    sequence = f"{dataset.domain or dataset.name}SEQ"
    return sequence if sequence in dataset.names else None


def is_blank(value: object) -> bool:
    # SAS stores text blank-padded, so a value of spaces is read back as missing
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def _is_number(value: object) -> bool:
    # bool is an Integral, but a flag belongs in a character variable ("Y"), never in a number
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))


def _is_positive_integer(value: object) -> bool:
    return _is_number(value) and float(value).is_integer() and float(value) > 0  # type: ignore[arg-type]
