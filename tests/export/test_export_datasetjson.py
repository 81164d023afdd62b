"""Dataset-JSON 1.1: real files validated against the schema and read back; invalid output is never written."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from export_samples import AE, AE_ROWS, CREATED, DB_LAST_MODIFIED, DM, DM_ROWS, SAMPLES, STUDY, char
from jsonschema import Draft202012Validator

from edc.export.formats.datasetjson import dataset_json, schema, schema_problems, write_dataset_json
from edc.export.formats.metadata import Dataset, DatasetClass
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, build_table


def write(directory: Path, dataset: Dataset, rows: list[dict[str, object]]) -> dict[str, Any]:
    path = write_dataset_json(directory, dataset, rows, study=STUDY, created=CREATED,
                              db_last_modified=DB_LAST_MODIFIED)
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(("dataset", "rows"), SAMPLES, ids=[dataset.name for dataset, _ in SAMPLES])
def test_written_files_are_valid_against_the_packaged_schema(
    tmp_path: Path, dataset: Dataset, rows: list[dict[str, object]]
) -> None:
    document = write(tmp_path, dataset, rows)
    Draft202012Validator.check_schema(schema())
    assert list(Draft202012Validator(schema()).iter_errors(document)) == []


def test_top_level_metadata_in_the_specifications_order(tmp_path: Path) -> None:
    document = write(tmp_path, DM, DM_ROWS)
    assert list(document) == [
        "datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID", "dbLastModifiedDateTime", "originator",
        "sourceSystem", "studyOID", "metaDataVersionOID", "metaDataRef", "itemGroupOID", "records", "name", "label",
        "columns", "rows",
    ]
    assert {key: value for key, value in document.items() if key not in ("columns", "rows")} == {
        "datasetJSONCreationDateTime": "2026-04-01T09:30:00+00:00",
        "datasetJSONVersion": "1.1.0",
        "fileOID": "MDV.IC19.SDTMIG.3.4/dm",
        "dbLastModifiedDateTime": "2026-03-31T18:00:00+00:00",
        "originator": "EDC export tests",
        "sourceSystem": {"name": "edc", "version": "0.1.0"},
        "studyOID": "IC19",
        "metaDataVersionOID": "MDV.IC19.SDTMIG.3.4",
        "metaDataRef": "define.xml",
        "itemGroupOID": "IG.DM",
        "records": 3,
        "name": "DM",
        "label": "Demographics",
    }


def test_columns_carry_oids_types_lengths_and_keys(tmp_path: Path) -> None:
    columns = {column["name"]: column for column in write(tmp_path, AE, AE_ROWS)["columns"]}
    assert list(columns) == list(AE.names)
    assert columns["USUBJID"] == {"itemOID": "IT.AE.USUBJID", "name": "USUBJID", "label": "Unique Subject Identifier",
                                  "dataType": "string", "length": 20, "keySequence": 2}
    assert columns["AESEQ"] == {"itemOID": "IT.AE.AESEQ", "name": "AESEQ", "label": "Sequence Number",
                                "dataType": "integer", "keySequence": 4}
    assert columns["AESTDTC"]["dataType"] == "datetime"
    assert "length" not in columns["AESTDTC"]


def test_rows_hold_what_was_given(tmp_path: Path) -> None:
    document = write(tmp_path, DM, DM_ROWS)
    assert document["rows"] == [list(row) for row in build_table(DM, DM_ROWS, target="dm").rows]
    assert document["rows"][1][DM.names.index("AGE")] is None  # missing number: null
    assert document["rows"][1][DM.names.index("DTHFL")] == ""  # missing text: empty string
    assert document["rows"][0][DM.names.index("RFSTDTC")] == "2026-03"


def test_non_ascii_text_is_kept_as_utf8(tmp_path: Path) -> None:
    rows = [{**AE_ROWS[0], "AETERM": "Müller's sign"}]
    path = write_dataset_json(tmp_path, AE, rows, study=STUDY, created=CREATED)
    assert "Müller's sign".encode() in path.read_bytes()


def test_invalid_output_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    blank_oid = StudyInfo("", "IC19", "d", "p", "o", ct_version="2024-12-20", source_system_version="0.1.0")
    with pytest.raises(ExportError) as raised:
        write_dataset_json(tmp_path, DM, DM_ROWS, study=blank_oid, created=CREATED)
    assert [str(problem) for problem in raised.value.problems] == ["DM: $.studyOID: '' should be non-empty"]
    assert list(tmp_path.iterdir()) == []


def test_a_database_modified_after_the_file_was_created_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="dbLastModifiedDateTime is after datasetJSONCreationDateTime"):
        write_dataset_json(tmp_path, DM, DM_ROWS, study=STUDY, created=CREATED,
                           db_last_modified=datetime(2026, 4, 2, tzinfo=CREATED.tzinfo))


def test_bad_rows_are_refused_with_every_problem(tmp_path: Path) -> None:
    rows = [{**AE_ROWS[0], "AESTDY": "3", "AESTDTC": "20.03.2026"}]
    with pytest.raises(ExportError) as raised:
        write_dataset_json(tmp_path, AE, rows, study=STUDY, created=CREATED)
    assert [str(problem) for problem in raised.value.problems] == [
        "AE.AESTDTC row 1: '20.03.2026' is not an ISO 8601 datetime (right-truncated, e.g. 2026-03)",
        "AE.AESTDY row 1: expected a number, got str '3'",
    ]
    assert list(tmp_path.iterdir()) == []


def test_an_empty_dataset_is_metadata_only(tmp_path: Path) -> None:
    dataset = Dataset("AE", "Adverse Events", DatasetClass.EVENTS, "x", (char("AETERM", "Term", 4),))
    document = write(tmp_path, dataset, [])
    assert (document["records"], document["rows"]) == (0, [])


def test_row_check_refuses_what_the_schema_refuses() -> None:
    """The rows are checked by a loop, not the validator: the same documents fail, each bad cell located."""
    good = json.loads(json.dumps(write_document_of(DM, DM_ROWS)))
    bad = {**good, "rows": [good["rows"][0], {"not": "a row"}, [{"nested": 1}, *good["rows"][0][1:]],
                            good["rows"][0][:-1]]}
    validator = Draft202012Validator(schema())
    assert not list(validator.iter_errors(good)) and schema_problems(good) == []
    assert list(validator.iter_errors({**bad, "rows": bad["rows"][:3]}))  # the schema refuses them too
    assert schema_problems(bad) == [
        "$.rows[1]: {'not': 'a row'} is not of type 'array'",
        "$.rows[2][0]: {'nested': 1} is not of type 'string', 'number', 'boolean', 'null'",
        f"$.rows[3]: {len(DM.variables) - 1} values for {len(DM.variables)} columns",
    ]
    assert schema_problems({**good, "studyOID": ""}) == ["$.studyOID: '' should be non-empty"]


def write_document_of(dataset: Dataset, rows: list[dict[str, object]]) -> dict[str, Any]:
    return dataset_json(build_table(dataset, rows, target="x"), study=STUDY, created=CREATED)
