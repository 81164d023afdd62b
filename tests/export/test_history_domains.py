"""SC, DD (with RELREC to the fatal AE), PR, BS and RP: small exports of hand-built subjects and define.xml.

Each test exports DM and one or more of these datasets through `export_submission` (pandera validation, every
writer, define.xml) and reads the CSV and define.xml back. The subjects (relmacel unless said otherwise):
01-002, a woman screened on 2026-01-02, leukapheresis on 2026-01-13, baseline on 2026-02-04, infused on
2026-02-10 (SDTM day 1), and 02-001, a man infused on 2026-03-01 who died on 2026-04-01.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from test_mapping import ae

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.sdtm.loader import load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.export.run import ExportResult, export_submission
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData, VisitData

CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"

SLE_HISTORY = {"sle_criteria": ["ACR_1997", "SLICC_2012"], "sle_dur": 48, "ln_biopsy": "Y", "ln_class": "IV",
               "gc_current": "Y", "gc_drug": "prednisone", "gc_dose": Decimal("10.00"), "gc_pred_eq": Decimal("10.00"),
               "gc_stable_2w": "Y", "gc_high_8w": "N", "regimen_months": 6, "antimalarial": "Y", "is_use": "N",
               "biologic_use": "N", "gilbert": "N", "prior_cart": "N", "prior_transplant": "N", "dialysis": "N"}


def infusion(day: date) -> CapturedRecord:
    return CapturedRecord({"exdat": day, "exsttim": time(9, 30), "exentim": time(9, 50), "dose_level": "DL1",
                           "dose_planned": 25.0, "weight_kg": 60.0, "cells_infused": 25.0}, "D0")


def fatal_ae(aespid: str, term: str) -> CapturedRecord:
    """A grade 5 AE ending on the day of death (test_mapping's AE record builder)."""
    return ae(aespid, term, date(2026, 3, 20), grade="5", end=date(2026, 4, 1), aeser="Y", aerel="NOT_RELATED",
              aecontrt="Y", aeout="FATAL")


TREATED = SubjectData(
    "01-002", "01", "treated", dose_level="DL1", last_contact=date(2026, 3, 20),
    visits=(VisitData("SCR", visit_date=date(2026, 1, 2)), VisitData("LEUK", visit_date=date(2026, 1, 13)),
            VisitData("BL", visit_date=date(2026, 2, 4)),
            VisitData("D0", visit_date=date(2026, 2, 10))),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 1, 2)}, "SCR")],
        "demographics": [CapturedRecord({"brthdat": "1980-06", "age": 45, "sex": "F", "race": "ASIAN",
                                         "ethnic": "NOT HISPANIC OR LATINO"}, "SCR")],
        "cart_infusion": [infusion(date(2026, 2, 10))],
        "leukapheresis": [CapturedRecord({"lkdat": date(2026, 1, 13), "lkvol": Decimal(10000),
                                          "lkcells": Decimal(12000), "lkcd3": Decimal(7000), "lkadequate": "Y"},
                                         "LEUK")],
        "sle_history": [CapturedRecord(SLE_HISTORY, "SCR")],
        "pregnancy_test": [CapturedRecord({"childbearing": "Y", "pregdat": date(2026, 1, 3), "pregtype": "SERUM",
                                           "pregres": "NEGATIVE", "lactating": "N"}, "SCR"),
                           CapturedRecord({"childbearing": "Y", "pregdat": date(2026, 2, 4), "pregtype": "URINE",
                                           "pregres": "NEGATIVE", "lactating": "N"}, "BL")],
        "autoantibodies": [CapturedRecord({"isdat": date(2026, 1, 3), "ana": "POSITIVE", "anca_hist": ["PR3", "MPO"]},
                                          "SCR"),
                           CapturedRecord({"isdat": date(2026, 3, 10), "ana": "NEGATIVE"}, "D28")],
    },
)
DIED = SubjectData(
    "02-001", "02", "treated", dose_level="DL1", last_contact=date(2026, 3, 28),
    visits=(VisitData("D0", visit_date=date(2026, 3, 1)),),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 2, 2)}, "SCR")],
        "demographics": [CapturedRecord({"brthdat": "1965", "age": 60, "sex": "M", "race": "ASIAN",
                                         "ethnic": "NOT HISPANIC OR LATINO"}, "SCR")],
        "cart_infusion": [infusion(date(2026, 3, 1))],
        "pregnancy_test": [CapturedRecord({"childbearing": "N"}, "SCR")],  # a man; the screening visit undated
        "adverse_events": [fatal_ae("1", "Septic shock"), fatal_ae("2", "Febrile neutropenia")],
        "death": [CapturedRecord({"dthdat": date(2026, 4, 1), "dthcause": "Refractory septic shock", "dthaeno": "1",
                                  "autopsy": "N", "dth_crs": "N", "dth_icans": "Y", "dthrel": "POSSIBLY"}, "LOGS")],
    },
)


