"""The coded variables of AE, MH and CM from the coding attached to each record, and define.xml naming each
dictionary and release (def:ExternalCodeList), valid against CDISC's Define-XML 2.1 schema."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.sdtm.loader import check_specs, load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats.define import write_define
from edc.export.run import study_info
from edc.export.sdtm.codelists import export_codelists
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import CapturedRecord, Coded, SubjectData

EXPORTS = project_root() / "exports"
CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
DICTIONARIES = {"meddra": "27.1-TEST", "whodrug": "B3-TEST"}
HEADACHE = Coded("meddra", "27.1-TEST", {
    "llt": "Head pain", "llt_code": 90500002, "pt": "Headache", "pt_code": 90400001, "hlt": "Headaches NEC",
    "hlt_code": 90300001, "hlgt": "Headaches", "hlgt_code": 90200001, "soc": "Nervous system disorders",
    "soc_code": 90100001})
PARACETAMOL = Coded("whodrug", "B3-TEST", {"drug": "PARACETAMOL", "drug_code": "90000101002", "atc": "Anilides",
                                           "atc_code": "N02BE"})


def adverse_event(aespid: str, term: str, coded: Coded | None) -> CapturedRecord:
    values = {"aespid": aespid, "aeterm": term, "aecat": "OTHER", "aestdat": date(2026, 2, 9), "aeongo": "N",
              "aeendat": date(2026, 2, 10), "aetoxgr": "1", "aeser": "N", "aerel": "UNLIKELY",
              "aerel_ld": "NOT_RELATED", "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "RECOVERED/RESOLVED"}
    return CapturedRecord(values, "LOGS", 1, {"aeterm": coded} if coded else {})


SUBJECT = SubjectData(
    "01-002", "01", "enrolled", dose_level="DL1", last_contact=date(2026, 3, 20),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 1, 5)})],
        "demographics": [CapturedRecord({"brthdat": "1980-06", "age": 45, "sex": "F", "race": "ASIAN",
                                         "ethnic": "NOT HISPANIC OR LATINO"})],
        "adverse_events": [adverse_event("1", "Bad head pain", HEADACHE), adverse_event("2", "Odd feeling", None)],
        "medical_history": [CapturedRecord({"mhterm": "Headaches", "mhongo": "Y"}, "SCR", 1, {"mhterm": HEADACHE})],
        "concomitant_medications": [CapturedRecord(
            {"cmtrt": "Panadol", "cmgc": "N", "cmindc": "Headache", "cmstdat": "2026-02", "cmongo": "Y"}, "LOGS", 1,
            {"cmtrt": PARACETAMOL})],
    })


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    return load_specs(EXPORTS, study)


def test_the_coded_variables_hold_the_decision_and_stay_null_for_an_uncoded_term(
        study: StudyDefinition, specs: SpecSet) -> None:
    _, (coded, uncoded) = map_dataset(study, specs, "AE", [SUBJECT], DICTIONARIES)
    assert {name: coded[name] for name in ("AETERM", "AELLT", "AELLTCD", "AEDECOD", "AEPTCD", "AEHLT", "AEHLTCD",
                                           "AEHLGT", "AEHLGTCD", "AEBODSYS", "AEBDSYCD", "AESOC", "AESOCCD")} == {
        "AETERM": "Bad head pain", "AELLT": "Head pain", "AELLTCD": 90500002, "AEDECOD": "Headache",
        "AEPTCD": 90400001, "AEHLT": "Headaches NEC", "AEHLTCD": 90300001, "AEHLGT": "Headaches",
        "AEHLGTCD": 90200001, "AEBODSYS": "Nervous system disorders", "AEBDSYCD": 90100001,
        "AESOC": "Nervous system disorders", "AESOCCD": 90100001}
    assert uncoded["AETERM"] == "Odd feeling" and uncoded["AEDECOD"] is None and uncoded["AESOCCD"] is None
    _, [history] = map_dataset(study, specs, "MH", [SUBJECT], DICTIONARIES)
    assert (history["MHDECOD"], history["MHBODSYS"]) == ("Headache", "Nervous system disorders")
    _, [drug] = map_dataset(study, specs, "CM", [SUBJECT], DICTIONARIES)
    assert (drug["CMTRT"], drug["CMDECOD"], drug["CMCLAS"], drug["CMCLASCD"]) == (
        "Panadol", "PARACETAMOL", "Anilides", "N02BE")


def test_define_xml_names_each_dictionary_and_release_on_the_coded_variables(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    datasets = [map_dataset(study, specs, name, [SUBJECT], DICTIONARIES)[0] for name in ("DM", "AE", "MH", "CM")]
    info = study_info(study)
    path = write_define(tmp_path, info, datasets, export_codelists(study, specs, DICTIONARIES), created=CREATED)
    define = etree.parse(str(path))
    xsd = resources.files("defineutils") / "validate/schema/cdisc-define-2.1/define2-1-0.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(define), schema.error_log
    external = {cl.get("OID"): (cl.get("DataType"), cl.find("odm:ExternalCodeList", NS).attrib)
                for cl in define.iterfind(".//odm:CodeList", NS) if cl.find("odm:ExternalCodeList", NS) is not None}
    assert {oid: (kind, dict(attrs)) for oid, (kind, attrs) in external.items()} == {
        "CL.MEDDRA": ("text", {"Dictionary": "MEDDRA", "Version": "27.1-TEST"}),
        "CL.MEDDRA.CODE": ("integer", {"Dictionary": "MEDDRA", "Version": "27.1-TEST"}),
        "CL.WHODRUG": ("text", {"Dictionary": "WHODRUG", "Version": "B3-TEST"})}

    def codelist_of(oid: str) -> str | None:
        item = define.find(f".//odm:ItemDef[@OID='{oid}']", NS)
        assert item is not None, oid
        ref = item.find("odm:CodeListRef", NS)
        return None if ref is None else ref.get("CodeListOID")

    assert [codelist_of(f"IT.AE.{name}") for name in ("AEDECOD", "AEBODSYS", "AELLTCD", "AESOCCD", "AETERM")] == [
        "CL.MEDDRA", "CL.MEDDRA", "CL.MEDDRA.CODE", "CL.MEDDRA.CODE", None]
    assert [codelist_of(f"IT.CM.{name}") for name in ("CMDECOD", "CMCLAS", "CMCLASCD")] == ["CL.WHODRUG"] * 3
    assert codelist_of("IT.MH.MHDECOD") == "CL.MEDDRA"
    origin = define.find(".//odm:ItemDef[@OID='IT.AE.AEDECOD']/def:Origin", NS)
    assert origin is not None and (origin.get("Type"), origin.get("Source")) == ("Assigned", "Sponsor")


def test_without_a_release_the_coded_variables_name_no_dictionary(study: StudyDefinition, specs: SpecSet) -> None:
    ae, _ = map_dataset(study, specs, "AE", [SUBJECT])
    assert {v.name: v.codelist for v in ae.variables}["AEDECOD"] is None
    assert not [c for c in export_codelists(study, specs) if c.external is not None]


def test_a_coded_variable_reads_a_level_of_the_dictionary_of_a_verbatim_term(catalog: Catalog, tmp_path: Path) -> None:
    shutil.copy(EXPORTS / "dm.yaml", tmp_path / "dm.yaml")
    text = (EXPORTS / "ae.yaml").read_text(encoding="utf-8")
    text = text.replace("args: {item: adverse_events.aeterm, level: pt}}",
                        "args: {item: adverse_events.aeterm, level: preferred}}")
    text = text.replace("args: {item: adverse_events.aeterm, level: llt_code}}",
                        "args: {item: adverse_events.aeterm, level: llt}}")
    text = text.replace("args: {item: adverse_events.aeterm, level: hlt}}",
                        "args: {item: adverse_events.aespid, level: hlt}}")
    (tmp_path / "ae.yaml").write_text(text, encoding="utf-8")
    _, problems = check_specs(tmp_path, catalog.study("ic19"))
    assert sorted(p.message for p in problems) == [
        "'adverse_events.aespid' is not a verbatim term a dictionary codes (a text item annotated AETERM, MHTERM, "
        "CMTRT)",
        "MedDRA has no level 'preferred' (it has llt, llt_code, pt, pt_code, hlt, hlt_code, hlgt, hlgt_code, soc, "
        "soc_code)",
        "MedDRA llt is text; this variable is integer",
    ]
