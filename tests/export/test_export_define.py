"""Define-XML 2.1: valid against CDISC's XSDs, complete for the metadata, consistent with the files written."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from export_samples import AE, CODELISTS, CREATED, DM, SAMPLES, STUDY, VS, char, export_all
from lxml import etree

from edc.export.formats.codelist import SubmissionCodelist, Term
from edc.export.formats.define import write_define
from edc.export.formats.metadata import DataType
from edc.export.formats.table import ExportError

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DATASETS = [dataset for dataset, _ in SAMPLES]


@pytest.fixture(scope="module")
def define_schema() -> etree.XMLSchema:
    """CDISC's Define-XML 2.1 schema (it includes ODM 1.3.2), as the defineutils package ships it."""
    xsd = resources.files("defineutils") / "validate/schema/cdisc-define-2.1/define2-1-0.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("export")
    export_all(directory)
    return directory


@pytest.fixture(scope="module")
def define(exported: Path) -> etree._ElementTree:
    return etree.parse(str(exported / "define.xml"))


def test_valid_against_the_define_xml_2_1_schema(define: etree._ElementTree, define_schema: etree.XMLSchema) -> None:
    assert define_schema.validate(define), define_schema.error_log


def test_the_schema_check_does_catch_errors(define: etree._ElementTree, define_schema: etree.XMLSchema) -> None:
    broken = etree.fromstring(etree.tostring(define))
    del broken.attrib[f"{DEF}Context"]
    broken.find(".//odm:ItemGroupDef", NS).attrib["Repeating"] = "Sometimes"
    assert not define_schema.validate(broken)
    assert len(define_schema.error_log) == 2


def test_root_study_and_standards(define: etree._ElementTree) -> None:
    root = define.getroot()
    assert root.tag == "{http://www.cdisc.org/ns/odm/v1.3}ODM"
    assert (root.get("ODMVersion"), root.get(f"{DEF}Context"), root.get("CreationDateTime")) == (
        "1.3.2", "Submission", "2026-04-01T09:30:00+00:00")
    assert root.find("odm:Study", NS).get("OID") == "IC19"
    assert root.findtext(".//odm:ProtocolName", namespaces=NS) == "IC19-001"
    version = root.find(".//odm:MetaDataVersion", NS)
    assert version.get(f"{DEF}DefineVersion") == "2.1.0"
    standards = [(standard.get("Name"), standard.get("Type"), standard.get("Version"))
                 for standard in version.findall("def:Standards/def:Standard", NS)]
    assert standards == [("SDTMIG", "IG", "3.4"), ("CDISC/NCI", "CT", "2024-12-20")]


def test_every_dataset_is_an_item_group_pointing_to_its_written_xpt_file(
    define: etree._ElementTree, exported: Path
) -> None:
    groups = {group.get("Name"): group for group in define.iterfind(".//odm:ItemGroupDef", NS)}
    assert list(groups) == ["DM", "AE", "VS"]
    for dataset in DATASETS:
        group = groups[dataset.name]
        assert group.get("OID") == dataset.oid
        assert group.get("Purpose") == "Tabulation"
        assert group.get(f"{DEF}Structure") == dataset.structure
        assert group.find("def:Class", NS).get("Name") == dataset.dataset_class.value
        assert group.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == dataset.label
        leaf = group.find("def:leaf", NS)
        assert leaf.get("ID") == group.get(f"{DEF}ArchiveLocationID")
        assert (exported / leaf.get(XLINK_HREF)).is_file()
        assert leaf.get(XLINK_HREF) == dataset.xpt_file_name
    assert groups["DM"].get("Repeating") == "No"
    assert groups["AE"].get("Repeating") == "Yes"


def test_every_variable_has_an_item_ref_and_an_item_def(define: etree._ElementTree) -> None:
    item_defs = {item.get("OID"): item for item in define.iterfind(".//odm:ItemDef", NS)}
    for dataset in DATASETS:
        refs = define.findall(f".//odm:ItemGroupDef[@OID='{dataset.oid}']/odm:ItemRef", NS)
        assert [ref.get("ItemOID") for ref in refs] == [dataset.item_oid(v) for v in dataset.variables]
        assert [ref.get("OrderNumber") for ref in refs] == [str(n) for n in range(1, len(refs) + 1)]
        for ref, variable in zip(refs, dataset.variables, strict=True):
            assert ref.get("Mandatory") == ("Yes" if variable.mandatory else "No")
            assert ref.get("KeySequence") == (None if variable.key_sequence is None else str(variable.key_sequence))
            assert ref.get("Role") == variable.role.value
            item = item_defs[ref.get("ItemOID")]
            assert (item.get("Name"), item.get("DataType")) == (variable.name, variable.data_type.value)
            assert item.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == variable.label
            assert item.find("def:Origin", NS).get("Type") == variable.origin.type.value
    assert len(item_defs) == sum(len(dataset.variables) for dataset in DATASETS)