@pytest.fixture(scope="module")
def relmacel(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


def only(study: StudyDefinition, *names: str) -> SpecSet:
    """The study's specs of DM (RFSTDTC, study days) and the datasets `names`."""
    loaded = load_specs(project_root() / "exports", study)
    return SpecSet(loaded.study_id, {name: loaded[name] for name in ("DM", *names)}, loaded.terminology)


def export(study: StudyDefinition, names: Sequence[str], subjects: Sequence[SubjectData], out: Path) -> ExportResult:
    return export_submission(study, only(study, *names), lambda forms: subjects, out, created=CREATED)


def rows(out: Path, name: str) -> list[dict[str, str]]:
    with (out / f"{name.lower()}.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def define(out: Path) -> ET.Element:
    return ET.parse(out / "define.xml").getroot()


def group_variables(root: ET.Element, name: str) -> list[str]:
    """The variable names of dataset `name` in define.xml, in order."""
    names = {item.get("OID"): item.get("Name") for item in root.iter(f"{ODM}ItemDef")}
    group = next(g for g in root.iter(f"{ODM}ItemGroupDef") if g.get("Name") == name)
    return [str(names[ref.get("ItemOID")]) for ref in group.iter(f"{ODM}ItemRef")]


def group_names(root: ET.Element) -> list[str]:
    return [str(group.get("Name")) for group in root.iter(f"{ODM}ItemGroupDef")]


def codelist_terms(root: ET.Element, oid: str) -> list[str]:
    codelist = next(c for c in root.iter(f"{ODM}CodeList") if c.get("OID") == oid)
    return [str(item.get("CodedValue")) for item in codelist if item.get("CodedValue") is not None]


def value_list_tests(root: ET.Element, variable: str) -> list[str]:
    """The test codes the value-level definitions of `variable` (e.g. SCORRES) are for, in order."""
    lists = [v for v in root.iter(f"{DEF}ValueListDef") if v.get("OID", "").endswith(f".{variable}")]
    assert len(lists) == 1, [v.get("OID") for v in root.iter(f"{DEF}ValueListDef")]
    return [str(ref.get("ItemOID")).rsplit(".", 1)[-1] for ref in lists[0].iter(f"{ODM}ItemRef")]


# --- SC -----------------------------------------------------------------------------------------------

def test_sc_one_row_per_history_item_dated_by_its_visit(relmacel: StudyDefinition, tmp_path: Path) -> None:
    result = export(relmacel, ["SC"], [TREATED], tmp_path)

    sc = {row["SCTESTCD"]: row for row in rows(tmp_path, "SC")}
    assert result.rows["SC"] == 19 == len(sc)  # 18 answered history items (is/biologic agents not asked) + ANCA
    assert [row["SCSEQ"] for row in rows(tmp_path, "SC")] == [str(n) for n in range(1, 20)]
    assert {k: sc["SLEDUR"][k] for k in ("SCTEST", "SCCAT", "SCORRES", "SCORRESU", "SCSTRESN", "SCSTRESU")} == {
        "SCTEST": "SLE Duration at Screening", "SCCAT": "DISEASE AND TREATMENT HISTORY", "SCORRES": "48",
        "SCORRESU": "months", "SCSTRESN": "48.0", "SCSTRESU": "months"}
    assert (sc["SLECLASS"]["SCORRES"], sc["GCDRUG"]["SCSTRESC"], sc["GCDOSE"]["SCORRES"]) == (
        "ACR_1997, SLICC_2012", "prednisone", "10.00")
    screening = {(row["VISITNUM"], row["VISIT"], row["EPOCH"], row["SCDTC"], row["SCDY"])
                 for code, row in sc.items() if code != "ANCAHIST"}
    assert screening == {("1.0", "Screening", "SCREENING", "2026-01-02", "-39")}
    anca = sc["ANCAHIST"]
    assert (anca["SCCAT"], anca["SCORRES"], anca["SCDTC"], anca["SCDY"]) == (
        "AUTOANTIBODY HISTORY", "PR3, MPO", "2026-01-03", "-38")
    assert "ANA" not in sc  # the autoantibody results themselves are IS


def test_sc_in_define_xml(relmacel: StudyDefinition, tmp_path: Path) -> None:
    export(relmacel, ["SC"], [TREATED], tmp_path)
    root = define(tmp_path)

    assert group_variables(root, "SC") == [
        "STUDYID", "DOMAIN", "USUBJID", "SCSEQ", "SCTESTCD", "SCTEST", "SCCAT", "SCORRES", "SCORRESU", "SCSTRESC",
        "SCSTRESN", "SCSTRESU", "VISITNUM", "VISIT", "EPOCH", "SCDTC", "SCDY"]
    codes = codelist_terms(root, "CL.SCTESTCD")
    assert {"SLEDUR", "ANCAHIST", "GCPREDEQ"} <= set(codes) and "SLEDX" not in codes  # SLEDX: CNCT19 only
    assert value_list_tests(root, "SCORRES") == sorted(codes)


def test_sc_of_cnct19_has_its_own_diagnosis_item_and_skips_the_sle_items_not_asked(catalog: Catalog) -> None:
    cnct19 = catalog.study("cnct19")
    history = {key: value for key, value in SLE_HISTORY.items()
               if key not in ("sle_criteria", "sle_dur", "ln_biopsy", "ln_class")}
    vasculitis = replace(TREATED, records={**TREATED.records, "sle_history": [CapturedRecord(
        {**history, "sle_dx": "N"}, "SCR")]})

    sc = map_dataset(cnct19, only(cnct19, "SC"), "SC", [vasculitis])[1]

    codes = [row["SCTESTCD"] for row in sc]
    assert next(row["SCORRES"] for row in sc if row["SCTESTCD"] == "SLEDX") == "N"
    assert not {"SLECLASS", "SLEDUR", "LNBIOPSY", "LNCLASS"} & set(codes)
    assert codes[-1] == "ANCAHIST" and len(codes) == 16


# --- DD -----------------------------------------------------------------------------------------------

def test_dd_one_row_per_death_detail_dated_by_the_death(relmacel: StudyDefinition, tmp_path: Path) -> None:
    result = export(relmacel, ["DD"], [TREATED, DIED], tmp_path)

    dd = rows(tmp_path, "DD")
    assert result.rows["DD"] == 5  # the living subject has none
    assert [(row["DDSEQ"], row["DDTESTCD"], row["DDTEST"], row["DDORRES"], row["DDSTRESC"]) for row in dd] == [
        ("1", "PRCDTH", "Primary Cause of Death", "Refractory septic shock", "Refractory septic shock"),
        ("2", "AUTOPIND", "Autopsy Performed", "N", "N"),
        ("3", "DTHCRS", "Death Related to CRS", "N", "N"),
        ("4", "DTHICANS", "Death Related to ICANS", "Y", "Y"),
        ("5", "DTHREL", "Death Related to CAR-T Cell Product", "POSSIBLY RELATED", "POSSIBLY RELATED"),
    ]
    assert {(row["USUBJID"], row["DDEVAL"], row["DDDTC"], row["DDDY"], row["DDLNKID"]) for row in dd} == {
        ("JWCAR029012-02-001", "INVESTIGATOR", "2026-04-01", "32", "1")}
    assert rows(tmp_path, "DM")[1]["DTHDTC"] == "2026-04-01"  # the same date as DM's


def test_dd_in_define_xml(relmacel: StudyDefinition, tmp_path: Path) -> None:
    export(relmacel, ["DD"], [DIED], tmp_path)
    root = define(tmp_path)

    assert group_variables(root, "DD") == [
        "STUDYID", "DOMAIN", "USUBJID", "DDSEQ", "DDLNKID", "DDTESTCD", "DDTEST", "DDORRES", "DDSTRESC", "DDEVAL",
        "DDDTC", "DDDY"]
    assert codelist_terms(root, "CL.DDTESTCD") == ["AUTOPIND", "DTHCRS", "DTHICANS", "DTHREL", "PRCDTH"]
    assert value_list_tests(root, "DDORRES") == ["AUTOPIND", "DTHCRS", "DTHICANS", "DTHREL", "PRCDTH"]


def test_no_death_no_dd_dataset(relmacel: StudyDefinition, tmp_path: Path) -> None:
    result = export(relmacel, ["DD"], [TREATED], tmp_path)

    assert result.rows["DD"] == 0
    assert not (tmp_path / "dd.csv").exists() and "DD" not in group_names(define(tmp_path))


def test_relrec_relates_the_death_details_to_the_fatal_ae_the_investigator_names(
        relmacel: StudyDefinition, tmp_path: Path) -> None:
    unnamed = replace(DIED, records={**DIED.records, "death": [CapturedRecord(
        {**DIED.records["death"][0].values, "dthaeno": None}, "LOGS")]})
    export(relmacel, ["AE", "DD", "RELREC"], [DIED], tmp_path)

    septic = next(row for row in rows(tmp_path, "AE") if row["AESPID"] == "1")
    relid = f"AEDD-{septic['AESEQ']}"
    assert [(row["RDOMAIN"], row["USUBJID"], row["IDVAR"], row["IDVARVAL"], row["RELID"])
            for row in rows(tmp_path, "RELREC")] == [
        ("AE", "JWCAR029012-02-001", "AESEQ", septic["AESEQ"], relid),
        ("DD", "JWCAR029012-02-001", "DDLNKID", "1", relid)]  # one record for all five details
    assert map_dataset(relmacel, only(relmacel, "AE", "DD", "RELREC"), "RELREC", [unnamed])[1] == []


# --- PR -----------------------------------------------------------------------------------------------

def test_pr_one_row_per_leukapheresis(relmacel: StudyDefinition, tmp_path: Path) -> None:
    result = export(relmacel, ["PR"], [TREATED, DIED], tmp_path)

    assert result.rows["PR"] == 1
    [pr] = rows(tmp_path, "PR")
    assert {k: v for k, v in pr.items() if k not in ("STUDYID", "DOMAIN")} == {
        "USUBJID": "JWCAR029012-01-002", "PRSEQ": "1", "PRTRT": "LEUKAPHERESIS", "PRDECOD": "LEUKAPHERESIS",
        "PRINDC": "AUTOLOGOUS CAR-T CELL MANUFACTURING", "VISITNUM": "2.0", "VISIT": "Leukapheresis",
        "EPOCH": "TREATMENT", "PRSTDTC": "2026-01-13", "PRENDTC": "2026-01-13", "PRSTDY": "-28", "PRENDY": "-28"}
    assert group_variables(define(tmp_path), "PR") == list(pr)


def test_a_trial_without_leukapheresis_writes_no_pr(catalog: Catalog, tmp_path: Path) -> None:
    ic19 = catalog.study("ic19")
    assert "leukapheresis" not in ic19.forms  # an allogeneic product: nothing to collect
    assert only(ic19, "PR")["PR"].blocks == ()

    result = export(ic19, ["PR"], [TREATED], tmp_path)
    assert result.rows["PR"] == 0
    assert not (tmp_path / "pr.csv").exists() and "PR" not in group_names(define(tmp_path))


# --- BS -----------------------------------------------------------------------------------------------

def test_bs_one_row_per_measurement_of_the_leukapheresis_product(relmacel: StudyDefinition, tmp_path: Path) -> None:
    result = export(relmacel, ["BS"], [TREATED, DIED], tmp_path)

    bs = rows(tmp_path, "BS")
    assert result.rows["BS"] == 4  # the subject who died had no leukapheresis recorded
    assert [(row["BSSEQ"], row["BSTESTCD"], row["BSTEST"], row["BSORRES"], row["BSORRESU"], row["BSSTRESN"])
            for row in bs] == [
        ("1", "VOLPROC", "Blood Volume Processed", "10000", "mL", "10000.0"),
        ("2", "TNC", "Total Nucleated Cells Collected", "12000", "10^6 cells", "12000.0"),
        ("3", "CD3", "CD3+ T Cells Collected", "7000", "10^6 cells", "7000.0"),
        ("4", "MFGADEQ", "Collection Adequate for Manufacturing", "Y", "", ""),
    ]
    assert {(row["USUBJID"], row["BSREFID"], row["BSCAT"], row["VISIT"], row["BSDTC"], row["BSDY"]) for row in bs} == {
        ("JWCAR029012-01-002", "01-002-LK-2026-01-13", "LEUKAPHERESIS PRODUCT", "Leukapheresis", "2026-01-13", "-28")}
    root = define(tmp_path)
    assert group_variables(root, "BS") == list(bs[0])
    assert codelist_terms(root, "CL.BSTESTCD") == ["CD3", "MFGADEQ", "TNC", "VOLPROC"]


def test_a_trial_without_leukapheresis_writes_no_bs(catalog: Catalog, tmp_path: Path) -> None:
    ic19 = catalog.study("ic19")
    result = export(ic19, ["BS"], [TREATED], tmp_path)
    assert result.rows["BS"] == 0 and not (tmp_path / "bs.csv").exists()


# --- RP -----------------------------------------------------------------------------------------------

def test_rp_childbearing_potential_and_lactation_per_visit(relmacel: StudyDefinition, tmp_path: Path) -> None:
    result = export(relmacel, ["RP"], [TREATED, DIED], tmp_path)

    rp = [(row["USUBJID"][-6:], row["RPSEQ"], row["RPTESTCD"], row["RPTEST"], row["RPORRES"], row["RPSTRESC"],
           row["VISIT"].split(" (")[0], row["EPOCH"], row["RPDTC"], row["RPDY"]) for row in rows(tmp_path, "RP")]
    assert result.rows["RP"] == 5
    assert rp == [
        ("01-002", "1", "CHILDPOT", "Childbearing Potential", "Y", "Y", "Screening", "SCREENING", "2026-01-02", "-39"),
        ("01-002", "2", "LACTSTAT", "Currently Breastfeeding", "N", "N", "Screening", "SCREENING", "2026-01-02",
         "-39"),
        ("01-002", "3", "CHILDPOT", "Childbearing Potential", "Y", "Y", "Baseline", "TREATMENT", "2026-02-04", "-6"),
        ("01-002", "4", "LACTSTAT", "Currently Breastfeeding", "N", "N", "Baseline", "TREATMENT", "2026-02-04", "-6"),
        ("02-001", "1", "CHILDPOT", "Childbearing Potential", "N", "N", "Screening", "", "", ""),
    ]


def test_rp_in_define_xml_names_the_cdisc_and_the_sponsor_code(relmacel: StudyDefinition, tmp_path: Path) -> None:
    export(relmacel, ["RP"], [TREATED], tmp_path)
    root = define(tmp_path)

    assert group_variables(root, "RP") == [
        "STUDYID", "DOMAIN", "USUBJID", "RPSEQ", "RPTESTCD", "RPTEST", "RPORRES", "RPSTRESC", "VISITNUM", "VISIT",
        "EPOCH", "RPDTC", "RPDY"]
    codelist = next(c for c in root.iter(f"{ODM}CodeList") if c.get("OID") == "CL.RPTESTCD")
    aliases = {item.get("CodedValue"): (item.get(f"{DEF}ExtendedValue"),
                                        [alias.get("Name") for alias in item.iter(f"{ODM}Alias")])
               for item in codelist if item.get("CodedValue") is not None}
    assert aliases == {"CHILDPOT": (None, ["C106508"]), "LACTSTAT": ("Yes", [])}
    assert [a.get("Name") for a in codelist.findall(f"{ODM}Alias")] == ["C106479"]
    assert value_list_tests(root, "RPORRES") == ["CHILDPOT", "LACTSTAT"]
    assert "HCG" not in codelist_terms(root, "CL.RPTESTCD")  # the pregnancy test is LB's
