"""SDTMIG 3.4 conformance of small hand-built relmacel exports (issue 19: what CDISC CORE reported).

One subject treated at DL1, infused on 2026-02-10 (SDTM day 1), with a
medication, a history event and a lymphodepletion dose; each test maps one
dataset and checks the variables CORE asks for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.sdtm.loader import load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData

TREATED = SubjectData(
    "01-002", "01", "treated", dose_level="DL1", last_contact=date(2026, 3, 20),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 1, 5)})],
        "cart_infusion": [CapturedRecord({"exdat": date(2026, 2, 10), "exsttim": time(9, 30),
                                          "exentim": time(9, 50), "dose_level": "DL1", "dose_planned": 25.0,
                                          "weight_kg": 60.0, "cells_infused": 25.0})],
        "lymphodepletion": [CapturedRecord({"exdat": date(2026, 2, 5), "extrt": "FLUDARABINE", "exdose": 30.0,
                                            "bsa": 1.8, "exdose_total": 54.0})],
        "concomitant_medications": [CapturedRecord({"cmtrt": "Paracetamol", "cmstdat": date(2026, 2, 9),
                                                    "cmongo": "N", "cmendat": date(2026, 2, 12)})],
        "medical_history": [CapturedRecord({"mhterm": "Lupus nephritis", "mhstdat": date(2020, 5, 1),
                                            "mhongo": "N", "mhendat": date(2026, 2, 10)})],
    },
)


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    return load_specs(project_root() / "exports", study)


def one(study: StudyDefinition, specs: SpecSet, dataset: str) -> list[dict[str, object]]:
    return map_dataset(study, specs, dataset, [TREATED])[1]


def test_study_days_of_every_dated_event(study: StudyDefinition, specs: SpecSet) -> None:
    """CORE-000776/000328: --STDY/--ENDY wherever --STDTC/--ENDTC exist (no day 0: the day before is -1)."""
    [cm] = one(study, specs, "CM")
    [mh] = one(study, specs, "MH")
    ec = one(study, specs, "EC")

    assert (cm["CMSTDY"], cm["CMENDY"]) == (-1, 3)
    assert (mh["MHSTDY"], mh["MHENDY"]) == (-2111, 1)
    assert [(row["ECCAT"], row["ECMOOD"], row["ECSTDY"], row["ECENDY"]) for row in ec] == [
        ("LYMPHODEPLETION", "PERFORMED", -5, -5), ("CAR-T", "PERFORMED", 1, 1), ("CAR-T", "SCHEDULED", 1, 1)]


def test_ex_holds_the_dose_administered_and_ec_what_was_collected(study: StudyDefinition, specs: SpecSet) -> None:
    """SDTMIG 3.4 EX/EC: EX the treatment as given in the protocol's unit; EC as collected, planned dose SCHEDULED."""
    short = replace(TREATED, records={**TREATED.records, "cart_infusion": [CapturedRecord({
        **TREATED.records["cart_infusion"][0].values, "cells_infused": 22.5})]})
    ex = map_dataset(study, specs, "EX", [short])[1]
    ec = map_dataset(study, specs, "EC", [short])[1]

    assert [(r["EXCAT"], r["EXDOSE"], r["EXDOSU"]) for r in ex] == [
        ("LYMPHODEPLETION", 30.0, "mg/m2"), ("CAR-T", 22.5, "10^6 cells")]  # given, not the 25 planned
    assert [(r["ECCAT"], r["ECMOOD"], r["ECDOSE"], r["ECDOSU"]) for r in ec] == [
        ("LYMPHODEPLETION", "PERFORMED", 54.0, "mg"), ("CAR-T", "PERFORMED", 22.5, "10^6 cells"),
        ("CAR-T", "SCHEDULED", 25.0, "10^6 cells")]


