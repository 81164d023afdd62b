"""Per-format timing for `bench.export_sdtm`: the export's own writers timed, and the bare kept-library writes.

`timed_writers` replaces, for the length of one export, the streaming writers
`edc.export.streams` opens (`XptStream`, `DatasetJsonStream`, `CsvStream`) by
subclasses that add the seconds of their opening, `append` and `close` to one
total per format. What the writers share is not in any format's total: the
conversion of each chunk into a checked `Table` (`checked_table`), done once
for all formats, stays in the export's "written" step only.

`bare_writes` writes every exported dataset again, from the XPT files read
back (the reading is not timed), by the kept libraries alone, in one go per
dataset: XPT by `pyreadstat.write_xport`; Dataset-JSON by msgspec encoding
the same rows (as lists) inside the Dataset-JSON structure (the header, the
columns with their OIDs, names, labels and types); CSV by the stdlib csv
writer. It returns seconds per format and dataset.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd
import pyreadstat

from edc.export import streams
from edc.export.formats.csvfile import CsvStream
from edc.export.formats.datasetjson import DatasetJsonStream
from edc.export.formats.xpt import XptStream

FORMAT_ORDER = ("xpt", "json", "csv")
WRITERS: dict[str, tuple[str, type[Any]]] = {
    "xpt": ("XptStream", XptStream), "json": ("DatasetJsonStream", DatasetJsonStream), "csv": ("CsvStream", CsvStream)}


def _timed(base: type[Any], fmt: str, seconds: dict[str, float]) -> type[Any]:
    """A subclass of the writer `base` adding the seconds of its opening, appends and close to `seconds[fmt]`."""

    class Timed(base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            super().__init__(*args, **kwargs)
            seconds[fmt] += time.perf_counter() - started

        def append(self, table: Any) -> None:
            started = time.perf_counter()
            super().append(table)
            seconds[fmt] += time.perf_counter() - started

        def close(self) -> Path:
            started = time.perf_counter()
            path: Path = super().close()
            seconds[fmt] += time.perf_counter() - started
            return path

    return Timed


@contextmanager
def timed_writers() -> Iterator[dict[str, float]]:
    """Within the block, the export's writers time themselves into the dict yielded (seconds by format)."""
    seconds = dict.fromkeys(FORMAT_ORDER, 0.0)
    originals = {name: getattr(streams, name) for name, _ in WRITERS.values()}
    try:
        for fmt, (name, base) in WRITERS.items():
            setattr(streams, name, _timed(base, fmt, seconds))
        yield seconds
    finally:
        for name, original in originals.items():
            setattr(streams, name, original)


def _json_document(name: str, frame: pd.DataFrame, labels: Sequence[str],
                   rows: list[list[object]]) -> dict[str, object]:
    """The Dataset-JSON 1.1 document of one dataset, its header fixed (the bench's own study OIDs)."""
    columns = [{"itemOID": f"IT.{name}.{column}", "name": column, "label": label,
                "dataType": "double" if frame[column].dtype.kind == "f" else "string"}
               for column, label in zip(frame.columns, labels, strict=True)]
    return {"datasetJSONCreationDateTime": "2026-05-01T12:00:00", "datasetJSONVersion": "1.1.0",
            "fileOID": f"BENCH/{name.lower()}", "originator": "bench",
            "sourceSystem": {"name": "bench", "version": "1"},
            "studyOID": "BENCH", "metaDataVersionOID": "MDV.BENCH", "metaDataRef": "define.xml",
            "itemGroupOID": f"IG.{name}", "records": len(rows), "name": name, "label": name, "columns": columns,
            "rows": rows}


def _bare_one(fmt: str, path: Path, scratch: Path, frame: pd.DataFrame, meta: Any, rows: list[list[object]]) -> float:
    name = str(meta.table_name or path.stem.upper())
    labels = [label or "" for label in meta.column_labels]
    started = time.perf_counter()
    if fmt == "xpt":
        pyreadstat.write_xport(frame, str(scratch / path.name), file_format_version=5, table_name=name,
                               column_labels=labels)
    elif fmt == "json":
        (scratch / f"{path.stem}.json").write_bytes(msgspec.json.encode(_json_document(name, frame, labels, rows)))
    else:
        with (scratch / f"{path.stem}.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(list(frame.columns))
            writer.writerows(rows)
    return time.perf_counter() - started


def bare_writes(files: Sequence[Path], scratch: Path, formats: Sequence[str]) -> dict[str, dict[str, float]]:
    """Seconds of the bare libraries writing each exported XPT dataset again, by format then dataset."""
    seconds: dict[str, dict[str, float]] = {fmt: {} for fmt in FORMAT_ORDER if fmt in formats}
    scratch.mkdir()
    for path in files:
        if path.suffix != ".xpt":
            continue
        frame, meta = pyreadstat.read_xport(str(path))
        name = str(meta.table_name or path.stem.upper())
        rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist() if set(formats) - {"xpt"} else []
        for fmt in seconds:
            seconds[fmt][name] = _bare_one(fmt, path, scratch, frame, meta, rows)
    return seconds
