"""Define-XML 2.1 value-level metadata and methods of a mapped export (relmacel, `test_mapping`'s subjects)."""

from __future__ import annotations

from importlib import resources

import pytest
from lxml import etree
from test_mapping import CREATED, SUBJECTS

from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.sdtm.loader import load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats.define import define_xml
from edc.export.formats.define_elements import DEFAULT_METHOD
from edc.export.formats.metadata import (
    Comparator,
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginType,
    Role,
    ValueItem,
    Variable,
    WhereClause,
)
from edc.export.formats.study import StudyInfo
from edc.export.sdtm.codelists import export_codelists
from edc.export.sdtm.mapping import map_dataset

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
NAMES = ("DM", "AE", "SUPPAE", "LB", "VS", "RS", "QS")


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    from edc.config import project_root

    return load_specs(project_root() / "exports", study)


@pytest.fixture(scope="module")
def datasets(study: StudyDefinition, specs: SpecSet) -> dict[str, Dataset]:
    return {name: map_dataset(study, specs, name, SUBJECTS)[0] for name in NAMES if name in specs.domains}


@pytest.fixture(scope="module")
def define(study: StudyDefinition, specs: SpecSet, datasets: dict[str, Dataset]) -> etree._Element:
    info = StudyInfo(study_oid="JWCAR029012", name="RELMACEL", description="relma-cel in SLE",
                     protocol_name="JWCAR029012", originator="EDC tests", ct_version="2024-12-20",
                     source_system_version="0.1.0")
    return etree.fromstring(define_xml(info, list(datasets.values()), export_codelists(study, specs),
                                       created=CREATED))


def where_clauses(define: etree._Element, value_list: str) -> dict[str, tuple[str, str, str, list[str]]]:
    """The value list's items: item OID -> (where clause OID, comparator, tested item OID, values)."""
    clauses = {wc.get("OID"): wc for wc in define.iterfind(".//def:WhereClauseDef", NS)}
    found = {}
    for ref in define.find(f".//def:ValueListDef[@OID='{value_list}']", NS).iterfind("odm:ItemRef", NS):
        oid = ref.find("def:WhereClauseRef", NS).get("WhereClauseOID")
        check = clauses[oid].find("odm:RangeCheck", NS)
        found[ref.get("ItemOID")] = (oid, check.get("Comparator"), check.get(f"{DEF}ItemOID"),
                                     [value.text for value in check.iterfind("odm:CheckValue", NS)])
    return found


def test_the_mapped_define_with_value_level_metadata_is_schema_valid(define: etree._Element) -> None:
    xsd = resources.files("defineutils") / "validate/schema/cdisc-define-2.1/define2-1-0.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(define), schema.error_log
    assert define.find(".//def:ValueListDef", NS) is not None and define.find(".//odm:MethodDef", NS) is not None


def test_every_oid_a_value_list_names_is_defined(define: etree._Element) -> None:
    items = {item.get("OID") for item in define.iterfind(".//odm:ItemDef", NS)}
    lists = {vl.get("OID") for vl in define.iterfind(".//def:ValueListDef", NS)}
    clauses = {wc.get("OID") for wc in define.iterfind(".//def:WhereClauseDef", NS)}
    assert {ref.get("ItemOID") for ref in define.iterfind(".//def:ValueListDef/odm:ItemRef", NS)} <= items
    assert {check.get(f"{DEF}ItemOID") for check in define.iterfind(".//odm:RangeCheck", NS)} <= items
    assert {ref.get("ValueListOID") for ref in define.iterfind(".//def:ValueListRef", NS)} == lists
    assert {ref.get("WhereClauseOID") for ref in define.iterfind(".//def:WhereClauseRef", NS)} == clauses


def test_suppae_qval_has_one_definition_per_qnam(define: etree._Element, specs: SpecSet) -> None:
    qnams = [qualifier.qnam for qualifier in specs["SUPPAE"].spec.qualifiers]
    clauses = where_clauses(define, "VL.SUPPAE.QVAL")

    assert list(clauses) == [f"IT.SUPPAE.QVAL.{qnam}" for qnam in qnams]
    assert all((comparator, tested) == ("EQ", "IT.SUPPAE.QNAM") for _, comparator, tested, _ in clauses.values())
    assert [values for *_, values in clauses.values()] == [[qnam] for qnam in qnams]
    assert define.find(".//odm:ItemDef[@OID='IT.SUPPAE.QVAL']/def:ValueListRef", NS).get("ValueListOID") == (
        "VL.SUPPAE.QVAL")
    dlt = define.find(".//odm:ItemDef[@OID='IT.SUPPAE.QVAL.AEDLT']", NS)
    assert (dlt.get("Length"), dlt.find("odm:CodeListRef", NS).get("CodeListOID")) == ("1", "CL.NY")
    assert "INVESTIGATOR" in dlt.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
    assert dlt.find("def:Origin", NS).get("Type") == "Collected"
    assert define.find(".//odm:ItemDef[@OID='IT.SUPPAE.QVAL.AEDLTADJ']/def:Origin", NS).get("Type") == "Assigned"
    assert define.find(".//odm:ItemDef[@OID='IT.SUPPAE.QVAL.AEWRSDTC']", NS).get("DataType") == "datetime"
    assert define.find(".//odm:CodeList[@OID='CL.NY']", NS) is not None


