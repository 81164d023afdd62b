"""Mapping hand-built relmacel subjects onto DM, AE and SUPPAE, and writing the result.

The subjects: a screen failure (01-001), a subject treated at DL1 with three
AEs, one ongoing and one with a partial start date (01-002), a subject
enrolled at DL1 who was never infused (01-003), and a subject assigned DL2
but infused at DL1 who died of an ICANS DLT (02-001).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.sdtm.loader import load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats.csvfile import write_csv
from edc.export.formats.datasetjson import write_dataset_json
from edc.export.formats.define import write_define
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import build_table
from edc.export.formats.xpt import write_xpt
from edc.export.sdtm.codelists import export_codelists
from edc.export.sdtm.derivations.timing import study_day
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData

CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def demographics(brthdat: str, age: int, sex: str, race: str) -> CapturedRecord:
    return CapturedRecord({"brthdat": brthdat, "age": age, "sex": sex, "race": race,
                           "ethnic": "NOT HISPANIC OR LATINO"})


def infusion(day: date, dose_level: str) -> CapturedRecord:
    return CapturedRecord({"exdat": day, "exsttim": time(9, 30), "exentim": time(9, 50), "dose_level": dose_level,
                       "dose_planned": 25.0, "weight_kg": 60.0, "cells_infused": 25.0})


def ae(aespid: str, term: str, start: object, *, grade: str = "1", cat: str = "OTHER", end: object = None,
       **extra: object) -> CapturedRecord:
    values = {"aespid": aespid, "aeterm": term, "aecat": cat, "aestdat": start, "aeongo": "N" if end else "Y",
              "aeendat": end, "aetoxgr": grade, "aeser": "N", "aerel": "POSSIBLY", "aerel_ld": "NOT_RELATED",
              "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "RECOVERED/RESOLVED" if end else
              "NOT RECOVERED/NOT RESOLVED"}
    return CapturedRecord({**values, **extra})


SCREEN_FAILURE = SubjectData(
    "01-001", "01", "screen_failed",
    records={"informed_consent": [CapturedRecord({"icdat": date(2026, 1, 3)})],
             "demographics": [demographics("1971", 54, "M", "ASIAN")]},
)
TREATED = SubjectData(
    "01-002", "01", "treated", dose_level="DL1", last_contact=date(2026, 3, 20),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 1, 5)})],
        "demographics": [demographics("1980-06", 45, "F", "NHOPI")],
        "cart_infusion": [infusion(date(2026, 2, 10), "DL1")],
        "lymphodepletion": [CapturedRecord({"exdat": date(2026, 2, 6), "extrt": "FLUDARABINE", "exdose": 30.0}),
                            CapturedRecord({"exdat": date(2026, 2, 5), "extrt": "FLUDARABINE", "exdose": 30.0})],
        "adverse_events": [
            ae("10", "Fatigue", "2026-02"),
            ae("2", "Cytokine release syndrome", date(2026, 2, 11), grade="3", cat="CRS", end=date(2026, 2, 14),
               aewrsdat=date(2026, 2, 12), aeimpdat=date(2026, 2, 13), aebasdat=date(2026, 2, 14),
               aesttim="08:30", aewrstim="14:00", aeimptim="09:15"),
            ae("1", "Headache", date(2026, 2, 9), end=date(2026, 2, 9)),
        ],
        "dlt_assessment": [CapturedRecord({"dlt_aespid": "2", "dlt": "N", "dlt_dat": date(2026, 2, 20),
                                       "dlt_rule": "grade 3 CRS back to grade 2 within 72 h", "dlt_inv": "Dr X",
                                       "dlt_adj": "PENDING"})],
    },
    committee_dlt={"2": "NOT_DLT"},  # the escalation service's verdict wins over the form's PENDING
)
NOT_TREATED = SubjectData(
    "003", "01", "enrolled", dose_level="DL1",
    records={"informed_consent": [CapturedRecord({"icdat": date(2026, 2, 1)})],
             "demographics": [demographics("1990-02", 35, "F", "WHITE")]},
)
DIED = SubjectData(
    "02-001", "02", "treated", dose_level="DL2", last_contact=date(2026, 3, 28),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 2, 2)})],
        "demographics": [demographics("1965", 60, "M", "ASIAN")],
        "cart_infusion": [infusion(date(2026, 3, 1), "DL1")],
        "adverse_events": [ae("1", "ICANS", date(2026, 3, 2), grade="4", cat="ICANS", aeser="Y", aesdth="N",
                              aeslife="Y", aeshosp="Y", aesdisab="N", aescong="N", aesmie="N",
                              aewrsdat=date(2026, 3, 3))],
        "dlt_assessment": [CapturedRecord({"dlt_aespid": "1", "dlt": "Y", "dlt_adj": "DLT"})],
        "death": [CapturedRecord({"dthdat": date(2026, 4, 1)})],
        "disposition": [CapturedRecord({"dsdecod": "DEATH", "dsstdat": date(2026, 4, 1)})],
    },
)
SUBJECTS = [SCREEN_FAILURE, TREATED, NOT_TREATED, DIED]


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    return load_specs(project_root() / "exports", study)


def by(rows: list[dict[str, object]], *keys: str) -> dict[tuple[object, ...], dict[str, object]]:
    return {tuple(row[key] for key in keys): row for row in rows}


def test_dm_one_row_per_subject_with_arms_and_reference_dates(study: StudyDefinition, specs: SpecSet) -> None:
    _, rows = map_dataset(study, specs, "DM", SUBJECTS)
    dm = by(rows, "SUBJID")

    assert [row["USUBJID"] for row in rows] == [
        "JWCAR029012-01-001", "JWCAR029012-01-002", "JWCAR029012-01-003", "JWCAR029012-02-001"]
    keys = ("ARMCD", "ARM", "ACTARMCD", "ACTARM", "ARMNRS", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFICDTC")
    assert {k: dm[("01-001",)][k] for k in keys} == {
        "ARMCD": None, "ARM": None, "ACTARMCD": None, "ACTARM": None, "ARMNRS": "SCREEN FAILURE",
        "RFSTDTC": None, "RFENDTC": None, "RFXSTDTC": None, "RFICDTC": "2026-01-03"}
    treated = dm[("01-002",)]
    assert treated["RFSTDTC"] == "2026-02-10T09:30"
    assert treated["RFXSTDTC"] == "2026-02-05"  # the first lymphodepletion dose: the first study treatment
    assert treated["RFXENDTC"] == "2026-02-10T09:50"
    assert treated["RFPENDTC"] == "2026-03-20"
    assert (treated["ARMCD"], treated["ARM"], treated["ACTARMCD"]) == ("DL1", "25 x 10^6 CAR+ T cells", "DL1")
    assert (treated["BRTHDTC"], treated["AGE"], treated["AGEU"]) == ("1980", 45, "YEARS")
    assert (treated["RACE"], treated["COUNTRY"], treated["DTHFL"]) == (
        "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER", "CHN", None)
    assert (treated["ARMNRS"], treated["ACTARMUD"]) == (None, None)
    not_treated = dm[("01-003",)]
    assert (not_treated["ARMCD"], not_treated["ACTARMCD"], not_treated["ACTARM"], not_treated["ARMNRS"]) == (
        "DL1", None, None, "ASSIGNED, NOT TREATED")
    died = dm[("02-001",)]
    assert (died["ARMCD"], died["ACTARMCD"], died["DTHDTC"], died["DTHFL"], died["RFENDTC"]) == (
        "DL2", "DL1", "2026-04-01", "Y", "2026-04-01")


def test_dm_holds_no_direct_identifiers(study: StudyDefinition, specs: SpecSet) -> None:
    _, rows = map_dataset(study, specs, "DM", SUBJECTS)

    assert all(row["BRTHDTC"] is None or len(str(row["BRTHDTC"])) == 4 for row in rows)
    values = {str(value) for row in rows for value in row.values()}
    assert not any("1980-06" in value or "Dr X" in value for value in values)


def test_ae_values_partial_dates_study_days_and_ongoing(study: StudyDefinition, specs: SpecSet) -> None:
    _, rows = map_dataset(study, specs, "AE", SUBJECTS)
    aes = by(rows, "USUBJID", "AESPID")

    headache = aes[("JWCAR029012-01-002", "1")]
    crs = aes[("JWCAR029012-01-002", "2")]
    fatigue = aes[("JWCAR029012-01-002", "10")]
    assert [headache["AESEQ"], crs["AESEQ"], fatigue["AESEQ"]] == [1, 2, 3]
    assert (headache["AESTDY"], headache["EPOCH"]) == (-1, "TREATMENT")  # day before infusion: no day 0
    assert (crs["AESTDY"], crs["AEENDY"], crs["EPOCH"], crs["AETOXGR"], crs["AECAT"]) == (2, 5, "FOLLOW-UP", "3", "CRS")
    assert (crs["AESTDTC"], crs["AEENDTC"]) == ("2026-02-11T08:30", "2026-02-14")  # the time where it was recorded
    assert (fatigue["AESTDTC"], fatigue["AESTDY"], fatigue["EPOCH"]) == ("2026-02", None, None)
    assert (fatigue["AEENRTPT"], fatigue["AEENTPT"], fatigue["AEENDTC"]) == ("ONGOING", "2026-03-20", None)
    assert (crs["AEENRTPT"], crs["AEREL"], crs["AEDECOD"]) == (None, "POSSIBLY RELATED", None)
    icans = aes[("JWCAR029012-02-001", "1")]
    assert (icans["AESER"], icans["AESLIFE"], icans["AESDTH"], icans["AESTDY"]) == ("Y", "Y", "N", 2)


def test_seq_and_rows_do_not_depend_on_input_order(study: StudyDefinition, specs: SpecSet) -> None:
    shuffled = []
    for subject in reversed(SUBJECTS):
        records = {form: random.Random(7).sample(list(found), len(found)) for form, found in subject.records.items()}
        shuffled.append(SubjectData(subject.subject_number, subject.site, subject.status, subject.dose_level,
                                    subject.last_contact, records, subject.committee_dlt))

    for name in ("DM", "AE", "SUPPAE"):
        assert map_dataset(study, specs, name, shuffled)[1] == map_dataset(study, specs, name, SUBJECTS)[1]


def test_suppae_dlt_adjudication_scale_and_dates(study: StudyDefinition, specs: SpecSet) -> None:
    _, rows = map_dataset(study, specs, "SUPPAE", SUBJECTS)
    supp = by(rows, "USUBJID", "IDVARVAL", "QNAM")

    crs = {qnam: row for (usubjid, seq, qnam), row in supp.items() if (usubjid, seq) == ("JWCAR029012-01-002", "2")}
    assert {qnam: row["QVAL"] for qnam, row in crs.items()} == {
        "AEDLT": "N", "AEDLTADJ": "N", "AETOXGRS": "ASTCT 2019", "AERELLD": "NOT RELATED",
        "AEWRSDTC": "2026-02-12T14:00", "AEIMPDTC": "2026-02-13T09:15", "AEBASDTC": "2026-02-14"}
    assert (crs["AEDLTADJ"]["QEVAL"], crs["AEDLT"]["QEVAL"], crs["AEDLT"]["IDVAR"]) == (
        "ADJUDICATION COMMITTEE", "INVESTIGATOR", "AESEQ")
    assert supp[("JWCAR029012-01-002", "1", "AETOXGRS")]["QVAL"] == "NCI CTCAE v5.0"
    assert ("JWCAR029012-01-002", "1", "AEDLT") not in supp  # no DLT assessment, no row
    assert supp[("JWCAR029012-02-001", "1", "AEDLTADJ")]["QVAL"] == "Y"


def test_study_day_has_no_day_zero() -> None:
    assert [study_day(d, "2026-02-10") for d in ("2026-02-09", "2026-02-10", "2026-02-11")] == [-1, 1, 2]
    assert study_day("2026-02", "2026-02-10") is None


def test_rows_pass_the_table_checks_and_the_writers(study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    info = StudyInfo(study_oid="JWCAR029012", name="RELMACEL", description="relma-cel in SLE",
                     protocol_name="JWCAR029012", originator="EDC mapping tests", ct_version="2024-12-20",
                     source_system_version="0.1.0")
    datasets = []
    for name in ("DM", "AE", "SUPPAE"):
        dataset, rows = map_dataset(study, specs, name, SUBJECTS)
        assert len(build_table(dataset, rows, target=name).rows) == len(rows) > 0
        write_xpt(tmp_path, dataset, rows, created=CREATED)
        write_dataset_json(tmp_path, dataset, rows, study=info, created=CREATED)
        write_csv(tmp_path, dataset, rows)
        datasets.append(dataset)
    write_define(tmp_path, info, datasets, export_codelists(study, specs), created=CREATED)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ae.csv", "ae.json", "ae.xpt", "define.xml", "dm.csv", "dm.json", "dm.xpt", "suppae.csv", "suppae.json",
        "suppae.xpt"]
