"""FA and RELREC: the ASTCT 2019 components of CRS and ICANS AEs as findings about the event, tied to the AE.

One relmacel subject (test_mapping's treated one, infused 2026-02-10) with a
grade 3 CRS reported as "CRS" and coded to the MedDRA PT Cytokine release
syndrome (worst point dated and timed), a grade 1 ICANS not coded yet (no
worst-point date on the form: FADTC is the AE start) and a headache without
components.
"""

from __future__ import annotations

import csv
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest
from test_mapping import CREATED, TREATED, ae

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.problems import DefinitionErrors
from edc.definitions.sdtm.loader import load_specs
from edc.definitions.sdtm.model import SpecSet, findings_items
from edc.export.run import export_submission
from edc.export.sdtm.derivations.context import Row
from edc.export.sdtm.links import validate_links
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import Coded, SubjectData
from edc.export.sdtm.validation import as_frame

EXPORTS = project_root() / "exports"
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
USUBJID = "JWCAR029012-01-002"
CRS_PT = Coded("meddra", "27.1-TEST", {"llt": "CRS", "llt_code": 99500001, "pt": "Cytokine release syndrome",
                                       "pt_code": 99400001})
CRS = ae("3", "CRS", date(2026, 2, 11), grade="3", cat="CRS", end=date(2026, 2, 14),
         aesttim=time(8, 30), aewrsdat=date(2026, 2, 12), aewrstim=time(14, 0), aeimpdat=date(2026, 2, 13),
         aebasdat=date(2026, 2, 14), crs_tmax=39.4, crs_fever_masked=True, crs_fever=True,
         crs_hypotension="ONE_VASOPRESSOR", crs_o2_device="NASAL_CANNULA_HIGH_FLOW", crs_o2_flow=8.0,
         crs_hypoxia="HIGH_FLOW", crs_death=False, crs_grade_calc=3)
CRS = replace(CRS, coded={"aeterm": CRS_PT})
ICE_POINTS = ("ice_orient_year", "ice_orient_month", "ice_orient_city", "ice_orient_hospital", "ice_name_object_1",
              "ice_name_object_2", "ice_name_object_3", "ice_follow_commands", "ice_write_sentence",
              "ice_count_backwards")
ICANS = ae("12", "Immune effector cell-associated neurotoxicity syndrome", date(2026, 2, 15), cat="ICANS",
           end=date(2026, 2, 16), **{point: point != "ice_write_sentence" for point in ICE_POINTS},
           ice_score_calc=9, icans_ice_score=9, icans_consciousness="AWAKENS_SPONTANEOUSLY", icans_seizure="NONE",
           icans_motor="NONE", icans_icp="NONE", icans_death=False, icans_grade_calc=1)
HEADACHE = ae("1", "Headache", date(2026, 2, 9), end=date(2026, 2, 9))
SUBJECT = replace(TREATED, records={**TREATED.records, "adverse_events": [ICANS, HEADACHE, CRS]},
                  committee_dlt={})
NAMES = ("DM", "AE", "FA", "RELREC")


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    return load_specs(EXPORTS, study)


def mapped(study: StudyDefinition, specs: SpecSet, name: str, *subjects: SubjectData) -> list[Row]:
    return map_dataset(study, specs, name, subjects or (SUBJECT,))[1]


