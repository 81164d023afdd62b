"""CSV files (ae.csv) for people and tools that read neither XPT nor JSON.

A header of variable names, then one line per row in variable order; UTF-8
without a byte-order mark, "\\n" line endings whatever the platform. Quoting
is fixed so the same data always give the same bytes: a field is quoted
exactly when it holds a comma, a double quote (doubled inside) or a line
break. Missing values are empty fields; integers are written without a
decimal point, floats as Python's shortest round-tripping repr (1.5, 0.1).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from edc.export.formats.files import write_bytes_atomically
from edc.export.formats.metadata import Dataset
from edc.export.formats.table import Rows, Table, Value, build_table


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
    writer.writerows([_field(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def _field(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)