def test_lengths_for_text_and_numbers_none_for_iso_8601(define: etree._ElementTree) -> None:
    def item(oid: str) -> etree._Element:
        return define.find(f".//odm:ItemDef[@OID='{oid}']", NS)

    assert item("IT.AE.AETERM").get("Length") == "200"
    assert item("IT.AE.AESEQ").get("Length") == "8"
    assert item("IT.AE.AESTDTC").get("Length") is None
    assert item("IT.AE.AESTDTC").get("DataType") == "datetime"
    assert item("IT.DM.RFICDTC").get("DataType") == "date"
    assert (item("IT.VS.VSSTRESN").get("DataType"), item("IT.VS.VSSTRESN").get("SignificantDigits")) == ("float", "1")
    origin = item("IT.AE.AEDECOD").find("def:Origin", NS)
    assert (origin.get("Type"), origin.get("Source")) == ("Assigned", "Vendor")
    assert origin.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == "MedDRA 28.1"


def test_every_codelist_referenced_is_defined_and_oids_are_unique(define: etree._ElementTree) -> None:
    defined = {codelist.get("OID") for codelist in define.iterfind(".//odm:CodeList", NS)}
    referenced = {ref.get("CodeListOID") for ref in define.iterfind(".//odm:CodeListRef", NS)}
    assert referenced <= defined
    assert referenced == {"CL.NY", "CL.AGEU", "CL.SEX", "CL.ARMCD", "CL.EPOCH"}
    oids = [element.get("OID") for element in define.iter() if element.get("OID") is not None]
    oids += [leaf.get("ID") for leaf in define.iterfind(".//def:leaf", NS)]
    assert [oid for oid, count in Counter(oids).items() if count > 1] == []


def test_codelists_terms_nci_codes_and_sponsor_extensions(define: etree._ElementTree) -> None:
    def codelist(oid: str) -> etree._Element:
        return define.find(f".//odm:CodeList[@OID='{oid}']", NS)

    sex = codelist("CL.SEX")
    assert sex.get(f"{DEF}StandardOID") == "STD.CT.SDTM"
    assert sex.find("odm:Alias", NS).attrib == {"Context": "nci:ExtCodeID", "Name": "C66731"}
    female = sex.find("odm:CodeListItem[@CodedValue='F']", NS)
    assert female.findtext("odm:Decode/odm:TranslatedText", namespaces=NS) == "Female"
    assert female.find("odm:Alias", NS).get("Name") == "C16576"

    epoch = codelist("CL.EPOCH")
    assert [item.get("CodedValue") for item in epoch.findall("odm:EnumeratedItem", NS)] == [
        "SCREENING", "TREATMENT", "LYMPHODEPLETION"]
    extended = [item.get("CodedValue") for item in define.iterfind(".//*[@def:ExtendedValue='Yes']", NS)]
    assert extended == ["LYMPHODEPLETION"]
    assert epoch.find("odm:EnumeratedItem[@CodedValue='LYMPHODEPLETION']/odm:Alias", NS) is None

    arm = codelist("CL.ARMCD")  # sponsor-defined: no CDISC standard, no NCI code
    assert arm.get(f"{DEF}StandardOID") is None
    assert arm.find(".//odm:Alias", NS) is None
    assert arm.find("odm:CodeListItem[@CodedValue='DL2']/odm:Decode/odm:TranslatedText", NS).text == (
        "Dose level 2: 3 x 10^6 CAR-T cells/kg")


def test_dataset_json_files_name_the_oids_define_defines(define: etree._ElementTree, exported: Path) -> None:
    item_oids = {item.get("OID") for item in define.iterfind(".//odm:ItemDef", NS)}
    version = define.find(".//odm:MetaDataVersion", NS).get("OID")
    for dataset in DATASETS:
        document = json.loads((exported / f"{dataset.name.lower()}.json").read_text(encoding="utf-8"))
        assert define.find(f".//odm:ItemGroupDef[@OID='{document['itemGroupOID']}']", NS) is not None
        assert {column["itemOID"] for column in document["columns"]} <= item_oids
        assert (document["studyOID"], document["metaDataVersionOID"]) == ("IC19", version)


def test_undefined_or_mistyped_codelists_and_repeats_are_refused(tmp_path: Path) -> None:
    integer_list = SubmissionCodelist("CL.GRADE", "Grade", (Term("1"),), data_type=DataType.INTEGER,
                                      sponsor_defined=True)
    vs = replace(VS, variables=(*VS.variables, char("VSGRADE", "Grade", 1, codelist="CL.GRADE"),
                                char("VSX", "X", 1, codelist="CL.X")))
    with pytest.raises(ExportError) as raised:
        write_define(tmp_path, STUDY, [DM, AE, AE, vs], [*CODELISTS, integer_list, integer_list], created=CREATED)
    assert [str(problem) for problem in raised.value.problems] == [
        "AE: dataset listed twice",
        "CL.GRADE: codelist listed twice",
        "VS.VSGRADE: codelist CL.GRADE is integer, the variable text",
        "VS.VSX: codelist CL.X is not defined",
    ]
    assert list(tmp_path.iterdir()) == []