def test_one_fa_row_per_component_with_its_value_unit_and_event(study: StudyDefinition, specs: SpecSet) -> None:
    rows = mapped(study, specs, "FA")
    crs = {row["FATESTCD"]: row for row in rows if row["FASPID"] == "3"}

    # the event by its coded term, as AEDECOD (SDTMIG 3.4 6.4.3), not the verbatim "CRS"
    ae_row = next(row for row in mapped(study, specs, "AE") if row["AESPID"] == "3")
    assert (ae_row["AETERM"], ae_row["AEDECOD"]) == ("CRS", "Cytokine release syndrome")
    assert {row["FAOBJ"] for row in crs.values()} == {ae_row["AEDECOD"]}
    assert list(crs) == ["CRSTMAX", "CRSFVMSK", "CRSFEVER", "CRSHYPOT", "CRSO2DEV", "CRSO2FLW", "CRSHYPOX",
                         "CRSDEATH", "CRSGRADE"]
    assert {k: crs["CRSTMAX"][k] for k in ("FATEST", "FAOBJ", "FACAT", "FAORRES", "FAORRESU", "FASTRESC",
                                            "FASTRESN", "FASTRESU", "FADRVFL")} == {
        "FATEST": "Maximum Temperature", "FAOBJ": "Cytokine release syndrome", "FACAT": "CRS", "FAORRES": "39.4",
        "FAORRESU": "C", "FASTRESC": "39.4", "FASTRESN": 39.4, "FASTRESU": "C", "FADRVFL": None}
    assert (crs["CRSO2FLW"]["FAORRES"], crs["CRSO2FLW"]["FAORRESU"], crs["CRSO2FLW"]["FASTRESN"]) == (
        "8.0", "L/min", 8.0)
    assert (crs["CRSFVMSK"]["FAORRES"], crs["CRSFVMSK"]["FAORRESU"], crs["CRSFVMSK"]["FASTRESN"]) == ("Y", None, None)
    assert crs["CRSHYPOT"]["FAORRES"] == "ONE_VASOPRESSOR" and crs["CRSDEATH"]["FAORRES"] == "N"
    # the server computes the fever criterion, the hypoxia level and the grade from the other components
    assert [code for code, row in crs.items() if row["FADRVFL"] == "Y"] == ["CRSFEVER", "CRSHYPOX", "CRSGRADE"]
    assert (crs["CRSGRADE"]["FAORRES"], crs["CRSGRADE"]["FASTRESN"]) == ("3", 3.0)
    # the worst point, where the form dates it (grade 3), with its time; study day from the infusion
    assert {(row["FADTC"], row["FADY"], row["EPOCH"]) for row in crs.values()} == {
        ("2026-02-12T14:00", 3, "FOLLOW-UP")}


def test_icans_components_are_dated_by_the_ae_start_when_the_worst_point_is_not(
        study: StudyDefinition, specs: SpecSet) -> None:
    rows = mapped(study, specs, "FA")
    icans = {row["FATESTCD"]: row for row in rows if row["FASPID"] == "12"}
    # not coded yet (an export allowing uncoded terms): FAOBJ, required, is the reported term meanwhile

    assert list(icans) == [f"ICE{n:02d}" for n in range(1, 11)] + [
        "ICESCORE", "ICANSLOC", "ICANSSZ", "ICANSMOT", "ICANSICP", "ICANSDTH", "ICANSGRD"]
    assert {row["FAOBJ"] for row in icans.values()} == {"Immune effector cell-associated neurotoxicity syndrome"}
    assert {row["FACAT"] for row in icans.values()} == {"ICANS"}
    assert [icans[f"ICE{n:02d}"]["FAORRES"] for n in range(1, 11)] == ["Y"] * 8 + ["N", "Y"]
    assert (icans["ICESCORE"]["FASTRESN"], icans["ICESCORE"]["FADRVFL"]) == (9.0, "Y")
    assert icans["ICANSLOC"]["FAORRES"] == "AWAKENS_SPONTANEOUSLY"
    assert {(row["FADTC"], row["FADY"]) for row in icans.values()} == {("2026-02-15", 6)}


def test_fa_rows_follow_the_ae_number_and_an_ae_without_components_has_none(
        study: StudyDefinition, specs: SpecSet) -> None:
    rows = mapped(study, specs, "FA")
    headache_only = replace(SUBJECT, records={**SUBJECT.records, "adverse_events": [HEADACHE]})

    assert [row["FASEQ"] for row in rows] == list(range(1, len(rows) + 1))
    assert [row["FASPID"] for row in rows] == ["3"] * 9 + ["12"] * 17  # AE 3 before AE 12, digit-aware
    assert {row["USUBJID"] for row in rows} == {USUBJID}
    assert mapped(study, specs, "FA", headache_only) == []
    assert mapped(study, specs, "RELREC", headache_only) == []


