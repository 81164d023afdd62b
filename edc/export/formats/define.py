"""Define-XML 2.1 (define.xml): the metadata document that describes the submitted datasets.

An ODM 1.3.2 document with the def: (Define-XML 2.1) extensions: the
standards (SDTMIG and CDISC controlled terminology), one ItemGroupDef per
dataset pointing to its XPT file (def:leaf), one ItemDef per dataset and
variable, and the codelists. Sponsor terms added to an extensible CDISC
codelist are marked def:ExtendedValue="Yes"; NCI codes are written as
nci:ExtCodeID aliases; an external dictionary's codelist (MedDRA, WHODrug)
is a def:ExternalCodeList naming the dictionary and its version. The OIDs
are those Dataset-JSON files name (`Dataset.oid`, `Dataset.item_oid`).

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

from edc.export.formats.codelist import SubmissionCodelist
from edc.export.formats.define_elements import (
    CT_OID,
    SDTMIG_OID,
    codelist_def,
    def_tag,
    derivation_methods,
    item_def,
    item_group_def,
    method_def,
    odm_tag,
    value_item_def,
    value_list_def,
    where_clause_def,
)
from edc.export.formats.files import write_bytes_atomically
from edc.export.formats.metadata import DEFINE_FILE_NAME, Dataset, DataType, ValueItem, Variable
from edc.export.formats.study import StudyInfo
from edc.export.formats.table import ExportError, Refusal

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
    root = ET.Element(odm_tag("ODM"), {
        "FileType": "Snapshot",
        "FileOID": f"{study.metadata_version_oid}/define",
        "CreationDateTime": created.isoformat(timespec="seconds"),
        "ODMVersion": "1.3.2",
        "Originator": study.originator,
        "SourceSystem": study.source_system,
        "SourceSystemVersion": study.source_system_version,
        def_tag("Context"): "Submission",
    })
    study_element = ET.SubElement(root, odm_tag("Study"), OID=study.study_oid)
    globals_element = ET.SubElement(study_element, odm_tag("GlobalVariables"))
    ET.SubElement(globals_element, odm_tag("StudyName")).text = study.name
    ET.SubElement(globals_element, odm_tag("StudyDescription")).text = study.description
    ET.SubElement(globals_element, odm_tag("ProtocolName")).text = study.protocol_name
    version = ET.SubElement(study_element, odm_tag("MetaDataVersion"), {
        "OID": study.metadata_version_oid,
        "Name": f"{study.name}, SDTMIG {study.sdtmig_version}",
        def_tag("DefineVersion"): study.define_version,
    })
    version.append(_standards(study))
    # the Define-XML 2.1 schema's order: value lists, where clauses, item groups, items, codelists, methods
    listed = [(dataset, variable) for dataset in datasets for variable in dataset.variables if variable.value_items]
    version.extend(value_list_def(dataset, variable) for dataset, variable in listed)
    version.extend(where_clause_def(dataset, variable, item) for dataset, variable in listed
                   for item in variable.value_items)
    version.extend(item_group_def(dataset) for dataset in datasets)
    for dataset in datasets:
        for variable in dataset.variables:
            version.append(item_def(dataset, variable))
            version.extend(value_item_def(dataset, variable, item) for item in variable.value_items)
    version.extend(codelist_def(codelist) for codelist in codelists)
    version.extend(method_def(oid, name, text) for oid, name, text in derivation_methods(datasets))
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def _standards(study: StudyInfo) -> ET.Element:
    standards = ET.Element(def_tag("Standards"))
    ET.SubElement(standards, def_tag("Standard"), {
        "OID": SDTMIG_OID, "Name": "SDTMIG", "Type": "IG", "Version": study.sdtmig_version, "Status": "Final",
    })
    ET.SubElement(standards, def_tag("Standard"), {
        "OID": CT_OID, "Name": "CDISC/NCI", "Type": "CT", "PublishingSet": "SDTM", "Version": study.ct_version,
        "Status": "Final",
    })
    return standards
