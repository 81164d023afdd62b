"""Rows checked against a dataset's variables and normalised to plain Python values.

Every writer starts here, so all formats hold the same values: a character
variable's missing value is "" (SAS has no null text, and Dataset-JSON
examples for SDTM write "" too), a numeric one's is None; integers are int,
floats float; ISO 8601 date and datetime variables hold right-truncated
values ("2026-03"). Problems are collected over the whole table and raised
together as one `ExportError`, so a caller fixes them all in one pass.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

import pandas as pd

from edc.export.formats.metadata import Dataset, DataType, Variable

Value: TypeAlias = str | int | float | None
"""A normalised cell: text for character variables, int/float/None for numeric ones."""

Rows: TypeAlias = pd.DataFrame | Sequence[Mapping[str, object]]
"""Rows as given: a DataFrame with one column per variable, or one mapping per row."""

_DATE = r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?"
_FULL_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"T([01][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
ISO8601 = {
    DataType.DATE: re.compile(rf"{_DATE}"),
    DataType.DATETIME: re.compile(rf"{_DATE}|{_FULL_DATE}{_TIME}"),
}
"""Right-truncated ISO 8601 values: a time only after a complete date."""


@dataclass(frozen=True)
class Refusal:
    """One thing a writer refuses, located by dataset, variable and 1-based row."""

    dataset: str
    message: str
    variable: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        place = self.dataset if self.variable is None else f"{self.dataset}.{self.variable}"
        if self.row is not None:
            place += f" row {self.row}"
        return f"{place}: {self.message}"


class ExportError(ValueError):
    """Raised before anything is written; `problems` lists every reason."""

    def __init__(self, target: str, problems: Sequence[Refusal]) -> None:
        self.target = target
        self.problems = tuple(problems)
        lines = [f"cannot write {target}: {len(self.problems)} problem(s)"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Table:
    """A dataset's rows, checked and in variable order."""

    dataset: Dataset
    rows: tuple[tuple[Value, ...], ...]

    def column(self, name: str) -> list[Value]:
        index = self.dataset.names.index(name)
        return [row[index] for row in self.rows]


def build_table(dataset: Dataset, rows: Rows | Table, *, target: str) -> Table:
    """Check `rows` against `dataset` and normalise them; `target` names the file in the error.

    A `Table` of the same dataset is already checked and normalised, and is returned as it is: an export
    normalises each dataset once and hands the table to every writer.
    """
    table, problems = normalise_rows(dataset, rows)
    if problems:
        raise ExportError(target, problems)
    return table


def normalise_rows(dataset: Dataset, rows: Rows | Table) -> tuple[Table, list[Refusal]]:
    """The table and every problem found, for writers that add checks of their own before refusing."""
    if isinstance(rows, Table):
        if rows.dataset != dataset:
            raise ValueError(f"a table of {rows.dataset.name} given as {dataset.name}")
        return rows, []
    problems: list[Refusal] = []
    normalisers = [(v.name, _normaliser(v), v.mandatory) for v in dataset.variables]
    normalised = []
    for number, record in enumerate(_records(dataset, rows, problems), start=1):
        row: list[Value] = []
        for name, normalise, mandatory in normalisers:
            value, message = normalise(record.get(name))
            if message is None and mandatory and value in (None, ""):
                message = "mandatory variable is empty"
            if message is not None:
                problems.append(Refusal(dataset.name, message, variable=name, row=number))
            row.append(value)
        normalised.append(tuple(row))
    return Table(dataset=dataset, rows=tuple(normalised)), problems


def checked_table(dataset: Dataset, frame: pd.DataFrame) -> Table:
    """The table of a frame whose values already passed checks at least as strict as `normalise_rows`' (the
    export's conformance validation: the declared columns in order, text within its length, ISO 8601 dates,
    finite numbers, whole INTEGERs, Required values present): only converted, column by column, to the values
    `normalise_rows` gives, without checking each cell a second time."""
    if list(frame.columns) != list(dataset.names):
        raise ValueError(f"a frame of columns {list(frame.columns)} given as {dataset.name}")
    columns = [_converted(variable, frame[variable.name].tolist()) for variable in dataset.variables]
    return Table(dataset=dataset, rows=tuple(zip(*columns, strict=True)))


