"""Define-XML 2.1 (define.xml): the metadata document that describes the submitted datasets.

An ODM 1.3.2 document with the def: (Define-XML 2.1) extensions: the
standards (SDTMIG and CDISC controlled terminology), one ItemGroupDef per
dataset pointing to its XPT file (def:leaf), one ItemDef per dataset and
variable, and the codelists. Sponsor terms added to an extensible CDISC
codelist are marked def:ExtendedValue="Yes"; NCI codes are written as
nci:ExtCodeID aliases. The OIDs are those Dataset-JSON files name
(`Dataset.oid`, `Dataset.item_oid`).

Written with the standard library's ElementTree; deterministic: only the
CreationDateTime depends on the `created` argument. Value-level metadata,
methods and comments are not written yet.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from edc.export.files import write_bytes_atomically
from edc.export.metadata import DEFINE_FILE_NAME, Codelist, Dataset, DataType, StudyInfo, Term, Variable
from edc.export.table import ExportError, Problem

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# ElementTree keeps prefixes in a process-wide registry; registering the same ones again is harmless
ET.register_namespace("", ODM_NS)
ET.register_namespace("def", DEF_NS)
ET.register_namespace("xlink", XLINK_NS)

SDTMIG_OID = "STD.SDTMIG"
CT_OID = "STD.CT.SDTM"
NCI_CONTEXT = "nci:ExtCodeID"

_CODELIST_TYPE = {
    DataType.TEXT: DataType.TEXT,
    DataType.DATE: DataType.TEXT,
    DataType.DATETIME: DataType.TEXT,
    DataType.INTEGER: DataType.INTEGER,
    DataType.FLOAT: DataType.FLOAT,
}
"""The codelist data type a variable of each data type needs."""


def write_define(
    directory: Path,
    study: StudyInfo,
    datasets: Sequence[Dataset],
    codelists: Sequence[Codelist],
    *,
    created: datetime,
) -> Path:
    """Write `directory/define.xml`; ExportError lists every problem instead."""
    target = directory / DEFINE_FILE_NAME
    problems = define_problems(datasets, codelists)
    if problems:
        raise ExportError(str(target), problems)
    write_bytes_atomically(target, define_xml(study, datasets, codelists, created=created))
    return target


def define_problems(datasets: Sequence[Dataset], codelists: Sequence[Codelist]) -> list[Problem]:
    """Datasets or codelists defined twice, and variables whose codelist is missing or of another type."""
    problems = [Problem(name, "dataset listed twice") for name in _repeated([d.name for d in datasets])]
    problems += [Problem(cl, "codelist listed twice") for cl in _repeated([c.id for c in codelists])]
    by_id = {codelist.id: codelist for codelist in codelists}
    for dataset in datasets:
        for variable in dataset.variables:
            if variable.codelist is None:
                continue
            codelist = by_id.get(variable.codelist)
            if codelist is None:
                problems.append(Problem(dataset.name, f"codelist {variable.codelist} is not defined", variable.name))
            elif codelist.data_type is not _CODELIST_TYPE[variable.data_type]:
                problems.append(Problem(dataset.name, f"codelist {codelist.id} is {codelist.data_type.value}, "
                                        f"the variable {variable.data_type.value}", variable.name))
    return problems


def _repeated(names: list[str]) -> list[str]:
    return sorted({name for name in names if names.count(name) > 1})


def define_xml(
    study: StudyInfo, datasets: Sequence[Dataset], codelists: Sequence[Codelist], *, created: datetime
) -> bytes:
    """The define.xml document, UTF-8, indented."""
    root = ET.Element(_odm("ODM"), {
        "FileType": "Snapshot",
        "FileOID": f"{study.metadata_version_oid}/define",
        "CreationDateTime": created.isoformat(timespec="seconds"),
        "ODMVersion": "1.3.2",
        "Originator": study.originator,
        "SourceSystem": study.source_system,
        "SourceSystemVersion": study.source_system_version,
        _def("Context"): "Submission",
    })
    study_element = ET.SubElement(root, _odm("Study"), OID=study.study_oid)
    globals_element = ET.SubElement(study_element, _odm("GlobalVariables"))
    ET.SubElement(globals_element, _odm("StudyName")).text = study.name
    ET.SubElement(globals_element, _odm("StudyDescription")).text = study.description
    ET.SubElement(globals_element, _odm("ProtocolName")).text = study.protocol_name
    version = ET.SubElement(study_element, _odm("MetaDataVersion"), {
        "OID": study.metadata_version_oid,
        "Name": f"{study.name}, SDTMIG {study.sdtmig_version}",
        _def("DefineVersion"): study.define_version,
    })
    version.append(_standards(study))
    version.extend(_item_group(dataset) for dataset in datasets)
    version.extend(_item_def(dataset, variable) for dataset in datasets for variable in dataset.variables)
    version.extend(_codelist(codelist) for codelist in codelists)
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def _standards(study: StudyInfo) -> ET.Element:
    standards = ET.Element(_def("Standards"))
    ET.SubElement(standards, _def("Standard"), {
        "OID": SDTMIG_OID, "Name": "SDTMIG", "Type": "IG", "Version": study.sdtmig_version, "Status": "Final",
    })
    ET.SubElement(standards, _def("Standard"), {
        "OID": CT_OID, "Name": "CDISC/NCI", "Type": "CT", "PublishingSet": "SDTM", "Version": study.ct_version,
        "Status": "Final",
    })
    return standards


def _item_group(dataset: Dataset) -> ET.Element:
    leaf_id = f"LF.{dataset.name}"
    group = ET.Element(_odm("ItemGroupDef"), {
        "OID": dataset.oid,
        "Domain": dataset.domain or dataset.name,
        "Name": dataset.name,
        "SASDatasetName": dataset.name,
        "Repeating": _yes_no(dataset.repeating),
        "IsReferenceData": _yes_no(dataset.reference_data),
        "Purpose": "Tabulation",
        _def("Structure"): dataset.structure,
        _def("StandardOID"): SDTMIG_OID,
        _def("ArchiveLocationID"): leaf_id,
    })
    group.append(_description(dataset.label))
    for order, variable in enumerate(dataset.variables, start=1):
        reference = ET.SubElement(group, _odm("ItemRef"), {
            "ItemOID": dataset.item_oid(variable),
            "OrderNumber": str(order),
            "Mandatory": _yes_no(variable.mandatory),
        })
        if variable.key_sequence is not None:
            reference.set("KeySequence", str(variable.key_sequence))
        reference.set("Role", variable.role.value)
    ET.SubElement(group, _def("Class"), Name=dataset.dataset_class.value)
    leaf = ET.SubElement(group, _def("leaf"), {"ID": leaf_id, f"{{{XLINK_NS}}}href": dataset.xpt_file_name})
    ET.SubElement(leaf, _def("title")).text = dataset.xpt_file_name
    return group


def _item_def(dataset: Dataset, variable: Variable) -> ET.Element:
    item = ET.Element(_odm("ItemDef"), {
        "OID": dataset.item_oid(variable),
        "Name": variable.name,
        "SASFieldName": variable.name,
        "DataType": variable.data_type.value,
    })
    # Define-XML gives lengths to text and numbers; ISO 8601 date and datetime values carry none
    if variable.data_type in (DataType.TEXT, DataType.INTEGER, DataType.FLOAT):
        item.set("Length", str(variable.storage_length))
    if variable.significant_digits is not None:
        item.set("SignificantDigits", str(variable.significant_digits))
    item.append(_description(variable.label))
    if variable.codelist is not None:
        ET.SubElement(item, _odm("CodeListRef"), CodeListOID=variable.codelist)
    origin = ET.SubElement(item, _def("Origin"), Type=variable.origin.type.value)
    if variable.origin.source is not None:
        origin.set("Source", variable.origin.source.value)
    if variable.origin.description is not None:
        origin.append(_description(variable.origin.description))
    return item


def _codelist(codelist: Codelist) -> ET.Element:
    element = ET.Element(_odm("CodeList"), {
        "OID": codelist.id, "Name": codelist.name, "DataType": codelist.data_type.value,
    })
    if not codelist.sponsor_defined:
        element.set(_def("StandardOID"), CT_OID)
    element.extend(_term(term, decoded=codelist.has_decodes) for term in codelist.terms)
    if codelist.nci_code is not None:
        ET.SubElement(element, _odm("Alias"), Context=NCI_CONTEXT, Name=codelist.nci_code)
    return element


def _term(term: Term, *, decoded: bool) -> ET.Element:
    element = ET.Element(_odm("CodeListItem" if decoded else "EnumeratedItem"), CodedValue=term.value)
    if term.extended:
        element.set(_def("ExtendedValue"), "Yes")
    if decoded:
        decode = ET.SubElement(element, _odm("Decode"))
        ET.SubElement(decode, _odm("TranslatedText"), {_XML_LANG: "en"}).text = term.decode
    if term.nci_code is not None:
        ET.SubElement(element, _odm("Alias"), Context=NCI_CONTEXT, Name=term.nci_code)
    return element


def _description(text: str) -> ET.Element:
    description = ET.Element(_odm("Description"))
    ET.SubElement(description, _odm("TranslatedText"), {_XML_LANG: "en"}).text = text
    return description


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def _odm(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _def(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"
