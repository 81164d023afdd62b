"""The ClinicalData element: each subject's visits, forms and item values, from plain `SubjectData`.

A subject is SubjectKey "<site>-<number>" with a SiteRef to its site; a record
is FormData inside the StudyEventData of its visit (StudyEventRepeatKey: the
occurrence of an unscheduled visit), FormRepeatKey numbering a repeating
form's records there in order. Empty values are left out (ODM has no null).
With `Provenance`, each value carries the AuditRecord of its last change and
what is signed its Signature (`edc.export.odm.provenance`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from lxml import etree

from edc.definitions.catalog import StudyDefinition
from edc.export.odm import oids
from edc.export.odm.metadata import q, sub
from edc.export.odm.provenance import Provenance, audit_record, signature
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData, plain


def subject_key(subject: SubjectData) -> str:
    """The SubjectKey of `subject` (`oids.subject_key`)."""
    return oids.subject_key(subject.site, subject.subject_number)


def odm_value(value: object) -> str | None:
    """A captured value as ODM text: ISO 8601, booleans as 1/0, a multichoice's codes space separated."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value) or None
    shown = plain(value)
    return None if shown is None else str(shown)


def clinical_data(study: StudyDefinition, subjects: Sequence[SubjectData],
                  provenance: Provenance | None = None) -> etree._Element:
    """The ClinicalData of `subjects`, in the order given."""
    facts = provenance or Provenance()
    meanings = facts.meanings()
    root = etree.Element(q("ClinicalData"), StudyOID=oids.study(study.id),
                         MetaDataVersionOID=oids.metadata_version(study.version))
    for subject in subjects:
        key = subject_key(subject)
        element = sub(root, "SubjectData", SubjectKey=key)
        if key in facts.casebook_signatures:
            signature(element, facts.casebook_signatures[key], subject.site, meanings)
        sub(element, "SiteRef", LocationOID=oids.site(subject.site))
        _events(study, element, subject, facts, meanings)
    return root


def _events(study: StudyDefinition, parent: etree._Element, subject: SubjectData, facts: Provenance,
            meanings: list[str]) -> None:
    by_event: dict[tuple[str, int], dict[str, list[CapturedRecord]]] = defaultdict(lambda: defaultdict(list))
    for form_id in sorted(subject.records):
        for record in subject.records[form_id]:
            by_event[(record.visit or "", record.occurrence)][form_id].append(record)
    order = {v.id: n for n, v in enumerate(study.visits)}
    key = subject_key(subject)
    for (visit, occurrence) in sorted(by_event, key=lambda k: (order.get(k[0], len(order)), k[0], k[1])):
        event = sub(parent, "StudyEventData", StudyEventOID=oids.event(visit), StudyEventRepeatKey=str(occurrence))
        if (key, visit, occurrence) in facts.visit_signatures:
            signature(event, facts.visit_signatures[(key, visit, occurrence)], subject.site, meanings)
        for form_id, records in by_event[(visit, occurrence)].items():
            for n, record in enumerate(records, 1):
                _form_data(study, event, form_id, n, record, subject.site, facts, meanings)


def _form_data(study: StudyDefinition, event: etree._Element, form_id: str, repeat: int, record: CapturedRecord,
               site: str, facts: Provenance, meanings: list[str]) -> None:
    data = sub(event, "FormData", FormOID=oids.form(form_id), FormRepeatKey=str(repeat))
    signed = facts.record_signatures.get(record.record_id) if record.record_id is not None else None
    if signed is not None:
        signature(data, signed, site, meanings)
    group = sub(data, "ItemGroupData", ItemGroupOID=oids.item_group(form_id))
    for item in study.forms[form_id].items:
        text = odm_value(record.values.get(item.name))
        if text is None:
            continue
        element = sub(group, "ItemData", ItemOID=oids.item(form_id, item.name), Value=text)
        audit = facts.items.get((record.record_id, item.name)) if record.record_id is not None else None
        if audit is not None:
            audit_record(element, audit)