def test_relrec_ties_each_group_of_fa_rows_to_its_ae(study: StudyDefinition, specs: SpecSet) -> None:
    ae_rows = {row["AESPID"]: row for row in mapped(study, specs, "AE")}
    rows = mapped(study, specs, "RELREC")

    assert [(r["RDOMAIN"], r["IDVAR"], r["IDVARVAL"], r["RELID"]) for r in rows] == [
        ("AE", "AESEQ", str(ae_rows["3"]["AESEQ"]), f"AEFA-{ae_rows['3']['AESEQ']}"),
        ("FA", "FASPID", "3", f"AEFA-{ae_rows['3']['AESEQ']}"),
        ("AE", "AESEQ", str(ae_rows["12"]["AESEQ"]), f"AEFA-{ae_rows['12']['AESEQ']}"),
        ("FA", "FASPID", "12", f"AEFA-{ae_rows['12']['AESEQ']}"),
    ]
    assert (ae_rows["3"]["AESEQ"], ae_rows["12"]["AESEQ"]) == (2, 3)  # the headache (AE 1) has no FA rows
    assert {(r["STUDYID"], r["USUBJID"], r["RELTYPE"]) for r in rows} == {("JWCAR029012", USUBJID, None)}


def test_every_relrec_record_finds_its_parent_and_a_lost_ae_is_reported(
        study: StudyDefinition, specs: SpecSet) -> None:
    framed = [map_dataset(study, specs, name, [SUBJECT]) for name in NAMES]
    frames = [(dataset, as_frame(rows)) for dataset, rows in framed]
    assert validate_links(frames) == []

    # the AE dataset without the CRS: RELREC's record for it finds no parent
    no_crs = [(d, f[f["AESPID"] != "3"] if d.name == "AE" else f) for d, f in frames]
    failures = validate_links(no_crs)
    assert [(f.domain, f.variable, f.value) for f in failures] == [("RELREC", "IDVARVAL", "2")]


