"""CSV: a header of variable names, UTF-8, "\\n" line endings, quoting only where a field needs it."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from export_samples import AE, AE_ROWS, DM, DM_ROWS, SAMPLES, VS, VS_ROWS

from edc.export.formats.csvfile import write_csv
from edc.export.formats.metadata import Dataset
from edc.export.formats.table import ExportError, build_table


@pytest.mark.parametrize(("dataset", "rows"), SAMPLES, ids=[dataset.name for dataset, _ in SAMPLES])
def test_the_csv_module_reads_back_header_and_values(
    tmp_path: Path, dataset: Dataset, rows: list[dict[str, object]]
) -> None:
    path = write_csv(tmp_path, dataset, rows)
    assert path == tmp_path / f"{dataset.name.lower()}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header, *lines = list(csv.reader(handle))
    assert header == list(dataset.names)
    expected = [["" if value is None else str(value) for value in row]
                for row in build_table(dataset, rows, target="csv").rows]
    assert lines == expected


def test_pandas_reads_back_the_numbers(tmp_path: Path) -> None:
    frame = pd.read_csv(write_csv(tmp_path, VS, VS_ROWS), keep_default_na=False, na_values={"VSSTRESN": [""]})
    assert list(frame["VSSTRESN"].fillna(-1)) == [61.5, 97.0, -1, 38.7]
    assert list(frame["VSSEQ"]) == [1, 2, 3, 1]
    assert list(frame["VSDTC"]) == ["2026-03-18T07:40", "2026-03-20T14:30:00", "2026-03-21", "2026-03"]


def test_lines_end_in_newline_and_quotes_only_where_needed(tmp_path: Path) -> None:
    data = write_csv(tmp_path, DM, DM_ROWS).read_bytes()
    assert b"\r" not in data
    lines = data.decode("utf-8").split("\n")
    assert lines[0] == "STUDYID,DOMAIN,USUBJID,SUBJID,RFSTDTC,RFICDTC,DTHFL,SITEID,AGE,AGEU,SEX,ARMCD,ARM"
    assert lines[2] == ("IC19,DM,IC19-01-002,002,2026-03-18T08:15,2026-02,,01,,,M,DL1,"
                        "Dose level 1: 1 x 10^6 CAR-T cells/kg")
    assert lines[3].endswith(',"Dose level 2: 3 x 10^6 CAR-T cells/kg, ""split"" dose"')
    assert lines[-1] == ""  # the last line ends in "\n" too
    assert len(lines) == len(DM_ROWS) + 2


def test_text_is_utf8_and_line_breaks_inside_values_are_quoted(tmp_path: Path) -> None:
    rows = [{**AE_ROWS[0], "AETERM": "Müller's sign\nsecond line"}]
    data = write_csv(tmp_path, AE, rows).read_bytes()
    assert '"Müller\'s sign\nsecond line"'.encode() in data
    assert not data.startswith(b"\xef\xbb\xbf")  # no byte-order mark


def test_bad_rows_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"AE\.AESEQ row 1: expected a number"):
        write_csv(tmp_path, AE, [{**AE_ROWS[0], "AESEQ": "1"}])
    assert list(tmp_path.iterdir()) == []