def test_ex_states_a_per_kg_dose_per_kg(catalog: Catalog) -> None:
    """A study dosed per kg (RD06-04, 10^5 cells/kg levels) writes EXDOSE per kg: 6 x 10^6 cells at 60 kg = 0.1."""
    rd0604 = catalog.study("rd0604")
    subject = replace(TREATED, records={"cart_infusion": [CapturedRecord({
        **TREATED.records["cart_infusion"][0].values, "dose_planned": 6.0, "cells_infused": 6.0,
        "dose_per_kg": 0.1})]})
    [ex] = map_dataset(rd0604, load_specs(project_root() / "exports", rd0604), "EX", [subject])[1]
    assert (ex["EXDOSE"], ex["EXDOSU"]) == (0.1, "10^6 cells/kg")


def labs(subject: SubjectData) -> SubjectData:
    """The subject with two blood counts before the infusion and a urinalysis after the second."""
    return replace(subject, records={
        **subject.records,
        "haematology": [
            CapturedRecord({"lbdat": date(2026, 1, 20), "wbc": 5.0, "wbc_lln": 4.0, "wbc_uln": 10.0,
                            "lymph": 0.89, "lymph_lln": 1.1, "lymph_uln": 3.2}),
            CapturedRecord({"lbdat": date(2026, 1, 28), "wbc": 11.5, "wbc_lln": 4.0, "wbc_uln": 10.0})],
        "urinalysis": [CapturedRecord({"lbdat": date(2026, 2, 1), "wbc": 3})]})


def test_lab_reference_range_indicator_and_baseline_per_specimen(study: StudyDefinition, specs: SpecSet) -> None:
    """LBNRIND from the laboratory's range; LBLOBXFL per test and specimen (urine WBC is not blood WBC)."""
    rows = map_dataset(study, specs, "LB", [labs(TREATED)])[1]
    found = {(row["LBTESTCD"], row["LBSPEC"], row["LBDTC"]): row for row in rows}

    assert found[("LYMPH", "BLOOD", "2026-01-20")]["LBNRIND"] == "LOW"
    assert found[("WBC", "BLOOD", "2026-01-20")]["LBNRIND"] == "NORMAL"
    assert found[("WBC", "BLOOD", "2026-01-28")]["LBNRIND"] == "HIGH"
    assert found[("WBC", "URINE", "2026-02-01")]["LBNRIND"] is None  # no range entered
    assert [key for key, row in found.items() if row["LBLOBXFL"] == "Y"] == [
        ("LYMPH", "BLOOD", "2026-01-20"), ("WBC", "BLOOD", "2026-01-28"), ("WBC", "URINE", "2026-02-01")]


def test_dosing_bsa_is_one_dated_row_and_nyha_has_the_echo_date(study: StudyDefinition, specs: SpecSet) -> None:
    """CORE-000701: no undated findings. The BSA every lymphodepletion dose repeats is one VS row dated by the
    first dose; the NYHA class (RS) takes the echocardiography's date."""
    subject = replace(TREATED, records={
        **TREATED.records,
        "lymphodepletion": [
            CapturedRecord({"exdat": date(2026, 2, 6), "extrt": "FLUDARABINE", "exdose": 30.0, "bsa": 1.8}),
            CapturedRecord({"exdat": date(2026, 2, 5), "extrt": "FLUDARABINE", "exdose": 30.0, "bsa": 1.8})],
        "echocardiography": [CapturedRecord({"cvdat": date(2026, 1, 25), "lvef": 60, "nyha": "II"})]})
    vs = map_dataset(study, specs, "VS", [subject])[1]
    rs = map_dataset(study, specs, "RS", [subject])[1]

    assert [(row["VSTESTCD"], row["VSDTC"], row["VSCAT"]) for row in vs] == [("BSA", "2026-02-05", "DOSING")]
    assert [(row["RSTESTCD"], row["RSORRES"], row["RSDTC"], row["RSDY"]) for row in rs] == [
        ("NYHA101", "II", "2026-01-25", -16)]