def test_aetoxgr_scale_by_category(define: etree._Element, study: StudyDefinition) -> None:
    clauses = where_clauses(define, "VL.AE.AETOXGR")
    categories = {term.submission_value or term.code for term in study.codelists["ae_category"].values}

    astct, ctcae = clauses["IT.AE.AETOXGR.ASTCT"], clauses["IT.AE.AETOXGR.CTCAE"]
    assert (astct[1], astct[2], astct[3]) == ("IN", "IT.AE.AECAT", ["CRS", "ICANS"])
    assert (ctcae[1], ctcae[2]) == ("IN", "IT.AE.AECAT")
    assert set(ctcae[3]) == categories - {"CRS", "ICANS"} and ctcae[3]
    texts = {oid: define.findtext(f".//odm:ItemDef[@OID='{oid}']/odm:Description/odm:TranslatedText",
                                  namespaces=NS) for oid in clauses}
    assert texts == {"IT.AE.AETOXGR.ASTCT": "ASTCT 2019 consensus grade",
                     "IT.AE.AETOXGR.CTCAE": "NCI CTCAE v5.0 grade"}
    for oid in clauses:
        assert define.find(f".//odm:ItemDef[@OID='{oid}']/odm:CodeListRef", NS).get("CodeListOID") == (
            "CL.CTCAE_GRADE")


def test_lbtoxgr_names_the_ctcae_criterion_of_each_graded_test(define: etree._Element) -> None:
    """One definition per graded test code (where LBTESTCD EQ code), its method the CTCAE v5.0 criterion."""
    clauses = where_clauses(define, "VL.LB.LBTOXGR")

    assert sorted(clauses) == [f"IT.LB.LBTOXGR.{code}" for code in (
        "ALB", "ALT", "APTT", "AST", "BILI", "CREAT", "FIBRINO", "HGB", "INR", "LYMPH", "NEUT", "PLAT", "WBC")]
    assert all((comparator, tested) == ("EQ", "IT.LB.LBTESTCD") for _, comparator, tested, _ in clauses.values())
    lymph = define.find(".//odm:ItemDef[@OID='IT.LB.LBTOXGR.LYMPH']", NS)
    assert (lymph.get("DataType"), lymph.get("Length")) == ("text", "1")
    assert lymph.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == (
        "NCI CTCAE v5.0 grade of Lymphocyte count decreased")
    ref = define.find(".//def:ValueListDef[@OID='VL.LB.LBTOXGR']/odm:ItemRef[@ItemOID='IT.LB.LBTOXGR.LYMPH']", NS)
    method = define.findtext(f".//odm:MethodDef[@OID='{ref.get('MethodOID')}']/odm:Description/odm:TranslatedText",
                             namespaces=NS)
    assert method.startswith("NCI CTCAE v5.0 Lymphocyte count decreased, on LBSTRESN in 10^9/L, LBSPEC BLOOD: "
                             "0 when not below LBSTNRLO; grade 1 below 1.0 x LBSTNRLO (CTCAE: <LLN - 800/mm3")
    assert "grade 3 below 0.5 10^9/L (CTCAE: <500 - 200/mm3; <0.5 - 0.2 x 10e9 /L)" in method
    variable = define.find(".//odm:ItemGroupDef[@OID='IG.LB']/odm:ItemRef[@ItemOID='IT.LB.LBTOXGR']", NS)
    overall = define.findtext(f".//odm:MethodDef[@OID='{variable.get('MethodOID')}']/odm:Description/"
                              "odm:TranslatedText", namespaces=NS)
    assert overall.startswith("NCI CTCAE v5.0 grade, 0 to 4, of LBSTRESN")


