"""The Define-XML 2.1 elements of define.xml: ItemGroupDef, ItemDef, ValueListDef, WhereClauseDef, MethodDef, CodeList.

Each builder turns one piece of the metadata model into its element; the
document and its order are assembled by `edc.export.formats.define`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from edc.export.formats.codelist import SubmissionCodelist, Term
from edc.export.formats.metadata import Dataset, DataType, Origin, OriginType, ValueItem, Variable

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


DEFAULT_METHOD = "Derived by the sponsor: see the mapping spec"
"""A derived variable's method description when neither a method text nor an origin description is given."""


def item_group_def(dataset: Dataset) -> ET.Element:
    leaf_id = f"LF.{dataset.name}"
    group = ET.Element(odm_tag("ItemGroupDef"), {
        "OID": dataset.oid,
        "Domain": dataset.domain or dataset.name,
        "Name": dataset.name,
        "SASDatasetName": dataset.name,
        "Repeating": _yes_no(dataset.repeating),
        "IsReferenceData": _yes_no(dataset.reference_data),
        "Purpose": "Tabulation",
        def_tag("Structure"): dataset.structure,
        def_tag("StandardOID"): SDTMIG_OID,
        def_tag("ArchiveLocationID"): leaf_id,
    })
    group.append(_description(dataset.label))
    for order, variable in enumerate(dataset.variables, start=1):
        reference = ET.SubElement(group, odm_tag("ItemRef"), {
            "ItemOID": dataset.item_oid(variable),
            "OrderNumber": str(order),
            "Mandatory": _yes_no(variable.mandatory),
        })
        if variable.key_sequence is not None:
            reference.set("KeySequence", str(variable.key_sequence))
        if _derived(variable.origin):
            reference.set("MethodOID", dataset.method_oid(variable))
        reference.set("Role", variable.role.value)
    ET.SubElement(group, def_tag("Class"), Name=dataset.dataset_class.value)
    leaf = ET.SubElement(group, def_tag("leaf"), {"ID": leaf_id, f"{{{XLINK_NS}}}href": dataset.xpt_file_name})
    ET.SubElement(leaf, def_tag("title")).text = dataset.xpt_file_name
    return group


def item_def(dataset: Dataset, variable: Variable) -> ET.Element:
    item = _item(dataset.item_oid(variable), variable.name, variable.data_type, variable.storage_length,
                 variable.label, variable.codelist, variable.origin)
    if variable.significant_digits is not None:
        item.set("SignificantDigits", str(variable.significant_digits))
    if variable.value_items:
        ET.SubElement(item, def_tag("ValueListRef"), ValueListOID=dataset.value_list_oid(variable))
    return item


def value_item_def(dataset: Dataset, variable: Variable, value: ValueItem) -> ET.Element:
    return _item(dataset.value_item_oid(variable, value), variable.name, value.data_type, value.storage_length,
                 value.description, value.codelist, value.origin)


def _item(oid: str, name: str, data_type: DataType, length: int, label: str, codelist: str | None,
          origin: Origin) -> ET.Element:
    item = ET.Element(odm_tag("ItemDef"), {"OID": oid, "Name": name, "SASFieldName": name, "DataType": data_type.value})
    # Define-XML gives lengths to text and numbers; ISO 8601 date and datetime values carry none
    if data_type in (DataType.TEXT, DataType.INTEGER, DataType.FLOAT):
        item.set("Length", str(length))
    item.append(_description(label))
    if codelist is not None:
        ET.SubElement(item, odm_tag("CodeListRef"), CodeListOID=codelist)
    element = ET.SubElement(item, def_tag("Origin"), Type=origin.type.value)
    if origin.source is not None:
        element.set("Source", origin.source.value)
    if origin.description is not None:
        element.append(_description(origin.description))
    return item


def value_list_def(dataset: Dataset, variable: Variable) -> ET.Element:
    value_list = ET.Element(def_tag("ValueListDef"), OID=dataset.value_list_oid(variable))
    for order, value in enumerate(variable.value_items, start=1):
        reference = ET.SubElement(value_list, odm_tag("ItemRef"), {
            "ItemOID": dataset.value_item_oid(variable, value),
            "OrderNumber": str(order),
            "Mandatory": _yes_no(value.mandatory),
        })
        if _derived(value.origin):
            reference.set("MethodOID", dataset.method_oid(variable, value))
        ET.SubElement(reference, def_tag("WhereClauseRef"), WhereClauseOID=dataset.where_clause_oid(variable, value))
    return value_list


def where_clause_def(dataset: Dataset, variable: Variable, value: ValueItem) -> ET.Element:
    clause = ET.Element(def_tag("WhereClauseDef"), OID=dataset.where_clause_oid(variable, value))
    tested = next(v for v in dataset.variables if v.name == value.where.variable)  # Dataset checked it exists
    check = ET.SubElement(clause, odm_tag("RangeCheck"), {
        "Comparator": value.where.comparator.value, "SoftHard": "Soft", def_tag("ItemOID"): dataset.item_oid(tested),
    })
    for checked in value.where.values:
        ET.SubElement(check, odm_tag("CheckValue")).text = checked
    return clause


def derivation_methods(datasets: Sequence[Dataset]) -> list[tuple[str, str, str]]:
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


def method_def(oid: str, name: str, text: str) -> ET.Element:
    method = ET.Element(odm_tag("MethodDef"),
                        {"OID": oid, "Name": f"Algorithm to derive {name}", "Type": "Computation"})
    method.append(_description(text))
    return method


def _derived(origin: Origin) -> bool:
    return origin.type is OriginType.DERIVED


def codelist_def(codelist: SubmissionCodelist) -> ET.Element:
    element = ET.Element(odm_tag("CodeList"), {
        "OID": codelist.id, "Name": codelist.name, "DataType": codelist.data_type.value,
    })
    if codelist.external is not None:
        ET.SubElement(element, odm_tag("ExternalCodeList"), Dictionary=codelist.external[0],
                      Version=codelist.external[1])
        return element
    if not codelist.sponsor_defined:
        element.set(def_tag("StandardOID"), CT_OID)
    element.extend(_term(term, decoded=codelist.has_decodes) for term in codelist.terms)
    if codelist.nci_code is not None:
        ET.SubElement(element, odm_tag("Alias"), Context=NCI_CONTEXT, Name=codelist.nci_code)
    return element


def _term(term: Term, *, decoded: bool) -> ET.Element:
    element = ET.Element(odm_tag("CodeListItem" if decoded else "EnumeratedItem"), CodedValue=term.value)
    if term.extended:
        element.set(def_tag("ExtendedValue"), "Yes")
    if decoded:
        decode = ET.SubElement(element, odm_tag("Decode"))
        ET.SubElement(decode, odm_tag("TranslatedText"), {_XML_LANG: "en"}).text = term.decode
    if term.nci_code is not None:
        ET.SubElement(element, odm_tag("Alias"), Context=NCI_CONTEXT, Name=term.nci_code)
    return element


def _description(text: str) -> ET.Element:
    description = ET.Element(odm_tag("Description"))
    ET.SubElement(description, odm_tag("TranslatedText"), {_XML_LANG: "en"}).text = text
    return description


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def odm_tag(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def def_tag(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"
