"""SAS XPORT v5: real files written, read back with pyreadstat and pandas, and every v5 limit refused up front."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from export_samples import AE, AE_ROWS, CREATED, DM, DM_ROWS, SAMPLES, VS, VS_ROWS, char

from edc.export.formats.metadata import Dataset, DatasetClass
from edc.export.formats.table import ExportError, build_table
from edc.export.formats.xpt import sas_datetime, write_xpt


def expected_frame(dataset: Dataset, rows: list[dict[str, object]]) -> pd.DataFrame:
    """What a reader should see: text as written ("" when missing), numbers as floats (NaN when missing)."""
    table = build_table(dataset, rows, target=dataset.name)
    return pd.DataFrame(
        {name: pd.Series([float("nan") if value is None else value for value in table.column(name)],
                         dtype="float64" if variable.data_type.is_numeric else object)
         for name, variable in zip(dataset.names, dataset.variables, strict=True)}
    )


@pytest.mark.parametrize(("dataset", "rows"), SAMPLES, ids=[dataset.name for dataset, _ in SAMPLES])
def test_pyreadstat_reads_back_values_names_labels_and_lengths(
    tmp_path: Path, dataset: Dataset, rows: list[dict[str, object]]
) -> None:
    path = write_xpt(tmp_path, dataset, rows, created=CREATED)
    assert path == tmp_path / f"{dataset.name.lower()}.xpt"
    frame, meta = pyreadstat.read_xport(path)
    assert meta.table_name == dataset.name
    assert meta.file_label == dataset.label
    assert meta.column_names == list(dataset.names)
    assert meta.column_labels == [variable.label for variable in dataset.variables]
    assert meta.variable_storage_width == {variable.name: variable.storage_length for variable in dataset.variables}
    assert meta.number_rows == len(rows)
    pd.testing.assert_frame_equal(frame.astype(object), expected_frame(dataset, rows).astype(object),
                                  check_dtype=False)


# VS is read back with pyreadstat only: pandas' xport reader counts the rows of records shorter than 80
# bytes by the blank 8-byte words in the file's last 80 bytes, data included (VS rows are 73 bytes and end
# in blanks), so it drops the last row of a correct file.
@pytest.mark.parametrize(("dataset", "rows"), [(DM, DM_ROWS), (AE, AE_ROWS)], ids=["DM", "AE"])
def test_pandas_reads_back_the_same_values(tmp_path: Path, dataset: Dataset, rows: list[dict[str, object]]) -> None:
    path = write_xpt(tmp_path, dataset, rows, created=CREATED)
    frame = pd.read_sas(path, format="xport", encoding="ascii")
    assert list(frame.columns) == list(dataset.names)
    expected = expected_frame(dataset, rows)
    for variable in dataset.variables:
        got, want = list(frame[variable.name]), list(expected[variable.name])
        if variable.data_type.is_numeric:
            assert [None if math.isnan(v) else v for v in got] == [None if math.isnan(v) else v for v in want]
        else:
            assert got == want


def test_partial_dates_and_an_empty_optional_variable_survive(tmp_path: Path) -> None:
    frame, _ = pyreadstat.read_xport(write_xpt(tmp_path, DM, DM_ROWS, created=CREATED))
    assert list(frame["RFSTDTC"]) == ["2026-03", "2026-03-18T08:15", ""]
    assert list(frame["RFICDTC"]) == ["2026-02-10", "2026-02", "2026"]
    assert list(frame["DTHFL"]) == ["", "", ""]
    assert math.isnan(frame["AGE"][1])


def test_floats_keep_their_value(tmp_path: Path) -> None:
    frame, _ = pyreadstat.read_xport(write_xpt(tmp_path, VS, VS_ROWS, created=CREATED))
    assert list(frame["VSSTRESN"].fillna(-1)) == [61.5, 97.0, -1, 38.7]


def test_the_header_carries_the_given_creation_time(tmp_path: Path) -> None:
    data = write_xpt(tmp_path, AE, AE_ROWS, created=CREATED).read_bytes()
    assert sas_datetime(CREATED) == "01APR26:09:30:00"
    assert data.count(b"01APR26:09:30:00") == 4  # created and modified, of the library and of the member
    assert data[:80].startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD")


def test_every_v5_limit_is_reported_at_once_and_nothing_is_written(tmp_path: Path) -> None:
    dataset = Dataset("ADVERSEEV", "Adverse events as reported by the investigator", DatasetClass.EVENTS,
                      "One record per event", (
                          char("STUDYID", "Study Identifier", 8),
                          char("AETERM", "Reported Term", 200),
                          char("AELONGTEXT", "Reported Term for the Adverse Event (verbatim)", 250),
                      ))
    rows = [
        {"STUDYID": "IC19", "AETERM": "Müller reaction", "AELONGTEXT": "x" * 201},
        {"STUDYID": "IC19", "AETERM": "Tab\there", "AELONGTEXT": "short"},
    ]
    with pytest.raises(ExportError) as raised:
        write_xpt(tmp_path, dataset, rows, created=CREATED)
    assert [str(problem) for problem in raised.value.problems] == [
        "ADVERSEEV: dataset name 'ADVERSEEV' is not 1-8 uppercase letters and digits starting with a letter",
        "ADVERSEEV: dataset label of 46 characters is over 40: 'Adverse events as reported by the investigator'",
        "ADVERSEEV.AETERM row 1: 'ü' at position 2 is not printable ASCII: 'Müller reaction'",
        "ADVERSEEV.AETERM row 2: '\\t' at position 4 is not printable ASCII: 'Tab\\there'",
        "ADVERSEEV.AELONGTEXT: variable name 'AELONGTEXT' is not 1-8 uppercase letters and digits starting with a "
        "letter",
        "ADVERSEEV.AELONGTEXT: variable label of 46 characters is over 40: "
        "'Reported Term for the Adverse Event (verbatim)'",
        "ADVERSEEV.AELONGTEXT: declared length 250 is over XPT v5's 200",
        "ADVERSEEV.AELONGTEXT row 1: value of 201 bytes is over XPT v5's 200",
    ]
    assert str(raised.value).startswith(f"cannot write {tmp_path / 'adverseev.xpt'}: 8 problem(s)")
    assert list(tmp_path.iterdir()) == []


def test_a_value_over_its_declared_length_and_a_badly_typed_number_are_refused_too(tmp_path: Path) -> None:
    rows = [{**AE_ROWS[0], "AETERM": "y" * 201, "AESTDY": "3"}]
    with pytest.raises(ExportError) as raised:
        write_xpt(tmp_path, AE, rows, created=CREATED)
    assert [str(problem) for problem in raised.value.problems] == [
        "AE.AETERM row 1: value of 201 characters is longer than the declared length 200",
        "AE.AESTDY row 1: expected a number, got str '3'",
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["ae", "1AE", "AE_1", "AEÜ"])
def test_names_must_be_uppercase_letters_and_digits_starting_with_a_letter(tmp_path: Path, name: str) -> None:
    dataset = Dataset("AE", "Adverse Events", DatasetClass.EVENTS, "x", (char(name, "Label", 4),))
    with pytest.raises(ExportError, match=r"variable name .* is not 1-8 uppercase letters"):
        write_xpt(tmp_path, dataset, [{name: "a"}], created=CREATED)


def test_non_ascii_labels_are_refused(tmp_path: Path) -> None:
    dataset = Dataset("AE", "Unerwünschte Ereignisse", DatasetClass.EVENTS, "x", (char("AETERM", "Term", 4),))
    with pytest.raises(ExportError, match="dataset label has 'ü' at position 6, not printable ASCII"):
        write_xpt(tmp_path, dataset, [{"AETERM": "a"}], created=CREATED)


def test_an_empty_dataset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="AE: has no rows"):
        write_xpt(tmp_path, AE, [], created=CREATED)


def test_labels_and_names_at_the_limits_are_written(tmp_path: Path) -> None:
    dataset = Dataset("ABCDEFGH", "L" * 40, DatasetClass.EVENTS, "x", (char("VARNAME8", "V" * 40, 200),))
    value = "~" * 200
    frame, meta = pyreadstat.read_xport(write_xpt(tmp_path, dataset, [{"VARNAME8": value}], created=CREATED))
    assert (meta.table_name, meta.file_label, meta.column_labels) == ("ABCDEFGH", "L" * 40, ["V" * 40])
    assert frame["VARNAME8"][0] == value
