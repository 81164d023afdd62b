"""The ODM 1.3.2 Study element of a study definition: events, forms, item groups, items, codelists, units.

Each visit is a StudyEventDef (the unscheduled visit and the running logs are
repeating ones), each form a FormDef with one ItemGroupDef holding its items;
an item's SDTM annotation becomes Alias elements (Context "SDTM").
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from edc.definitions.catalog import StudyDefinition
from edc.definitions.form_lists import FormList
from edc.definitions.model import Codelist, Form, Item
from edc.definitions.vocabulary import LOGS_VISIT
from edc.export.odm import oids
from edc.export.odm.oids import ODM_NS

UNSCHEDULED_VISIT = "UNS"
"""The visit code of unscheduled visits (as the records store it)."""

DATA_TYPES = {"integer": "integer", "decimal": "float", "text": "text", "date": "date",
              "partial_date": "partialDate", "datetime": "datetime", "time": "time", "boolean": "boolean",
              "choice": "text", "multichoice": "text"}
"""The ODM DataType of each item type: a choice holds its code; a multichoice its codes, space separated."""


def q(tag: str) -> str:
    """The qualified ODM name of `tag`."""
    return f"{{{ODM_NS}}}{tag}"


def sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """A child ODM element of `parent` with `attributes` (those whose value is empty are left out)."""
    return etree.SubElement(parent, q(tag), {k: v for k, v in attributes.items() if v})


def events(study: StudyDefinition) -> list[tuple[str, str, FormList, bool]]:
    """(visit code, name, forms, repeating) of every event: the scheduled visits, then unscheduled and logs."""
    found: list[tuple[str, str, FormList, bool]] = [(v.id, v.name, v, False) for v in study.visits]
    schedule = study.spec.schedule
    if schedule.unscheduled is not None:
        found.append((UNSCHEDULED_VISIT, "Unscheduled visit", schedule.unscheduled, True))
    if schedule.logs is not None:
        found.append((LOGS_VISIT, "Running logs", schedule.logs, False))
    return found


def study_element(study: StudyDefinition) -> etree._Element:
    """The Study element: global variables, units, and one MetaDataVersion of the definition's version."""
    root = etree.Element(q("Study"), OID=oids.study(study.id))
    meta = study.spec.study
    names = sub(root, "GlobalVariables")
    etree.SubElement(names, q("StudyName")).text = meta.protocol_id
    etree.SubElement(names, q("StudyDescription")).text = meta.title
    etree.SubElement(names, q("ProtocolName")).text = meta.protocol_id
    _units(sub(root, "BasicDefinitions"), sorted({i.unit for f in study.forms.values() for i in f.items if i.unit}))
    mdv = sub(root, "MetaDataVersion", OID=oids.metadata_version(study.version), Name=f"{study.id} {study.version}")
    protocol = sub(mdv, "Protocol")
    for n, (code, _, _, _) in enumerate(events(study), 1):
        sub(protocol, "StudyEventRef", StudyEventOID=oids.event(code), OrderNumber=str(n), Mandatory="No")
    for code, name, forms, repeating in events(study):
        event = sub(mdv, "StudyEventDef", OID=oids.event(code), Name=name, Repeating="Yes" if repeating else "No",
                    Type="Unscheduled" if code == UNSCHEDULED_VISIT else "Common" if code == LOGS_VISIT
                    else "Scheduled")
        for n, form_id in enumerate(forms.forms, 1):
            sub(event, "FormRef", FormOID=oids.form(form_id), OrderNumber=str(n), Mandatory="No")
    ordered = [study.forms[f] for f in sorted(study.forms)]
    for form in ordered:
        _form_def(mdv, form)
    for form in ordered:
        _group_def(mdv, form)
    for form in ordered:
        for item in form.items:
            _item_def(mdv, form, item)
    for codelist_id in sorted(study.codelists):
        _codelist(mdv, study.codelists[codelist_id])
    return root


def _units(parent: etree._Element, symbols: Iterable[str]) -> None:
    for symbol in symbols:
        unit = sub(parent, "MeasurementUnit", OID=oids.unit(symbol), Name=symbol)
        etree.SubElement(sub(unit, "Symbol"), q("TranslatedText")).text = symbol
    if not len(parent):
        parent.getparent().remove(parent)  # type: ignore[union-attr]  # an empty BasicDefinitions is allowed but says nothing


def _form_def(mdv: etree._Element, form: Form) -> None:
    element = sub(mdv, "FormDef", OID=oids.form(form.id), Name=form.title,
                  Repeating="Yes" if form.repeating else "No")
    sub(element, "ItemGroupRef", ItemGroupOID=oids.item_group(form.id), Mandatory="Yes")


def _group_def(mdv: etree._Element, form: Form) -> None:
    element = sub(mdv, "ItemGroupDef", OID=oids.item_group(form.id), Name=form.title, Repeating="No",
                  Domain=form.domain or "")
    for n, item in enumerate(form.items, 1):
        sub(element, "ItemRef", ItemOID=oids.item(form.id, item.name), OrderNumber=str(n),
            Mandatory="Yes" if item.required else "No")
    if form.domain:
        sub(element, "Alias", Context="SDTM", Name=form.domain)


def _item_def(mdv: etree._Element, form: Form, item: Item) -> None:
    element = sub(mdv, "ItemDef", OID=oids.item(form.id, item.name), Name=item.name,
                  DataType=DATA_TYPES[item.type], Length=str(item.max_length or ""),
                  SignificantDigits=str(item.precision) if item.precision is not None else "")
    etree.SubElement(sub(element, "Question"), q("TranslatedText")).text = item.label
    if item.unit:
        sub(element, "MeasurementUnitRef", MeasurementUnitOID=oids.unit(item.unit))
    if item.codelist:
        sub(element, "CodeListRef", CodeListOID=oids.codelist(item.codelist))
    target = item.sdtm
    if target is not None and (target.domain or target.variable):
        # the schema allows one Alias per Context: the annotation is one name, e.g. "LB.LBORRES [LBTESTCD=ALT]"
        name = ".".join(p for p in (target.domain, target.variable) if p)
        sub(element, "Alias", Context="SDTM", Name=name + (f" [--TESTCD={target.testcd}]" if target.testcd else ""))

def _codelist(mdv: etree._Element, codelist: Codelist) -> None:
    element = sub(mdv, "CodeList", OID=oids.codelist(codelist.id), Name=codelist.name, DataType="text")
    for value in codelist.values:
        entry = sub(element, "CodeListItem", CodedValue=value.code)
        etree.SubElement(sub(entry, "Decode"), q("TranslatedText")).text = value.decode
    if codelist.nci_code:
        sub(element, "Alias", Context="nci:ExtCodeID", Name=codelist.nci_code)
