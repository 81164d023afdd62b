"""The streaming writers: a dataset written a chunk of rows at a time gives the bytes of the whole table written
at once, in XPT, Dataset-JSON and CSV; a chunk's refusal names its rows from the chunk's first row. And the
table of a validated frame, converted without a second check, is the one `build_table` gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from export_samples import AE, AE_ROWS, CODELISTS, CREATED, DM, DM_ROWS, STUDY, VS, VS_ROWS

from edc.export.formats.csvfile import CsvStream, write_csv
from edc.export.formats.datasetjson import DatasetJsonStream, write_dataset_json
from edc.export.formats.metadata import Dataset
from edc.export.formats.table import ExportError, Table, build_table, checked_table
from edc.export.formats.xpt import XptStream, write_xpt
from edc.export.sdtm.validation import as_frame, validate_dataset

# floats Python writes with an exponent (msgspec spells them otherwise) and one it does not
EXPONENTS = [{**VS_ROWS[0], "VSSEQ": 10 + n, "VSSTRESN": value, "VSDTC": f"2026-04-0{n + 1}"}
             for n, value in enumerate((1e-05, 1.5e16, 0.1))]


def _streamed(stream: XptStream | DatasetJsonStream | CsvStream, dataset: Dataset, rows: list[dict[str, object]],
              size: int) -> bytes:
    for start in range(0, len(rows), size):
        stream.append(build_table(dataset, rows[start:start + size], target=dataset.name))
    return stream.close().read_bytes()


@pytest.mark.parametrize(("dataset", "rows"), [(DM, DM_ROWS), (AE, AE_ROWS), (VS, VS_ROWS + EXPONENTS)])
@pytest.mark.parametrize("size", [1, 2])
def test_a_dataset_streamed_in_chunks_has_the_bytes_of_the_whole_table(
        tmp_path: Path, dataset: Dataset, rows: list[dict[str, object]], size: int) -> None:
    whole, chunked = tmp_path / "whole", tmp_path / "chunked"
    whole.mkdir()
    chunked.mkdir()

    expected = [write_xpt(whole, dataset, rows, created=CREATED).read_bytes(),
                write_dataset_json(whole, dataset, rows, study=STUDY, created=CREATED).read_bytes(),
                write_csv(whole, dataset, rows).read_bytes()]
    streamed = [_streamed(XptStream(chunked, dataset, created=CREATED), dataset, rows, size),
                _streamed(DatasetJsonStream(chunked, dataset, study=STUDY, created=CREATED), dataset, rows, size),
                _streamed(CsvStream(chunked, dataset), dataset, rows, size)]

    assert streamed == expected
    assert sorted(path.name for path in chunked.iterdir()) == sorted(path.name for path in whole.iterdir())


def test_a_refused_chunk_names_its_own_rows_and_a_discarded_stream_leaves_nothing(tmp_path: Path) -> None:
    stream = XptStream(tmp_path, AE, created=CREATED)
    stream.append(build_table(AE, AE_ROWS[:2], target="AE"))
    accented = [AE_ROWS[2], {**AE_ROWS[2], "AESEQ": 2, "AETERM": "Céphalée"}]

    with pytest.raises(ExportError) as refused:
        stream.append(build_table(AE, accented, target="AE"))
    stream.discard()

    assert [(problem.variable, problem.row) for problem in refused.value.problems] == [("AETERM", 2)]
    assert list(tmp_path.iterdir()) == []


def test_an_xpt_stream_without_rows_is_refused(tmp_path: Path) -> None:
    stream = XptStream(tmp_path, DM, created=CREATED)
    stream.append(Table(DM, ()))

    with pytest.raises(ExportError, match="has no rows"):
        stream.close()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("dataset", "rows"), [(DM, DM_ROWS), (AE, AE_ROWS), (VS, VS_ROWS + EXPONENTS)])
def test_a_validated_frame_converts_to_the_table_normalising_its_rows_gives(
        dataset: Dataset, rows: list[dict[str, object]]) -> None:
    frame = as_frame(rows)
    assert validate_dataset(dataset, frame, CODELISTS) == []
    # the frame as pandas infers it too: NaN for a missing number, floats for whole ones
    inferred = pd.DataFrame(rows)

    expected = build_table(dataset, rows, target=dataset.name)
    assert checked_table(dataset, frame) == expected
    assert checked_table(dataset, inferred) == expected
    assert all(type(a) is type(b) for got, want in zip(checked_table(dataset, inferred).rows, expected.rows,
                                                       strict=True) for a, b in zip(got, want, strict=True))


def test_a_frame_of_other_columns_is_no_checked_table() -> None:
    with pytest.raises(ValueError, match="given as DM"):
        checked_table(DM, as_frame(AE_ROWS))
