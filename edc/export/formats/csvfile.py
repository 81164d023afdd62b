"""CSV files (ae.csv) for people and tools that read neither XPT nor JSON.

A header of variable names, then one line per row in variable order; UTF-8
without a byte-order mark, "\\n" line endings whatever the platform. Quoting
is fixed so the same data always give the same bytes: a field is quoted
exactly when it holds a comma, a double quote (doubled inside) or a line
break. Missing values are empty fields; integers are written without a
decimal point, floats as Python's shortest round-tripping repr (1.5, 0.1).

The csv module writes a normalised table's cells as they are: None as an
empty field, a float as its repr, an int as its digits. `CsvStream` writes
a large dataset a table (a chunk of its rows) at a time, to the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from edc.export.formats.files import write_bytes_atomically
from edc.export.formats.metadata import Dataset
from edc.export.formats.table import Rows, Table, build_table


def write_csv(directory: Path, dataset: Dataset, rows: Rows | Table) -> Path:
    """Write `directory/<name>.csv` (lower case); ExportError lists every problem instead."""
    target = directory / f"{dataset.name.lower()}.csv"
    table = build_table(dataset, rows, target=str(target))
    write_bytes_atomically(target, csv_bytes(table))
    return target


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.dataset.names)
    writer.writerows(table.rows)
    return buffer.getvalue().encode("utf-8")


class CsvStream:
    """One dataset's CSV file written chunk by chunk; `close` publishes it, `discard` removes what was written."""

    def __init__(self, directory: Path, dataset: Dataset) -> None:
        self.target = directory / f"{dataset.name.lower()}.csv"
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{self.target.name}.", suffix=".tmp")
        self._path = Path(name)
        self._file = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        self._writer.writerow(dataset.names)

    def append(self, table: Table) -> None:
        self._writer.writerows(table.rows)

    def close(self) -> Path:
        self._file.close()
        os.replace(self._path, self.target)
        return self.target

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)
