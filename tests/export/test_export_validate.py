"""SDTM conformance before writing: each failure is located by domain, variable, subject and value.

The sample DM, AE and VS datasets (export_samples) pass as they are; each
test breaks one thing and expects exactly that failure. SUPPAE, with the DLT
flag of the investigator and of the adjudication committee, is built here.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from export_samples import (
    AE,
    AE_ROWS,
    ASSIGNED,
    CODELISTS,
    COLLECTED,
    DM,
    DM_ROWS,
    SAMPLES,
    VS,
    VS_ROWS,
    char,
)

from edc.export.formats.codelist import SubmissionCodelist, Term
from edc.export.formats.metadata import Dataset, DatasetClass, Role
from edc.export.formats.table import Rows
from edc.export.sdtm.conformance import conforms, dataset_schema
from edc.export.sdtm.failures import Failure, SubmissionInvalid
from edc.export.sdtm.links import link_columns, validate_links
from edc.export.sdtm.validation import as_frame, check_submission, validate_dataset, validate_submission

SUPPAE_QNAM = SubmissionCodelist("CL.SUPPAE.QNAM", "SUPPAE Qualifier Names (sponsor-defined)", (
    Term("AEDLT", "Dose-Limiting Toxicity (investigator)"),
    Term("AEDLTADJ", "Dose-Limiting Toxicity (adjudicated)"),
), sponsor_defined=True)

SUPPAE = Dataset("SUPPAE", "Supplemental Qualifiers for AE", DatasetClass.RELATIONSHIP,
                 "One record per IDVAR, IDVARVAL, and QNAM value per subject", (
    char("STUDYID", "Study Identifier", 8, Role.IDENTIFIER, mandatory=True, key_sequence=1),
    char("RDOMAIN", "Related Domain Abbreviation", 2, Role.IDENTIFIER, mandatory=True, key_sequence=2),
    char("USUBJID", "Unique Subject Identifier", 20, Role.IDENTIFIER, mandatory=True, key_sequence=3),
    char("IDVAR", "Identifying Variable", 8, Role.IDENTIFIER, key_sequence=4),
    char("IDVARVAL", "Identifying Variable Value", 40, Role.IDENTIFIER, key_sequence=5),
    char("QNAM", "Qualifier Variable Name", 8, Role.TOPIC, codelist="CL.SUPPAE.QNAM", mandatory=True,
         key_sequence=6),
    char("QLABEL", "Qualifier Variable Label", 40, Role.SYNONYM_QUALIFIER, mandatory=True),
    char("QVAL", "Data Value", 200, Role.RESULT_QUALIFIER, codelist="CL.NY", mandatory=True),
    char("QORIG", "Origin", 20, Role.RECORD_QUALIFIER, origin=ASSIGNED, mandatory=True),
    char("QEVAL", "Evaluator", 40, Role.RECORD_QUALIFIER, origin=COLLECTED),
))

SUPPAE_ROWS: list[dict[str, object]] = [
    {"STUDYID": "IC19", "RDOMAIN": "AE", "USUBJID": "IC19-01-001", "IDVAR": "AESEQ", "IDVARVAL": "1",
     "QNAM": "AEDLT", "QLABEL": "Dose-Limiting Toxicity", "QVAL": "Y", "QORIG": "Collected", "QEVAL": "INVESTIGATOR"},
    {"STUDYID": "IC19", "RDOMAIN": "AE", "USUBJID": "IC19-01-001", "IDVAR": "AESEQ", "IDVARVAL": "1",
     "QNAM": "AEDLTADJ", "QLABEL": "Dose-Limiting Toxicity, Adjudicated", "QVAL": "N", "QORIG": "Assigned",
     "QEVAL": "ADJUDICATION COMMITTEE"},
    {"STUDYID": "IC19", "RDOMAIN": "AE", "USUBJID": "IC19-01-002", "IDVAR": "AESEQ", "IDVARVAL": "1",
     "QNAM": "AEDLT", "QLABEL": "Dose-Limiting Toxicity", "QVAL": "N", "QORIG": "Collected", "QEVAL": "INVESTIGATOR"},
]

ALL_CODELISTS = (*CODELISTS, SUPPAE_QNAM)


def submission(**changed: Rows) -> dict[str, tuple[Dataset, Rows]]:
    """The valid sample submission, with the rows of the datasets named in `changed` replaced."""
    datasets: dict[str, tuple[Dataset, Rows]] = {dataset.name: (dataset, rows) for dataset, rows in SAMPLES}
    datasets["SUPPAE"] = (SUPPAE, SUPPAE_ROWS)
    for name, rows in changed.items():
        datasets[name] = (datasets[name][0], rows)
    return datasets


def edited(rows: list[dict[str, object]], row: int, **values: object) -> list[dict[str, object]]:
    """A copy of `rows` with the 0-based `row` changed."""
    copy = [dict(record) for record in rows]
    copy[row].update(values)
    return copy


def failures_of(**changed: Rows) -> list[Failure]:
    return validate_submission(submission(**changed), ALL_CODELISTS)


def located(failures: list[Failure]) -> list[tuple[str, str | None, str | None, object]]:
    return [(failure.domain, failure.variable, failure.usubjid, failure.value) for failure in failures]


def test_the_valid_submission_passes() -> None:
    assert failures_of() == []
    check_submission(submission(), ALL_CODELISTS)


def test_a_dataframe_with_missing_integers_held_as_floats_passes() -> None:
    frame = pd.DataFrame(AE_ROWS)
    assert frame["AESTDY"].dtype == "float64"  # None made the column float: 3.0, NaN, -17.0
    assert validate_dataset(AE, frame, CODELISTS) == []


def test_an_impossible_date_is_reported_with_domain_variable_subject_and_value() -> None:
    failures = failures_of(AE=edited(AE_ROWS, 0, AESTDTC="2026-02-30"))
    assert located(failures) == [("AE", "AESTDTC", "IC19-01-001", "2026-02-30")]
    assert str(failures[0]) == ("AE.AESTDTC row 1 (IC19-01-001): '2026-02-30' is not an ISO 8601 date/time "
                                "(right-truncated, e.g. 2026-03)")


@pytest.mark.parametrize("value", ["2026", "2026-03", "2026-03-05", "2026-03-05T10:30", "2024-02-29T23:59:59",
                                   "2026-03-05T10:30Z", ""])
def test_right_truncated_iso8601_values_pass(value: str) -> None:
    assert failures_of(AE=edited(AE_ROWS, 0, AESTDTC=value)) == []


@pytest.mark.parametrize("value", ["2026-13", "2026-3-5", "2026-03T10:00", "2025-02-29", "2026-03-05T24:00",
                                   "05/03/2026", "2026-03-05 10:30"])
def test_values_that_are_not_iso8601_fail(value: str) -> None:
    assert located(failures_of(AE=edited(AE_ROWS, 0, AESTDTC=value))) == [("AE", "AESTDTC", "IC19-01-001", value)]


def test_a_date_variable_takes_no_time() -> None:
    failures = failures_of(DM=edited(DM_ROWS, 1, RFICDTC="2026-02-10T09:00"))
    assert set(located(failures)) == {("DM", "RFICDTC", "IC19-01-002", "2026-02-10T09:00")}
    assert [f.message for f in failures] == ["is longer than the declared length 10",
                                             "is not an ISO 8601 date (right-truncated, e.g. 2026-03)"]


def test_a_value_outside_a_non_extensible_codelist_fails() -> None:
    failures = failures_of(DM=edited(DM_ROWS, 2, SEX="U"))
    assert located(failures) == [("DM", "SEX", "IC19-02-003", "U")]
    assert failures[0].message == "is not a term of codelist CL.SEX (non-extensible)"


def test_an_extensible_codelist_takes_declared_sponsor_terms_only() -> None:
    assert failures_of(AE=edited(AE_ROWS, 0, EPOCH="LYMPHODEPLETION")) == []  # declared extended in CL.EPOCH
    failures = failures_of(AE=edited(AE_ROWS, 0, EPOCH="FOLLOW-UP"))
    assert located(failures) == [("AE", "EPOCH", "IC19-01-001", "FOLLOW-UP")]
    assert "extensible" in failures[0].message


def test_a_value_longer_than_its_declared_length_fails() -> None:
    failures = failures_of(DM=edited(DM_ROWS, 0, SITEID="001"))
    assert located(failures) == [("DM", "SITEID", "IC19-01-001", "001")]
    assert failures[0].message == "is longer than the declared length 2"


def test_a_value_over_200_bytes_fails_even_within_its_declared_length() -> None:
    term = "é" * 150  # 150 characters, 300 bytes in UTF-8
    failures = failures_of(AE=edited(AE_ROWS, 2, AETERM=term))
    assert located(failures) == [("AE", "AETERM", "IC19-01-002", term)]
    assert "200 bytes" in failures[0].message


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_a_missing_required_value_fails(empty: object) -> None:
    failures = failures_of(AE=edited(AE_ROWS, 1, AETERM=empty))
    assert [(f.domain, f.variable, f.usubjid, f.row) for f in failures] == [("AE", "AETERM", "IC19-01-001", 2)]
    assert failures[0].message == "is empty, but the variable is Required"


def test_an_optional_value_may_be_empty() -> None:
    assert failures_of(DM=edited(DM_ROWS, 0, DTHFL=None, AGE=None, RFSTDTC="")) == []


def test_duplicate_keys_are_reported_on_each_record() -> None:
    rows = [*AE_ROWS, dict(AE_ROWS[2])]
    failures = failures_of(AE=rows)
    key = ("IC19", "IC19-01-002", "Headache", 1)
    keyed = [f for f in failures if f.variable == "STUDYID/USUBJID/AEDECOD/AESEQ"]
    assert [(f.row, f.usubjid, f.value) for f in keyed] == [(3, "IC19-01-002", key), (4, "IC19-01-002", key)]
    assert keyed[0].message == "duplicates the key (STUDYID, USUBJID, AEDECOD, AESEQ) of another record"


def test_a_sequence_number_used_twice_for_a_subject_fails_even_when_the_keys_differ() -> None:
    failures = failures_of(AE=edited(AE_ROWS, 1, AESEQ=1))
    assert located(failures) == [("AE", "AESEQ", "IC19-01-001", 1), ("AE", "AESEQ", "IC19-01-001", 1)]
    assert [f.row for f in failures] == [1, 2]
    assert failures[0].message == "is used twice for this subject"


def test_the_same_sequence_number_for_two_subjects_passes() -> None:
    assert [row["AESEQ"] for row in AE_ROWS if row["AESEQ"] == 1] == [1, 1]  # IC19-01-001 and IC19-01-002
    assert failures_of() == []


@pytest.mark.parametrize(("value", "message"), [
    (0, "is not a positive integer"),
    (1.5, "is not a whole number"),
    ("1", "is not a finite number"),
    (True, "is not a finite number"),
])
def test_a_sequence_number_is_a_positive_integer(value: object, message: str) -> None:
    failures = failures_of(VS=edited(VS_ROWS, 3, VSSEQ=value))
    assert (failures[0].domain, failures[0].variable, failures[0].usubjid) == ("VS", "VSSEQ", "IC19-01-002")
    assert message in [f.message for f in failures]


def test_the_one_pass_check_passes_only_what_the_schema_passes() -> None:
    """`conforms` decides alone only that nothing fails; what it refuses the schema checks and names."""
    assert conforms(AE, pd.DataFrame(AE_ROWS), CODELISTS) and conforms(VS, as_frame(VS_ROWS), CODELISTS)
    assert not conforms(VS, as_frame(edited(VS_ROWS, 3, VSSEQ=True)), CODELISTS)  # equals row 1's 1, no number
    assert not conforms(VS, as_frame(edited(VS_ROWS, 1, VSSEQ=1)), CODELISTS)  # USUBJID and VSSEQ twice
    assert not conforms(VS, as_frame(edited(VS_ROWS, 1, VSSEQ=None)), CODELISTS)  # a Required null
    odd_null = as_frame(edited(VS_ROWS, 0, VSDTC=pd.NA))
    assert not conforms(VS, odd_null, CODELISTS) and validate_dataset(VS, odd_null, CODELISTS) == []
    assert not conforms(VS, as_frame(edited(VS_ROWS, 0, VSDTC=["2026-03"])), CODELISTS)  # unhashable


def test_a_number_in_a_character_variable_fails() -> None:
    failures = failures_of(DM=edited(DM_ROWS, 0, SUBJID=1))
    assert located(failures) == [("DM", "SUBJID", "IC19-01-001", 1)]
    assert failures[0].message == "is not text"


def test_the_domain_variable_holds_the_domain_code() -> None:
    assert failures_of(AE=edited(AE_ROWS, 0, DOMAIN="DM")) == []  # these sample datasets leave Dataset.domain unset
    domain_ae = Dataset(AE.name, AE.label, AE.dataset_class, AE.structure, AE.variables, domain="AE")
    failures = validate_dataset(domain_ae, edited(AE_ROWS, 0, DOMAIN="DM"), CODELISTS)
    assert located(failures) == [("AE", "DOMAIN", "IC19-01-001", "DM")]


def test_columns_must_be_the_declared_variables_in_order() -> None:
    frame = pd.DataFrame(DM_ROWS).drop(columns=["ARM"]).assign(RACE="WHITE")
    failures = validate_dataset(DM, frame, CODELISTS)
    assert ("DM", "ARM", None, None) in located(failures)
    assert ("DM", "RACE", None, None) in located(failures)
    assert {f.message for f in failures} >= {"is declared but missing from the dataset",
                                              "is not a variable of the dataset"}
    reordered = pd.DataFrame(DM_ROWS)[["USUBJID", *[name for name in DM.names if name != "USUBJID"]]]
    assert "is out of the declared variable order" in {f.message for f in validate_dataset(DM, reordered, CODELISTS)}


def test_an_ae_subject_missing_from_dm_fails_once_per_subject() -> None:
    stranger = {**AE_ROWS[2], "USUBJID": "IC19-09-999"}
    failures = failures_of(AE=[*AE_ROWS, stranger, {**stranger, "AESEQ": 2}])
    assert located(failures) == [("AE", "USUBJID", "IC19-09-999", "IC19-09-999")]
    assert str(failures[0]) == "AE.USUBJID row 4 (IC19-09-999): 'IC19-09-999' is not a subject in DM"


def test_subject_level_data_without_dm_fails() -> None:
    datasets = submission()
    del datasets["DM"]
    assert located(validate_submission(datasets, ALL_CODELISTS)) == [("DM", None, None, None)]


def test_a_suppae_record_pointing_at_a_missing_aeseq_fails() -> None:
    failures = failures_of(SUPPAE=edited(SUPPAE_ROWS, 2, IDVARVAL="7"))
    assert located(failures) == [("SUPPAE", "IDVARVAL", "IC19-01-002", "7")]
    assert failures[0].message == "is not the AESEQ of a record of this subject in AE"


def test_a_suppae_record_points_at_its_own_subjects_record() -> None:
    # AESEQ 2 exists, but for IC19-01-001, not for IC19-01-002
    assert located(failures_of(SUPPAE=edited(SUPPAE_ROWS, 2, IDVARVAL="2"))) == [
        ("SUPPAE", "IDVARVAL", "IC19-01-002", "2")]


def test_a_supp_record_naming_an_unknown_domain_or_variable_fails() -> None:
    assert located(failures_of(SUPPAE=edited(SUPPAE_ROWS, 0, RDOMAIN="CM"))) == [
        ("SUPPAE", "RDOMAIN", "IC19-01-001", "CM")]
    assert located(failures_of(SUPPAE=edited(SUPPAE_ROWS, 0, IDVAR="AEGRPID"))) == [
        ("SUPPAE", "IDVAR", "IC19-01-001", "AEGRPID")]



def test_a_supp_dataset_naming_its_parents_domain_still_finds_the_parent_records() -> None:
    # the mapping declares SUPPAE with domain AE, as define.xml wants: AE stays the parent
    datasets = submission()
    datasets["SUPPAE"] = (replace(SUPPAE, domain="AE"), SUPPAE_ROWS)
    assert validate_submission(datasets, ALL_CODELISTS) == []
    datasets["SUPPAE"] = (replace(SUPPAE, domain="AE"), edited(SUPPAE_ROWS, 2, IDVARVAL="7"))
    assert located(validate_submission(datasets, ALL_CODELISTS)) == [("SUPPAE", "IDVARVAL", "IC19-01-002", "7")]


def test_the_links_need_only_the_link_columns() -> None:
    stranger = {**AE_ROWS[2], "USUBJID": "IC19-09-999"}
    datasets = submission(AE=[*AE_ROWS, stranger], SUPPAE=edited(SUPPAE_ROWS, 2, IDVARVAL="7"))
    slim = [(dataset, as_frame(rows)[list(link_columns(dataset))]) for dataset, rows in datasets.values()]

    assert link_columns(SUPPAE) == ("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL")
    assert {"USUBJID", "AESEQ"} <= set(link_columns(AE)) < set(AE.names)
    assert validate_links(slim) == failures_of(AE=[*AE_ROWS, stranger], SUPPAE=edited(SUPPAE_ROWS, 2, IDVARVAL="7"))
    assert located(validate_links(slim)) == [
        ("AE", "USUBJID", "IC19-09-999", "IC19-09-999"), ("SUPPAE", "IDVARVAL", "IC19-01-002", "7")]

RELREC = Dataset("RELREC", "Related Records", DatasetClass.RELATIONSHIP, "One record per related record", (
    char("STUDYID", "Study Identifier", 8, Role.IDENTIFIER, mandatory=True, key_sequence=1),
    char("RDOMAIN", "Related Domain Abbreviation", 2, Role.IDENTIFIER, mandatory=True, key_sequence=2),
    char("USUBJID", "Unique Subject Identifier", 20, Role.IDENTIFIER, key_sequence=3),
    char("IDVAR", "Identifying Variable", 8, Role.IDENTIFIER, mandatory=True, key_sequence=4),
    char("IDVARVAL", "Identifying Variable Value", 40, Role.IDENTIFIER, key_sequence=5),
    char("RELTYPE", "Relationship Type", 4, Role.RECORD_QUALIFIER),
    char("RELID", "Relationship Identifier", 8, Role.RECORD_QUALIFIER, mandatory=True, key_sequence=6),
))


def relrec(*rows: tuple[str, str, str, str, str]) -> list[dict[str, object]]:
    names = ("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELTYPE")
    return [{"STUDYID": "IC19", **dict(zip(names, row, strict=True)), "RELID": "R1"} for row in rows]


def test_relrec_records_point_at_existing_records_and_dataset_links_at_existing_variables() -> None:
    datasets = submission()
    datasets["RELREC"] = (RELREC, relrec(
        ("AE", "IC19-01-001", "AESEQ", "1", ""),  # CRS ...
        ("VS", "IC19-01-001", "VSSEQ", "2", ""),  # ... and the SpO2 taken during it
        ("AE", "", "AEDECOD", "", "ONE"),  # a link between datasets names no subject
    ))
    assert validate_submission(datasets, ALL_CODELISTS) == []
    datasets["RELREC"] = (RELREC, relrec(
        ("VS", "IC19-01-001", "VSSEQ", "9", ""),
        ("AE", "IC19-09-999", "AESEQ", "1", ""),
        ("AE", "", "AEGRPID", "", "ONE"),
    ))
    assert located(validate_submission(datasets, ALL_CODELISTS)) == [
        ("RELREC", "USUBJID", "IC19-09-999", "IC19-09-999"),  # not in DM ...
        ("RELREC", "IDVARVAL", "IC19-01-001", "9"),
        ("RELREC", "IDVARVAL", "IC19-09-999", "1"),  # ... and so without AE records
        ("RELREC", "IDVAR", None, "AEGRPID"),
    ]


def test_a_subject_level_qualifier_without_idvar_points_at_the_subjects_dm_record() -> None:
    qnam = next(variable for variable in SUPPAE.variables if variable.name == "QNAM")
    variables = tuple(replace(qnam, codelist=None) if v is qnam else v for v in SUPPAE.variables)
    suppdm = Dataset("SUPPDM", "Supplemental Qualifiers for DM", DatasetClass.RELATIONSHIP, SUPPAE.structure,
                     variables)
    row = {**SUPPAE_ROWS[0], "RDOMAIN": "DM", "IDVAR": "", "IDVARVAL": "", "QNAM": "RACEOTH",
           "QLABEL": "Race, Other", "QVAL": "Y", "QEVAL": ""}
    datasets = submission()
    datasets["SUPPDM"] = (suppdm, [row])
    assert validate_submission(datasets, ALL_CODELISTS) == []


def test_several_failures_are_all_reported_and_check_submission_raises_them_together() -> None:
    changed = submission(
        DM=edited(DM_ROWS, 0, SEX="X"),
        AE=[*edited(AE_ROWS, 0, AESTDTC="2026-02-30"), {**AE_ROWS[2], "USUBJID": "IC19-09-999"}],
        SUPPAE=edited(SUPPAE_ROWS, 1, IDVARVAL="9"),
    )
    with pytest.raises(SubmissionInvalid) as raised:
        check_submission(changed, ALL_CODELISTS)
    assert located(list(raised.value.failures)) == [
        ("DM", "SEX", "IC19-01-001", "X"),
        ("AE", "AESTDTC", "IC19-01-001", "2026-02-30"),
        ("AE", "USUBJID", "IC19-09-999", "IC19-09-999"),
        ("SUPPAE", "IDVARVAL", "IC19-01-001", "9"),
    ]
    assert "4 failure(s)" in str(raised.value)
    assert "  - DM.SEX row 1 (IC19-01-001): 'X' is not a term of codelist CL.SEX" in str(raised.value)


def test_a_variable_referring_to_an_undefined_codelist_is_a_metadata_error() -> None:
    with pytest.raises(ValueError, match=r"SEX -> CL\.SEX"):
        dataset_schema(DM, [codelist for codelist in CODELISTS if codelist.id != "CL.SEX"])
