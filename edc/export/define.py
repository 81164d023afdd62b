"""Define-XML 2.1 (define.xml): the metadata document that describes the submitted datasets.

An ODM 1.3.2 document with the def: (Define-XML 2.1) extensions: the
standards (SDTMIG and CDISC controlled terminology), one ItemGroupDef per
dataset pointing to its XPT file (def:leaf), one ItemDef per dataset and
variable, and the codelists. Sponsor terms added to an extensible CDISC
codelist are marked def:ExtendedValue="Yes"; NCI codes are written as
nci:ExtCodeID aliases. The OIDs are those Dataset-JSON files name
(`Dataset.oid`, `Dataset.item_oid`).

Written with the standard library's ElementTree; deterministic: only the
CreationDateTime depends on the `created` argument.

Value-level metadata: a variable with `value_items` gets a def:ValueListDef
(`VL.<DS>.<VAR>`) whose ItemRefs point at one ItemDef per value item
(`IT.<DS>.<VAR>.<name>`), each with a def:WhereClauseRef to its
def:WhereClauseDef (`WC.<DS>.<VAR>.<name>`). Every Derived variable (and
derived value item) has a MethodDef (`MT.<DS>.<VAR>`) its ItemRef names.
Comments are not written yet.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from edc.export.files import write_bytes_atomically
from edc.export.metadata import (
    DEFINE_FILE_NAME,
    Dataset,
    DataType,
    Origin,
    OriginType,
    StudyInfo,
    SubmissionCodelist,
    Term,
    ValueItem,
    Variable,
)
from edc.export.table import ExportError, Refusal

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

DEFAULT_METHOD = "Derived by the sponsor: see the mapping spec"
"""A derived variable's method description when neither a method text nor an origin description is given."""