@pytest.mark.parametrize("name", ["LB", "RS", "VS", "QS"])
def test_findings_results_have_one_definition_per_test_code(define: etree._Element, name: str,
                                                             datasets: dict[str, Dataset]) -> None:
    if name not in datasets:
        pytest.skip(f"relmacel has no {name}")
    codes = [item.get("CodedValue")
             for item in define.find(f".//odm:CodeList[@OID='CL.{name}TESTCD']", NS)
             if item.get("CodedValue")]
    clauses = where_clauses(define, f"VL.{name}.{name}ORRES")

    assert sorted(clauses) == sorted(f"IT.{name}.{name}ORRES.{code}" for code in codes)
    assert all((comparator, tested, len(values)) == ("EQ", f"IT.{name}.{name}TESTCD", 1)
               for _, comparator, tested, values in clauses.values())
    assert sorted(values[0] for *_, values in clauses.values()) == sorted(codes)
    types = {define.find(f".//odm:ItemDef[@OID='{oid}']", NS).get("DataType") for oid in clauses}
    assert types <= {"float", "text"}


def test_lb_numeric_tests_are_float(define: etree._Element) -> None:
    types = {item.get("OID"): item.get("DataType") for item in define.iterfind(".//odm:ItemDef", NS)
             if item.get("OID").startswith("IT.LB.LBORRES.")}
    assert "float" in types.values()


def test_every_derived_variable_names_a_method(define: etree._Element) -> None:
    methods = {method.get("OID"): method for method in define.iterfind(".//odm:MethodDef", NS)}
    derived = {item.get("OID") for item in define.iterfind(".//odm:ItemDef", NS)
               if item.find("def:Origin", NS).get("Type") == "Derived"}
    references = {ref.get("ItemOID"): ref.get("MethodOID") for ref in define.iterfind(".//odm:ItemRef", NS)}

    assert derived
    for oid in derived:
        assert references[oid] in methods, oid
    assert all(references[oid] is None for oid in set(references) - derived)
    assert {method.get("Type") for method in methods.values()} == {"Computation"}
    assert len(methods) == len({ref for ref in references.values() if ref})
    study_day = methods["MT.AE.AESTDY"].findtext("odm:Description/odm:TranslatedText", namespaces=NS)
    assert study_day.startswith("study_day of AESTDTC: date - RFSTDTC + 1 on or after RFSTDTC")
    assert "no day 0" in study_day


def test_a_derived_variable_without_texts_gets_the_default_method() -> None:
    variable = Variable("XXSEQ", "Sequence Number", DataType.INTEGER, Role.IDENTIFIER, Origin(OriginType.DERIVED))
    dataset = Dataset("XX", "Test", DatasetClass.EVENTS, "One record per test", (variable,))
    info = StudyInfo("S", "S", "S", "S", "tests", "2024-12-20", source_system_version="0")
    define = etree.fromstring(define_xml(info, [dataset], [], created=CREATED))

    assert define.findtext(".//odm:MethodDef[@OID='MT.XX.XXSEQ']/odm:Description/odm:TranslatedText",
                           namespaces=NS) == DEFAULT_METHOD


def grade(where: WhereClause) -> ValueItem:
    return ValueItem("CTCAE", "NCI CTCAE v5.0 grade", DataType.TEXT, Origin(OriginType.COLLECTED), where, length=1)


def test_a_where_clause_on_an_unknown_variable_is_refused() -> None:
    toxgr = Variable("AETOXGR", "Standard Toxicity Grade", DataType.TEXT, Role.RECORD_QUALIFIER,
                     Origin(OriginType.COLLECTED), length=1,
                     value_items=(grade(WhereClause("AECAT", Comparator.IN, ("OTHER", "INFECTION"))),))
    with pytest.raises(ValueError, match="where clauses test variables the dataset does not have: AECAT"):
        Dataset("AE", "Adverse Events", DatasetClass.EVENTS, "One record per AE", (toxgr,))


def test_where_clauses_and_value_items_check_themselves() -> None:
    with pytest.raises(ValueError, match="needs a variable"):
        WhereClause("", Comparator.EQ, ("X",))
    with pytest.raises(ValueError, match="EQ compares with one value"):
        WhereClause("AECAT", Comparator.EQ, ("CRS", "ICANS"))
    with pytest.raises(ValueError, match="needs values"):
        WhereClause("AECAT", Comparator.IN, ())
    with pytest.raises(ValueError, match="needs a length"):
        ValueItem("X", "x", DataType.TEXT, Origin(OriginType.COLLECTED), WhereClause("AECAT", Comparator.EQ, ("X",)))
    item = grade(WhereClause("AECAT", Comparator.EQ, ("X",)))
    with pytest.raises(ValueError, match="value items named twice"):
        Variable("AETOXGR", "Grade", DataType.TEXT, Role.RECORD_QUALIFIER, Origin(OriginType.COLLECTED), length=1,
                 value_items=(item, item))
