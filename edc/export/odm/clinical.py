"""The ClinicalData element: each subject's visits, forms and item values, from plain `SubjectData`.

A subject is SubjectKey "<site>-<number>" with a SiteRef to its site; a record
is FormData inside the StudyEventData of its visit (StudyEventRepeatKey: the
occurrence of an unscheduled visit), FormRepeatKey numbering a repeating
form's records there in order. Empty values are left out (ODM has no null).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from lxml import etree

from edc.definitions.catalog import StudyDefinition
from edc.export.odm import oids
from edc.export.odm.metadata import q, sub
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData, plain


def subject_key(subject: SubjectData) -> str:
    """The SubjectKey: site code and subject number, unique in the study."""
    return f"{subject.site}-{subject.subject_number}"


def odm_value(value: object) -> str | None:
    """A captured value as ODM text: ISO 8601, booleans as 1/0, a multichoice's codes space separated."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value) or None
    shown = plain(value)
    return None if shown is None else str(shown)


def clinical_data(study: StudyDefinition, subjects: Sequence[SubjectData]) -> etree._Element:
    """The ClinicalData of `subjects`, in the order given."""
    root = etree.Element(q("ClinicalData"), StudyOID=oids.study(study.id),
                         MetaDataVersionOID=oids.metadata_version(study.version))
    for subject in subjects:
        element = sub(root, "SubjectData", SubjectKey=subject_key(subject))
        sub(element, "SiteRef", LocationOID=oids.site(subject.site))
        _events(study, element, subject)
    return root


def _events(study: StudyDefinition, parent: etree._Element, subject: SubjectData) -> None:
    by_event: dict[tuple[str, int], dict[str, list[CapturedRecord]]] = defaultdict(lambda: defaultdict(list))
    for form_id in sorted(subject.records):
        for record in subject.records[form_id]:
            by_event[(record.visit or "", record.occurrence)][form_id].append(record)
    order = {v.id: n for n, v in enumerate(study.visits)}
    for (visit, occurrence) in sorted(by_event, key=lambda k: (order.get(k[0], len(order)), k[0], k[1])):
        event = sub(parent, "StudyEventData", StudyEventOID=oids.event(visit), StudyEventRepeatKey=str(occurrence))
        for form_id, records in by_event[(visit, occurrence)].items():
            form = study.forms[form_id]
            for n, record in enumerate(records, 1):
                data = sub(event, "FormData", FormOID=oids.form(form_id), FormRepeatKey=str(n))
                group = sub(data, "ItemGroupData", ItemGroupOID=oids.item_group(form_id))
                for item in form.items:
                    text = odm_value(record.values.get(item.name))
                    if text is not None:
                        sub(group, "ItemData", ItemOID=oids.item(form_id, item.name), Value=text)