def _converted(variable: Variable, values: list[object]) -> list[Value]:
    if variable.data_type is DataType.INTEGER:
        return [value if type(value) is int else None if is_missing(value) else int(value)  # type: ignore[call-overload]
                for value in values]
    if variable.data_type.is_numeric:
        return [value if type(value) is float and value == value else None if is_missing(value)
                else float(value) for value in values]  # type: ignore[arg-type]
    return [value if type(value) is str else "" if is_missing(value) else value  # type: ignore[misc]
            for value in values]


def _records(dataset: Dataset, rows: Rows, problems: list[Refusal]) -> Iterator[Mapping[str, object]]:
    """Each row as a mapping; columns missing from or foreign to the dataset are reported once."""
    if isinstance(rows, pd.DataFrame):
        columns = [str(column) for column in rows.columns]
        _check_columns(dataset, columns, None, problems)
        present = [name for name in dataset.names if name in columns]
        for values in rows[present].itertuples(index=False, name=None):
            yield dict(zip(present, values, strict=True))
        return
    checked: object = None
    for number, record in enumerate(rows, start=1):
        keys = tuple(record)
        if keys != checked:  # rows of one mapping share their keys: check each new set once
            _check_columns(dataset, list(keys), number, problems)
            checked = keys
        yield record


def _check_columns(dataset: Dataset, columns: list[str], row: int | None, problems: list[Refusal]) -> None:
    missing = [name for name in dataset.names if name not in columns]
    unknown = [name for name in columns if name not in dataset.names]
    if missing:
        problems.append(Refusal(dataset.name, f"missing variables: {', '.join(missing)}", row=row))
    if unknown:
        problems.append(Refusal(dataset.name, f"variables not in the dataset: {', '.join(unknown)}", row=row))


def _normaliser(variable: Variable) -> Callable[[object], tuple[Value, str | None]]:
    """`normalise_value` for one variable, with what it needs looked up once rather than per value."""
    if variable.data_type.is_numeric:
        return lambda raw: _numeric(variable, raw)
    length, pattern = variable.storage_length, ISO8601.get(variable.data_type)

    def character(raw: object) -> tuple[Value, str | None]:
        if type(raw) is str and len(raw) <= length and (pattern is None or not raw):
            return raw, None  # the common case, decided without the general checks
        return _character(variable, raw)

    return character


def is_missing(raw: object) -> bool:
    """None, NaN, pandas NA and NaT all mean "no value"."""
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return True
    return isinstance(raw, float) and math.isnan(raw)


def normalise_value(variable: Variable, raw: object) -> tuple[Value, str | None]:
    """The value to write and, when it cannot be written, why."""
    if variable.data_type.is_numeric:
        return _numeric(variable, raw)
    return _character(variable, raw)


def _character(variable: Variable, raw: object) -> tuple[Value, str | None]:
    if is_missing(raw):
        return "", None
    if not isinstance(raw, str):
        return None, f"expected text, got {type(raw).__name__} {raw!r}"
    if len(raw) > variable.storage_length:
        return raw, f"value of {len(raw)} characters is longer than the declared length {variable.storage_length}"
    pattern = ISO8601.get(variable.data_type)
    if raw and pattern is not None and not (pattern.fullmatch(raw) and in_calendar(raw)):
        return raw, f"{raw!r} is not an ISO 8601 {variable.data_type.value} (right-truncated, e.g. 2026-03)"
    return raw, None


def in_calendar(value: str) -> bool:
    """A complete date must exist in the calendar (no 2026-02-30); partial dates have nothing to check."""
    if len(value) < len("2026-03-01"):
        return True
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _numeric(variable: Variable, raw: object) -> tuple[Value, str | None]:
    if is_missing(raw):
        return None, None
    # bool is an Integral, but a flag belongs in a character variable ("Y"), never in a number
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        return None, f"expected a number, got {type(raw).__name__} {raw!r}"
    number = float(raw)
    if not math.isfinite(number):
        return None, f"{raw!r} is not a finite number"
    if variable.data_type is DataType.INTEGER:
        if isinstance(raw, numbers.Integral):
            return int(raw), None
        if not number.is_integer():
            return None, f"{raw!r} is not a whole number"
        return int(number), None
    return number, None