def write_define(
    directory: Path,
    study: StudyInfo,
    datasets: Sequence[Dataset],
    codelists: Sequence[SubmissionCodelist],
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


def define_problems(datasets: Sequence[Dataset], codelists: Sequence[SubmissionCodelist]) -> list[Refusal]:
    """Datasets or codelists defined twice, and variables whose codelist is missing or of another type."""
    problems = [Refusal(name, "dataset listed twice") for name in _repeated([d.name for d in datasets])]
    problems += [Refusal(cl, "codelist listed twice") for cl in _repeated([c.id for c in codelists])]
    by_id = {codelist.id: codelist for codelist in codelists}
    for dataset in datasets:
        for variable in dataset.variables:
            described_all: list[Variable | ValueItem] = [variable, *variable.value_items]
            for described in described_all:
                if described.codelist is None:
                    continue
                codelist = by_id.get(described.codelist)
                if codelist is None:
                    problems.append(Refusal(dataset.name, f"codelist {described.codelist} is not defined",
                                            variable.name))
                elif codelist.data_type is not _CODELIST_TYPE[described.data_type]:
                    problems.append(Refusal(dataset.name, f"codelist {codelist.id} is {codelist.data_type.value}, "
                                            f"the variable {described.data_type.value}", variable.name))
    return problems


def _repeated(names: list[str]) -> list[str]:
    return sorted({name for name in names if names.count(name) > 1})


def define_xml(
    study: StudyInfo, datasets: Sequence[Dataset], codelists: Sequence[SubmissionCodelist], *, created: datetime
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
    # the Define-XML 2.1 schema's order: value lists, where clauses, item groups, items, codelists, methods
    listed = [(dataset, variable) for dataset in datasets for variable in dataset.variables if variable.value_items]
    version.extend(_value_list(dataset, variable) for dataset, variable in listed)
    version.extend(_where_clause(dataset, variable, item) for dataset, variable in listed
                   for item in variable.value_items)
    version.extend(_item_group(dataset) for dataset in datasets)
    for dataset in datasets:
        for variable in dataset.variables:
            version.append(_item_def(dataset, variable))
            version.extend(_value_item_def(dataset, variable, item) for item in variable.value_items)
    version.extend(_codelist(codelist) for codelist in codelists)
    version.extend(_method(oid, name, text) for oid, name, text in _methods(datasets))
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
        if _derived(variable.origin):
            reference.set("MethodOID", dataset.method_oid(variable))
        reference.set("Role", variable.role.value)
    ET.SubElement(group, _def("Class"), Name=dataset.dataset_class.value)
    leaf = ET.SubElement(group, _def("leaf"), {"ID": leaf_id, f"{{{XLINK_NS}}}href": dataset.xpt_file_name})
    ET.SubElement(leaf, _def("title")).text = dataset.xpt_file_name
    return group


def _item_def(dataset: Dataset, variable: Variable) -> ET.Element:
    item = _item(dataset.item_oid(variable), variable.name, variable.data_type, variable.storage_length,
                 variable.label, variable.codelist, variable.origin)
    if variable.significant_digits is not None:
        item.set("SignificantDigits", str(variable.significant_digits))
    if variable.value_items:
        ET.SubElement(item, _def("ValueListRef"), ValueListOID=dataset.value_list_oid(variable))
    return item


def _value_item_def(dataset: Dataset, variable: Variable, value: ValueItem) -> ET.Element:
    return _item(dataset.value_item_oid(variable, value), variable.name, value.data_type, value.storage_length,
                 value.description, value.codelist, value.origin)


def _item(oid: str, name: str, data_type: DataType, length: int, label: str, codelist: str | None,
          origin: Origin) -> ET.Element:
    item = ET.Element(_odm("ItemDef"), {"OID": oid, "Name": name, "SASFieldName": name, "DataType": data_type.value})
    # Define-XML gives lengths to text and numbers; ISO 8601 date and datetime values carry none
    if data_type in (DataType.TEXT, DataType.INTEGER, DataType.FLOAT):
        item.set("Length", str(length))
    item.append(_description(label))
    if codelist is not None:
        ET.SubElement(item, _odm("CodeListRef"), CodeListOID=codelist)
    element = ET.SubElement(item, _def("Origin"), Type=origin.type.value)
    if origin.source is not None:
        element.set("Source", origin.source.value)
    if origin.description is not None:
        element.append(_description(origin.description))
    return item


def _value_list(dataset: Dataset, variable: Variable) -> ET.Element:
    value_list = ET.Element(_def("ValueListDef"), OID=dataset.value_list_oid(variable))
    for order, value in enumerate(variable.value_items, start=1):
        reference = ET.SubElement(value_list, _odm("ItemRef"), {
            "ItemOID": dataset.value_item_oid(variable, value),
            "OrderNumber": str(order),
            "Mandatory": _yes_no(value.mandatory),
        })
        if _derived(value.origin):
            reference.set("MethodOID", dataset.method_oid(variable, value))
        ET.SubElement(reference, _def("WhereClauseRef"), WhereClauseOID=dataset.where_clause_oid(variable, value))
    return value_list


def _where_clause(dataset: Dataset, variable: Variable, value: ValueItem) -> ET.Element:
    clause = ET.Element(_def("WhereClauseDef"), OID=dataset.where_clause_oid(variable, value))
    tested = next(v for v in dataset.variables if v.name == value.where.variable)  # Dataset checked it exists
    check = ET.SubElement(clause, _odm("RangeCheck"), {
        "Comparator": value.where.comparator.value, "SoftHard": "Soft", _def("ItemOID"): dataset.item_oid(tested),
    })
    for checked in value.where.values:
        ET.SubElement(check, _odm("CheckValue")).text = checked
    return clause


def _methods(datasets: Sequence[Dataset]) -> list[tuple[str, str, str]]:
    """(OID, name, description) of every derived variable and derived value item, in file order."""
    methods = []
    for dataset in datasets:
        for variable in dataset.variables:
            name = f"{dataset.name}.{variable.name}"
            if _derived(variable.origin):
                methods.append((dataset.method_oid(variable), name, _method_text(variable.method, variable.origin)))
            methods += [(dataset.method_oid(variable, value), f"{name} ({value.name})",
                         _method_text(value.method, value.origin))
                        for value in variable.value_items if _derived(value.origin)]
    return methods


def _method_text(method: str | None, origin: Origin) -> str:
    return method or origin.description or DEFAULT_METHOD


def _method(oid: str, name: str, text: str) -> ET.Element:
    method = ET.Element(_odm("MethodDef"), {"OID": oid, "Name": f"Algorithm to derive {name}", "Type": "Computation"})
    method.append(_description(text))
    return method


def _derived(origin: Origin) -> bool:
    return origin.type is OriginType.DERIVED


def _codelist(codelist: SubmissionCodelist) -> ET.Element:
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
