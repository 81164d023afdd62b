"""CDISC Dataset-JSON v1.1 files (ae.json): one dataset per file, metadata first, rows as arrays.

The attributes are written in the order the specification recommends (so a
streaming reader meets the columns before the rows), with itemGroupOID and
itemOIDs that are the OIDs define.xml defines. Every document is validated
against the schema in `schemas/` before it is written; an invalid one is
refused. Output is compact UTF-8 JSON and deterministic: only
`datasetJSONCreationDateTime` depends on the `created` argument.

`DatasetJsonStream` writes a large dataset a table (a chunk of its rows) at
a time: the rows are encoded by msgspec into a scratch file as they come,
and the document's head, which counts the records, is written before them
when the dataset is complete. The bytes are those `write_dataset_json`
writes for the whole table (floats Python writes with an exponent, which
msgspec spells differently, are encoded by the json module).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
from jsonschema import Draft202012Validator

from edc.export.formats.files import write_atomically, write_bytes_atomically
from edc.export.formats.metadata import DEFINE_FILE_NAME, Dataset, DataType
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, Refusal, Rows, Table, build_table

DATASET_JSON_VERSION = "1.1.0"
SCHEMA_RESOURCE = "schemas/dataset-json-1.1.schema.json"

DATA_TYPES = {
    DataType.TEXT: "string",
    DataType.INTEGER: "integer",
    DataType.FLOAT: "double",  # SAS numbers are 8-byte floats
    DataType.DATE: "date",
    DataType.DATETIME: "datetime",
}
"""Define-XML data type -> Dataset-JSON dataType; date and datetime values stay ISO 8601 strings."""


def write_dataset_json(
    directory: Path,
    dataset: Dataset,
    rows: Rows | Table,
    *,
    study: StudyInfo,
    created: datetime,
    db_last_modified: datetime | None = None,
) -> Path:
    """Write `directory/<name>.json` (lower case); ExportError lists every problem instead."""
    target = directory / f"{dataset.name.lower()}.json"
    table = build_table(dataset, rows, target=str(target))
    document = dataset_json(table, study=study, created=created, db_last_modified=db_last_modified)
    problems = schema_problems(document)
    if db_last_modified is not None and db_last_modified > created:
        problems.append("dbLastModifiedDateTime is after datasetJSONCreationDateTime")
    if problems:
        raise ExportError(str(target), [Refusal(dataset.name, message) for message in problems])
    write_bytes_atomically(target, serialise(document))
    return target


class DatasetJsonStream:
    """One dataset's Dataset-JSON file written chunk by chunk; `close` publishes it, `discard` removes the scratch.

    The rows of a `Table` are scalars of the columns' types, one per column (`build_table` made them so),
    so only the head is checked against the schema, once, at `close`.
    """

    def __init__(self, directory: Path, dataset: Dataset, *, study: StudyInfo, created: datetime) -> None:
        self.target = directory / f"{dataset.name.lower()}.json"
        self.dataset = dataset
        self.study = study
        self.created = created
        self.rows = 0
        self._floats = [index for index, variable in enumerate(dataset.variables)
                        if variable.data_type is DataType.FLOAT]
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{self.target.name}.", suffix=".rows")
        self._scratch = Path(name)
        self._file = os.fdopen(handle, "wb")

    def append(self, table: Table) -> None:
        if not table.rows:
            return
        encoded = encode_rows(table.rows, self._floats)
        self._file.write(b"," + encoded[1:-1] if self.rows else encoded[1:-1])
        self.rows += len(table.rows)

    def close(self) -> Path:
        """The head, counting the records, then the rows; ExportError when the head breaks the schema."""
        self._file.close()
        head = dataset_json(Table(self.dataset, ()), study=self.study, created=self.created) | {"records": self.rows}
        problems = schema_problems(head)
        if problems:
            self.discard()
            raise ExportError(str(self.target), [Refusal(self.dataset.name, message) for message in problems])
        opening = serialise(head)
        closing = b"]}\n"
        assert opening.endswith(b"[" + closing)  # the rows are the document's last member

        def write(path: Path) -> None:
            with path.open("wb") as out, self._scratch.open("rb") as rows:
                out.write(opening[:-len(closing)])
                shutil.copyfileobj(rows, out, 1 << 20)
                out.write(closing)

        try:
            write_atomically(self.target, write)
        finally:
            self._scratch.unlink(missing_ok=True)
        return self.target

    def discard(self) -> None:
        self._file.close()
        self._scratch.unlink(missing_ok=True)


def encode_rows(rows: Sequence[Sequence[object]], floats: Sequence[int]) -> bytes:
    """The rows as a compact JSON array, as `serialise` writes it: by msgspec, unless a float of the columns
    `floats` is one Python writes with an exponent (1e-05, 1e+16) and msgspec without, or otherwise."""
    for index in floats:
        for row in rows:
            value = row[index]
            if value and not 1e-4 <= abs(value) < 1e16:  # type: ignore[arg-type]
                return json.dumps(rows, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return msgspec.json.encode(rows)


def dataset_json(
    table: Table, *, study: StudyInfo, created: datetime, db_last_modified: datetime | None = None
) -> dict[str, Any]:
    """The Dataset-JSON document of a checked table, attributes in the specification's order."""
    dataset = table.dataset
    document: dict[str, Any] = {
        "datasetJSONCreationDateTime": _timestamp(created),
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "fileOID": f"{study.metadata_version_oid}/{dataset.name.lower()}",
    }
    if db_last_modified is not None:
        document["dbLastModifiedDateTime"] = _timestamp(db_last_modified)
    document |= {
        "originator": study.originator,
        "sourceSystem": {"name": study.source_system, "version": study.source_system_version},
        "studyOID": study.study_oid,
        "metaDataVersionOID": study.metadata_version_oid,
        "metaDataRef": DEFINE_FILE_NAME,
        "itemGroupOID": dataset.oid,
        "records": len(table.rows),
        "name": dataset.name,
        "label": dataset.label,
        "columns": _columns(dataset),
        "rows": [list(row) for row in table.rows],
    }
    return document