def test_export_writes_fa_and_relrec_and_define_agrees_with_the_data(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    chosen = SpecSet(specs.study_id, {name: specs[name] for name in NAMES}, specs.terminology)
    result = export_submission(study, chosen, lambda forms: [SUBJECT], tmp_path, formats=("xpt", "csv"),
                               created=CREATED)
    assert result.rows["FA"] == 26 and result.rows["RELREC"] == 4
    assert {"fa.xpt", "fa.csv", "relrec.xpt", "relrec.csv"} <= {p.name for p in result.files}
    with (tmp_path / "fa.csv").open(newline="", encoding="utf-8") as file:
        data = list(csv.DictReader(file))
    codes = sorted({row["FATESTCD"] for row in data})

    define = ET.parse(tmp_path / "define.xml").getroot()
    groups = {g.get("Name"): g for g in define.iterfind(".//odm:ItemGroupDef", NS)}
    assert {"FA", "RELREC"} <= set(groups)
    assert groups["FA"].find("def:Class", NS).get("Name") == "FINDINGS ABOUT"
    assert groups["RELREC"].find("def:Class", NS).get("Name") == "RELATIONSHIP"
    items = {i.get("OID"): i for i in define.iterfind(".//odm:ItemDef", NS)}
    assert [items[r.get("ItemOID")].get("Name") for r in groups["FA"].iterfind("odm:ItemRef", NS)] == list(data[0])
    # FAOBJ may hold a verbatim term while it is not coded: no MedDRA codelist, and its origin says so
    faobj = items["IT.FA.FAOBJ"]
    assert faobj.find("odm:CodeListRef", NS) is None
    assert faobj.findtext("def:Origin/odm:Description/odm:TranslatedText", namespaces=NS) == (
        "The MedDRA preferred term of the AE (AEDECOD); the reported term (AETERM) while not coded")
    testcd = define.find(".//odm:CodeList[@OID='CL.FATESTCD']", NS)
    assert sorted(i.get("CodedValue") for i in testcd.iterfind("odm:CodeListItem", NS)) == codes
    assert testcd.find("odm:Alias", NS) is None  # sponsor-defined: no NCI code
    names = {row["FATESTCD"]: row["FATEST"] for row in data}
    decodes = {i.get("CodedValue"): i.findtext("odm:Decode/odm:TranslatedText", namespaces=NS)
               for i in testcd.iterfind("odm:CodeListItem", NS)}
    assert decodes == names
    # FAORRES: one value-level definition per test code, float where the component is a number
    value_list = define.find(".//def:ValueListDef[@OID='VL.FA.FAORRES']", NS)
    oids = [ref.get("ItemOID") for ref in value_list.iterfind("odm:ItemRef", NS)]
    assert oids == [f"IT.FA.FAORRES.{code}" for code in codes]
    types = {oid.rsplit(".", 1)[1]: items[oid].get("DataType") for oid in oids}
    assert {code for code, kind in types.items() if kind == "float"} == {
        "CRSTMAX", "CRSO2FLW", "CRSGRADE", "ICESCORE", "ICANSGRD"}
    assert all(_is_number(row["FAORRES"]) for row in data if types[row["FATESTCD"]] == "float")
    # collected components name their CRF form and item; computed ones are Derived, the calculation their method
    tmax = items["IT.FA.FAORRES.CRSTMAX"].find("def:Origin", NS)
    assert (tmax.get("Type"), tmax.get("Source")) == ("Collected", "Investigator")
    assert tmax.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == (
        "CRF form 'Adverse events', item 'Highest temperature during the event'")
    refs = {ref.get("ItemOID"): ref for ref in value_list.iterfind("odm:ItemRef", NS)}
    derived = {oid.rsplit(".", 1)[1] for oid in oids if items[oid].find("def:Origin", NS).get("Type") == "Derived"}
    assert derived == {"CRSFEVER", "CRSHYPOX", "CRSGRADE", "ICESCORE", "ICANSGRD"}
    assert {row["FATESTCD"] for row in data if row["FADRVFL"] == "Y"} == derived
    method = define.find(f".//odm:MethodDef[@OID='{refs['IT.FA.FAORRES.CRSGRADE'].get('MethodOID')}']", NS)
    assert "score crs_grade_astct" in method.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
    assert refs["IT.FA.FAORRES.CRSTMAX"].get("MethodOID") is None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("study_id", ["cnct19", "ic19", "rd0604", "relmacel"])
def test_every_trial_exports_the_components_its_ae_form_carries(catalog: Catalog, study_id: str) -> None:
    study = catalog.study(study_id)
    specs = load_specs(EXPORTS, study)
    components = findings_items(study.forms["adverse_events"], "FA")

    assert len(components) == 26
    assert {block.form for block in specs["FA"].blocks} == {"adverse_events"}
    assert specs["RELREC"].spec.relationships[0].many.domain == "FA"
    assert {"adverse_events"} <= specs.forms_of("RELREC")


def test_a_relationship_naming_an_unknown_variable_is_reported_at_its_line(
        catalog: Catalog, tmp_path: Path) -> None:
    for name in ("dm.yaml", "ae.yaml", "fa.yaml", "dd.yaml"):
        shutil.copy(EXPORTS / name, tmp_path / name)
    shutil.copytree(EXPORTS / "terminology", tmp_path / "terminology")
    broken = (EXPORTS / "relrec.yaml").read_text().replace("idvar: FASPID", "idvar: FAGRPID").replace(
        "domain: AE", "domain: XX", 1)
    (tmp_path / "relrec.yaml").write_text(broken)
    line = next(n for n, text in enumerate(broken.splitlines(), start=1) if "domain: XX" in text)

    with pytest.raises(DefinitionErrors) as raised:
        load_specs(tmp_path, catalog.study("relmacel"))

    found = {(p.line, p.message) for p in raised.value.problems}
    assert found == {(line, "'XX' is not a domain specified here (a spec with 'variables')"),
                     (line + 1, "'FAGRPID' is not a variable of FA")}


def test_a_verbatim_fallback_is_true_or_absent(catalog: Catalog, tmp_path: Path) -> None:
    shutil.copytree(EXPORTS, tmp_path / "exports")
    spec = tmp_path / "exports" / "fa.yaml"
    broken = spec.read_text().replace("verbatim: true", "verbatim: Y")
    spec.write_text(broken)

    with pytest.raises(DefinitionErrors) as raised:
        load_specs(tmp_path / "exports", catalog.study("relmacel"))

    assert {p.message for p in raised.value.problems if p.file == str(spec)} == {
        "'verbatim' takes true (the verbatim term while the term is not coded), on a text level"}
