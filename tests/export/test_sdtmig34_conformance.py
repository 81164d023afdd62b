"""SDTMIG 3.4 conformance of small hand-built relmacel exports (issue 19: what CDISC CORE reported).

One subject treated at DL1, infused on 2026-02-10 (SDTM day 1), with a
medication, a history event and a lymphodepletion dose; each test maps one
dataset and checks the variables CORE asks for.
"""

from __future__ import annotations

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
    assert [(row["ECCAT"], row["ECSTDY"], row["ECENDY"]) for row in ec] == [
        ("LYMPHODEPLETION", -5, -5), ("CAR-T", 1, 1)]
