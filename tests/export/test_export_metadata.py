"""Export metadata checks its own consistency; rows are checked and normalised the same way for every format."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from export_samples import AE, AE_ROWS, COLLECTED, DM, DM_ROWS, VS, VS_ROWS, char

from edc.export.formats.codelist import SubmissionCodelist, Term
from edc.export.formats.metadata import Dataset, DatasetClass, DataType, Role, Variable
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, build_table

# --- metadata ---------------------------------------------------------------------------------


def test_a_character_variable_needs_a_length() -> None:
    with pytest.raises(ValueError, match="'AETERM': a text variable needs a length"):
        Variable("AETERM", "Reported Term", DataType.TEXT, Role.TOPIC, COLLECTED)


def test_a_numeric_variable_is_eight_bytes() -> None:
    assert Variable("AGE", "Age", DataType.INTEGER, Role.RECORD_QUALIFIER, COLLECTED).storage_length == 8


def test_variables_named_twice_and_gaps_in_keys_are_refused_together() -> None:
    with pytest.raises(ValueError) as raised:
        Dataset("DM", "Demographics", DatasetClass.SPECIAL_PURPOSE, "One record per subject", (
            char("STUDYID", "Study Identifier", 8, key_sequence=1),
            char("STUDYID", "Study Identifier", 8),
            char("USUBJID", "Unique Subject Identifier", 20, key_sequence=3),
        ))
    assert "variables named twice: STUDYID" in str(raised.value)
    assert "key sequences must run 1, 2, ..." in str(raised.value)


def test_keys_come_in_key_sequence_order() -> None:
    assert [variable.name for variable in AE.keys] == ["STUDYID", "USUBJID", "AEDECOD", "AESEQ"]


def test_oids_are_shared_by_every_format() -> None:
    assert DM.oid == "IG.DM"
    assert DM.item_oid(DM.variables[0]) == "IT.DM.STUDYID"
    assert DM.xpt_file_name == "dm.xpt"


def test_only_an_extensible_cdisc_codelist_takes_sponsor_terms() -> None:
    with pytest.raises(ValueError, match="'LYMPHO' extends a codelist that is not an extensible CDISC codelist"):
        SubmissionCodelist("CL.SEX", "Sex", (Term("F", "Female", "C16576"), Term("LYMPHO", "x", extended=True)),
                 nci_code="C66731")
    with pytest.raises(ValueError, match="not an extensible CDISC codelist"):
        SubmissionCodelist("CL.ARMCD", "Arm", (Term("DL1", extended=True),), extensible=True, sponsor_defined=True)


def test_decodes_are_all_or_nothing_and_sponsor_codelists_have_no_nci_code() -> None:
    with pytest.raises(ValueError) as raised:
        SubmissionCodelist("CL.ARMCD", "Arm", (Term("DL1", "Dose level 1"), Term("DL2")), nci_code="C1",
                 sponsor_defined=True)
    assert "either every term has a decode or none has" in str(raised.value)
    assert "a sponsor-defined codelist has no NCI code" in str(raised.value)


def test_study_metadata_version_oid() -> None:
    study = StudyInfo("IC19", "IC19", "d", "p", "o", ct_version="2024-12-20")
    assert study.metadata_version_oid == "MDV.IC19.SDTMIG.3.4"
    assert study.define_version == "2.1.0"


# --- rows -------------------------------------------------------------------------------------


def test_dicts_and_a_data_frame_give_the_same_table() -> None:
    frame = pd.DataFrame(VS_ROWS)[list(reversed(VS.names))]  # column order does not matter
    assert build_table(VS, frame, target="vs").rows == build_table(VS, VS_ROWS, target="vs").rows


def test_missing_values_are_empty_text_and_none() -> None:
    table = build_table(DM, DM_ROWS, target="dm")
    assert table.column("DTHFL") == ["", "", ""]
    assert table.column("AGE") == [34, None, 61]
    frame = build_table(DM, pd.DataFrame(DM_ROWS), target="dm")  # pandas turns None into NaN
    assert frame.column("AGE") == [34, None, 61]
    assert frame.column("DTHFL") == ["", "", ""]


def test_integers_are_int_and_floats_float() -> None:
    table = build_table(VS, VS_ROWS, target="vs")
    assert table.column("VSSEQ") == [1, 2, 3, 1]
    assert all(isinstance(value, int) for value in table.column("VSSEQ"))
    assert table.column("VSSTRESN") == [61.5, 97.0, None, 38.7]
    assert build_table(AE, [{**AE_ROWS[0], "AESEQ": 2.0}], target="ae").column("AESEQ") == [2]


def test_partial_iso_8601_dates_are_accepted() -> None:
    table = build_table(AE, AE_ROWS, target="ae")
    assert table.column("AESTDTC") == ["2026-03-20T14:05", "2026-03", "2026-03-01"]


@pytest.mark.parametrize("value", ["2026-3", "03/2026", "2026-13", "2026-03T10:00", "2026-03-01 10:00", "2026-02-30"])
def test_malformed_dates_are_refused(value: str) -> None:
    with pytest.raises(ExportError, match=r"AE\.AESTDTC row 1: .* is not an ISO 8601 datetime"):
        build_table(AE, [{**AE_ROWS[0], "AESTDTC": value}], target="ae.json")


def test_every_problem_of_every_row_is_reported_at_once() -> None:
    rows = [
        {**AE_ROWS[0], "AESEQ": "one", "AETERM": None},
        {**AE_ROWS[1], "AESTDY": 2.5, "AESER": 1},
        {**AE_ROWS[2], "AESTDY": math.inf},
    ]
    with pytest.raises(ExportError) as raised:
        build_table(AE, rows, target="ae.json")
    assert [str(problem) for problem in raised.value.problems] == [
        "AE.AESEQ row 1: expected a number, got str 'one'",
        "AE.AETERM row 1: mandatory variable is empty",
        "AE.AESER row 2: expected text, got int 1",
        "AE.AESTDY row 2: 2.5 is not a whole number",
        "AE.AESTDY row 3: inf is not a finite number",
    ]
    assert str(raised.value).startswith("cannot write ae.json: 5 problem(s)\n  - AE.AESEQ row 1:")


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(ExportError, match="expected a number, got bool True"):
        build_table(AE, [{**AE_ROWS[0], "AESTDY": True}], target="ae")


def test_values_longer_than_declared_are_refused() -> None:
    with pytest.raises(ExportError, match=r"AE\.AETOXGR row 1: value of 2 characters is longer than the declared "
                                          r"length 1"):
        build_table(AE, [{**AE_ROWS[0], "AETOXGR": "G2"}], target="ae")


def test_missing_and_foreign_columns_are_named() -> None:
    frame = pd.DataFrame(VS_ROWS).drop(columns=["VSDTC"]).assign(VSORRES="61.5")
    with pytest.raises(ExportError) as raised:
        build_table(VS, frame, target="vs")
    assert [str(problem) for problem in raised.value.problems] == [
        "VS: missing variables: VSDTC", "VS: variables not in the dataset: VSORRES",
    ]
    with pytest.raises(ExportError, match="VS row 2: missing variables: VSSTRESN"):
        build_table(VS, [VS_ROWS[0], {k: v for k, v in VS_ROWS[1].items() if k != "VSSTRESN"}], target="vs")