def _columns(dataset: Dataset) -> list[dict[str, Any]]:
    columns = []
    for variable in dataset.variables:
        column: dict[str, Any] = {
            "itemOID": dataset.item_oid(variable),
            "name": variable.name,
            "label": variable.label,
            "dataType": DATA_TYPES[variable.data_type],
        }
        # the specification gives lengths to string columns only; dates and numbers carry none
        if variable.data_type is DataType.TEXT:
            column["length"] = variable.storage_length
        if variable.key_sequence is not None:
            column["keySequence"] = variable.key_sequence
        columns.append(column)
    return columns


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def serialise(document: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON ending in a newline; NaN or infinity is an error, never written."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    """The Dataset-JSON 1.1 schema shipped with the package (see schemas/README.md)."""
    text = resources.files("edc.export.formats").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


_SCALARS = (str, int, float, bool, type(None))
"""The row schema's cell types (string, number, boolean, null): a row is an array of these."""


def schema_problems(document: Mapping[str, Any]) -> list[str]:
    """Every way `document` breaks the schema, each located by its JSON path.

    The schema validator walks the metadata; the rows, which the schema only
    asks to be arrays of scalars, are checked by a plain loop with the same
    rule (and each row's width against the columns): the validator descending
    into every cell was nearly all of the time to write a large dataset.
    """
    rows = document.get("rows")
    head = {**document, "rows": []} if isinstance(rows, list) else document
    errors = sorted(_validator().iter_errors(head), key=lambda error: error.json_path)
    problems = [f"{error.json_path}: {error.message}" for error in errors]
    if isinstance(rows, list):
        problems += _row_problems(rows, len(document.get("columns") or ()))
    return problems


def _row_problems(rows: list[Any], width: int) -> list[str]:
    problems = []
    for n, row in enumerate(rows):
        if not isinstance(row, list):
            problems.append(f"$.rows[{n}]: {row!r} is not of type 'array'")
        elif len(row) != width:
            problems.append(f"$.rows[{n}]: {len(row)} values for {width} columns")
        else:
            problems += [f"$.rows[{n}][{k}]: {value!r} is not of type 'string', 'number', 'boolean', 'null'"
                         for k, value in enumerate(row) if not isinstance(value, _SCALARS)]
    return problems
