"""SAS XPORT version 5 files (ae.xpt), the transport format of FDA submissions, written with pyreadstat.

pyreadstat writes version 5 only when asked (`file_format_version=5`) and
does not enforce its limits: it truncates long labels silently and writes
over-long or non-ASCII values. So every limit is checked first and the file
is refused, with every problem listed, before a byte is written: names of at
most 8 uppercase letters and digits starting with a letter, labels of at most
40 printable ASCII characters, character values of at most 200 bytes of
printable ASCII within the declared length, numbers in numeric variables.

Two things pyreadstat cannot be told are done around it:

- Lengths. pyreadstat sizes a character variable to its longest value. The
  first row's value is padded with trailing blanks to the declared length:
  XPT pads every value with blanks to its variable's length anyway and
  readers strip them, so the bytes are those of a file written with the
  declared length.
- The creation time. pyreadstat stamps the header with the clock; the
  stamps are overwritten with `created`, so the same data give the same bytes.

`XptStream` writes a large dataset a table (a chunk of its rows) at a time:
each chunk is written by pyreadstat alone, and the file is its first
chunk's headers followed by every chunk's observations. Version 5 headers
hold no row count and every value is padded to its variable's length, so
the bytes are those of the whole table written at once.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyreadstat

from edc.export.formats.files import write_atomically
from edc.export.formats.metadata import Dataset
from edc.export.formats.table import ExportError, Refusal, Rows, Table, Value, normalise_rows

MAX_NAME = 8
MAX_LABEL = 40
MAX_VALUE_BYTES = 200
_NAME = re.compile(r"[A-Z][A-Z0-9]*")
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")

_RECORD = 80
_HEADER_STAMPS = ((1, 64), (2, 0), (5, 64), (6, 0))
"""(80-byte record, offset) of the created and modified datetimes of the library and member headers (v5 layout)."""
_SAS_DATETIME = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def write_xpt(directory: Path, dataset: Dataset, rows: Rows | Table, *, created: datetime) -> Path:
    """Write `dataset` as `directory/<name>.xpt` (lower case); ExportError lists every problem instead."""
    target = directory / dataset.xpt_file_name
    table, problems = normalise_rows(dataset, rows)
    problems += xpt_problems(table)
    if problems:
        raise ExportError(str(target), problems)
    write_atomically(target, lambda path: _write(path, table, created))
    return target


def xpt_problems(table: Table) -> list[Refusal]:
    """What XPT version 5 cannot hold in this table."""
    dataset = table.dataset
    labels = _name_and_label_problems("dataset", dataset.name, dataset.label)
    problems = [Refusal(dataset.name, message) for message in labels]
    if not table.rows:
        # pyreadstat sizes lengths from the rows: without one every length would be 1 (SDTM submits no empty
        # datasets anyway)
        problems.append(Refusal(dataset.name, "has no rows: an empty dataset cannot carry its declared lengths"))
    columns = list(zip(*table.rows, strict=True)) or [()] * len(dataset.variables)
    for index, column in enumerate(columns):
        problems += _variable_problems(table, index, column)
    return problems


def _variable_problems(table: Table, index: int, column: Sequence[Value]) -> list[Refusal]:
    dataset, variable = table.dataset, table.dataset.variables[index]
    messages = _name_and_label_problems("variable", variable.name, variable.label)
    if not variable.data_type.is_numeric and variable.storage_length > MAX_VALUE_BYTES:
        messages.append(f"declared length {variable.storage_length} is over XPT v5's {MAX_VALUE_BYTES}")
    problems = [Refusal(dataset.name, message, variable=variable.name) for message in messages]
    if variable.data_type.is_numeric:
        return problems
    declared = variable.storage_length
    if _all_plain(column):
        return problems
    for number, value in enumerate(column, start=1):
        # printable ASCII of at most 200 characters is the rule; only the rare other values are looked at
        if isinstance(value, str) and not (value.isascii() and value.isprintable() and len(value) <= MAX_VALUE_BYTES):
            value_message = _value_problem(value, declared)
            if value_message is not None:
                problems.append(Refusal(dataset.name, value_message, variable=variable.name, row=number))
    return problems


def _joined(values: Sequence[Value]) -> str | None:
    """The values joined into one string, or None when one is not text: all of a column tested at C speed, not
    one value at a time (a normalised table's text cells are all text)."""
    try:
        return "".join(values)  # type: ignore[arg-type]
    except TypeError:
        return None


def _all_plain(column: Sequence[Value]) -> bool:
    """Whether every value is text of printable ASCII, at most 200 characters (joining adds no character that
    is not printable ASCII)."""
    joined = _joined(column)
    return (joined is not None and joined.isascii() and joined.isprintable()
            and max(map(len, column), default=0) <= MAX_VALUE_BYTES)  # type: ignore[arg-type]


def _name_and_label_problems(kind: str, name: str, label: str) -> list[str]:
    problems = []
    if len(name) > MAX_NAME or not _NAME.fullmatch(name):
        problems.append(f"{kind} name {name!r} is not 1-{MAX_NAME} uppercase letters and digits starting with a letter")
    if len(label) > MAX_LABEL:
        problems.append(f"{kind} label of {len(label)} characters is over {MAX_LABEL}: {label!r}")
    bad = _NOT_PRINTABLE_ASCII.search(label)
    if bad is not None:
        problems.append(f"{kind} label has {bad.group()!r} at position {bad.start() + 1}, not printable ASCII: "
                        f"{label!r}")
    return problems


def _value_problem(value: object, declared: int) -> str | None:
    if not isinstance(value, str):
        return None
    bad = _NOT_PRINTABLE_ASCII.search(value)
    if bad is not None:
        return f"{bad.group()!r} at position {bad.start() + 1} is not printable ASCII: {value!r}"
    size = len(value.encode("utf-8"))
    # a value over its declared length was reported already; this catches declared lengths over the limit
    if size > MAX_VALUE_BYTES and len(value) <= declared:
        return f"value of {size} bytes is over XPT v5's {MAX_VALUE_BYTES}"
    return None


def _write(path: Path, table: Table, created: datetime) -> None:
    _write_unstamped(path, table)
    path.write_bytes(_stamped(path.read_bytes(), created, path))


def _write_unstamped(path: Path, table: Table) -> None:
    """The table as pyreadstat writes it, with the time of writing in its headers."""
    dataset = table.dataset
    pyreadstat.write_xport(
        _frame(table),
        path,
        file_label=dataset.label,
        column_labels=[variable.label for variable in dataset.variables],
        table_name=dataset.name,
        file_format_version=5,
    )


def _frame(table: Table) -> pd.DataFrame:
    """The table as pyreadstat needs it: numbers as float64 (NaN missing), text as str padded on row 1."""
    columns: dict[str, pd.Series] = {}
    for variable, column in zip(table.dataset.variables, zip(*table.rows, strict=True), strict=True):
        values = list(column)
        if variable.data_type.is_numeric:
            columns[variable.name] = pd.Series(values, dtype="float64")
        else:
            text = values if _joined(values) is not None else [str(value) for value in values]
            text[0] = text[0].ljust(variable.storage_length)  # sets the stored length (module docstring)
            columns[variable.name] = pd.Series(text, dtype=object)
    return pd.DataFrame(columns)


def _stamped(written: bytes, created: datetime, path: Path) -> bytes:
    """The bytes pyreadstat wrote to `path` (from its start, at least the headers) with `created` in the headers."""
    data = bytearray(written)
    stamp = sas_datetime(created).encode("ascii")
    for record, offset in _HEADER_STAMPS:
        start = record * _RECORD + offset
        if not _SAS_DATETIME.fullmatch(data[start:start + len(stamp)]):
            raise RuntimeError(f"{path}: pyreadstat wrote an XPT header of an unexpected layout")
        data[start:start + len(stamp)] = stamp
    return bytes(data)


_OBS_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"
"""The start of the 80-byte record after which the observations begin."""


class XptStream:
    """One dataset's XPT file written chunk by chunk; `close` publishes it, `discard` removes what was written.

    Each chunk is checked as `write_xpt` checks a whole table (its refusals numbered from the chunk's first
    row); nothing is written after a refusal, and the caller discards the stream.
    """

    def __init__(self, directory: Path, dataset: Dataset, *, created: datetime) -> None:
        self.target = directory / dataset.xpt_file_name
        self.dataset = dataset
        self.created = created
        self.rows = 0
        self.width = sum(variable.storage_length for variable in dataset.variables)
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{self.target.name}.", suffix=".tmp")
        self._path = Path(name)
        self._file: BinaryIO = os.fdopen(handle, "wb")

    def append(self, table: Table) -> None:
        """Write the chunk's observations (with the headers before the first chunk), or raise ExportError."""
        if not table.rows:
            return
        problems = xpt_problems(table)
        if self.rows:  # the names and labels were checked with the first chunk
            problems = [problem for problem in problems if problem.row is not None]
        if problems:
            raise ExportError(str(self.target), problems)
        chunk = self._path.with_name(self._path.name + ".chunk")
        try:
            _write_unstamped(chunk, table)
            data = chunk.read_bytes()
        finally:
            chunk.unlink(missing_ok=True)
        start = data.index(_OBS_HEADER) + _RECORD
        if not self.rows:  # only the first chunk's headers are kept: only they are stamped
            self._file.write(_stamped(data[:start], self.created, chunk))
        self._file.write(data[start:start + len(table.rows) * self.width])
        self.rows += len(table.rows)

    def close(self) -> Path:
        """Pad the last record with blanks as XPT does and put the file under its name."""
        if not self.rows:
            self.discard()
            raise ExportError(str(self.target), [Refusal(self.dataset.name, "has no rows: an empty dataset cannot "
                                                                             "carry its declared lengths")])
        self._file.write(b" " * (-(self.rows * self.width) % _RECORD))
        self._file.close()
        os.replace(self._path, self.target)
        return self.target

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)


def sas_datetime(moment: datetime) -> str:
    """The header's datetime format, ddMMMyy:hh:mm:ss, with English month names whatever the locale."""
    return f"{moment:%d}{_MONTHS[moment.month - 1]}{moment:%y:%H:%M:%S}"
