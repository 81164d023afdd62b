"""Reading an ODM 1.3.2 file's clinical data: parsed safely, validated against CDISC's XSD, as plain typed values.

`read_odm` takes the file's bytes and gives `OdmClinicalData` per ClinicalData
element: its subjects (SubjectKey, the SiteRef's LocationOID), their
StudyEventData (OID and repeat key), FormData (OID and repeat key) and the
values of every ItemData inside (ItemOID -> text), each with the line of its
element in the file, so every later error can name it. Nothing is looked up:
which study, subject, visit, form or item an OID names is the importer's
business (`edc.app.interchange`), and so is the value's type.

Safety: the parser resolves no entity, loads no DTD, reaches no network,
refuses a DOCTYPE and a file over `MAX_BYTES`. Any problem raises
`OdmUnreadable` with every error found, each with its line: the XML syntax
error, or every schema error, or every structural problem (a repeat key that
is not a positive whole number, an item given twice in a form, data marked
for removal).

What the import ignores, on purpose: AdminData, AuditRecord, Signature and
annotations. The import's own changes are audited by the services that store
them, attributed to whoever imports; the source system's audit trail stays
with the source file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lxml import etree

from edc.export.odm.document import LineError, schema_errors
from edc.export.odm.metadata import q
from edc.export.odm.oids import ODM_NS

MAX_BYTES = 64 * 1024 * 1024
"""The largest ODM file read (64 MiB: a few thousand subjects' snapshot)."""


@dataclass(frozen=True)
class OdmItem:
    """One ItemData: its ItemOID and value as text (None: IsNull, an empty value)."""

    oid: str
    value: str | None
    line: int


@dataclass(frozen=True)
class OdmForm:
    """One FormData: its FormOID, repeat key (1 when absent) and the values of all its item groups."""

    oid: str
    repeat_key: int
    line: int
    items: tuple[OdmItem, ...]


@dataclass(frozen=True)
class OdmEvent:
    """One StudyEventData: its StudyEventOID, repeat key (1 when absent) and its forms, in file order."""

    oid: str
    repeat_key: int
    line: int
    forms: tuple[OdmForm, ...]


@dataclass(frozen=True)
class OdmSubject:
    """One SubjectData: its SubjectKey, the LocationOID of its SiteRef (None without one) and its events."""

    key: str
    site_oid: str | None
    line: int
    events: tuple[OdmEvent, ...]


@dataclass(frozen=True)
class OdmClinicalData:
    """One ClinicalData element: the study and metadata version it is of, and its subjects."""

    study_oid: str
    metadata_version_oid: str
    line: int
    subjects: tuple[OdmSubject, ...]


class OdmUnreadable(Exception):
    """The file is not a readable, valid ODM 1.3.2 document: every problem, with its line."""

    def __init__(self, problems: Sequence[LineError]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the ODM file: "
                         + "; ".join(str(p) for p in self.problems[:5]))


def _parser() -> etree.XMLParser:
    # No entity expansion, DTD or network: an uploaded file must not read local files or other hosts (XXE).
    return etree.XMLParser(resolve_entities=False, load_dtd=False, dtd_validation=False, no_network=True,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_odm(data: bytes) -> etree._ElementTree:
    """The document of `data`, well-formed and valid against the ODM 1.3.2 schema; OdmUnreadable otherwise."""
    if len(data) > MAX_BYTES:
        raise OdmUnreadable([LineError(1, f"the file is {len(data)} bytes; at most {MAX_BYTES} are read")])
    if not data.strip():
        raise OdmUnreadable([LineError(1, "the file is empty")])
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise OdmUnreadable([LineError(exc.lineno or 1, f"not well-formed XML: {exc.msg}")]) from None
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):  # the stubs lack it
        raise OdmUnreadable([LineError(1, "a DOCTYPE is not accepted in an ODM file")])
    if root.tag != q("ODM"):
        raise OdmUnreadable([LineError(_line(root), f"the root element is {root.tag}, not ODM in the "
                                                             f"namespace {ODM_NS}")])
    problems = schema_errors(tree)
    if problems:
        raise OdmUnreadable(problems)
    return tree


def read_odm(data: bytes) -> tuple[OdmClinicalData, ...]:
    """The clinical data of the ODM file `data`, validated; OdmUnreadable with every problem otherwise."""
    root = parse_odm(data).getroot()
    problems: list[LineError] = []
    found = tuple(_clinical(element, problems) for element in root.iterchildren(q("ClinicalData")))
    if problems:
        raise OdmUnreadable(sorted(problems))
    return found


def _line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 1


def _clinical(element: etree._Element, problems: list[LineError]) -> OdmClinicalData:
    subjects = tuple(_subject(s, problems) for s in element.iterchildren(q("SubjectData")))
    return OdmClinicalData(str(element.get("StudyOID")), str(element.get("MetaDataVersionOID")), _line(element),
                           subjects)


def _subject(element: etree._Element, problems: list[LineError]) -> OdmSubject:
    _refuse_removal(element, problems)
    site = element.find(q("SiteRef"))
    events = tuple(OdmEvent(str(e.get("StudyEventOID")), _repeat_key(e, "StudyEventRepeatKey", problems), _line(e),
                            tuple(_form(f, problems) for f in e.iterchildren(q("FormData"))))
                   for e in element.iterchildren(q("StudyEventData")) if not _refuse_removal(e, problems))
    return OdmSubject(str(element.get("SubjectKey")), None if site is None else str(site.get("LocationOID")),
                      _line(element), events)


def _form(element: etree._Element, problems: list[LineError]) -> OdmForm:
    _refuse_removal(element, problems)
    items: list[OdmItem] = []
    seen: dict[str, int] = {}
    for item in _item_data(element, problems):
        _refuse_removal(item, problems)
        oid = str(item.get("ItemOID"))
        if oid in seen:
            problems.append(LineError(_line(item), f"item {oid} is given twice in this form (first on line "
                                                   f"{seen[oid]})"))
            continue
        seen[oid] = _line(item)
        items.append(OdmItem(oid, _value(item), _line(item)))
    return OdmForm(str(element.get("FormOID")), _repeat_key(element, "FormRepeatKey", problems), _line(element),
                   tuple(items))


def _item_data(form: etree._Element, problems: list[LineError]) -> Iterator[etree._Element]:
    """Every ItemData (or typed ItemDataString, ItemDataInteger, ...) of every item group of the form."""
    prefix = q("ItemData")
    for group in form.iterchildren(q("ItemGroupData")):
        _refuse_removal(group, problems)
        for child in group.iterchildren():
            if isinstance(child.tag, str) and child.tag.startswith(prefix) and child.get("ItemOID") is not None:
                yield child


def _value(item: etree._Element) -> str | None:
    if item.get("IsNull") == "Yes":
        return None
    text = item.get("Value") if item.tag == q("ItemData") else item.text
    return text if text else None


def _repeat_key(element: etree._Element, attribute: str, problems: list[LineError]) -> int:
    text = element.get(attribute)
    if text is None:
        return 1
    if not (text.isascii() and text.isdigit()) or int(text) < 1 or len(text) > 9:
        problems.append(LineError(_line(element), f"{attribute} {text!r} is not a whole number from 1: the import "
                                                   "numbers occurrences and records 1, 2, ..."))
        return 1
    return int(text)


def _refuse_removal(element: etree._Element, problems: list[LineError]) -> bool:
    """Record a problem for data marked TransactionType="Remove" (records are never deleted, only withdrawn)."""
    if element.get("TransactionType") != "Remove":
        return False
    problems.append(LineError(_line(element), "TransactionType Remove is not imported: a record is withdrawn with "
                                              "its reason, never deleted"))
    return True
