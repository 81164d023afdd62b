"""A mapping file for importing another system's ODM (a REDCap or OpenClinica export): its OIDs to ours.

A YAML file, read with the definitions' loader (`edc.definitions.yamlsrc`) so
that every error names file:line:

    study: S_FOREIGN              # the foreign StudyOID (default: ours, ST.<study>)
    sites: {DAG_A: LOC.01}        # SiteRef LocationOID -> ours
    subjects: {"1001": 01-01-001} # SubjectKey -> ours
    study_events: {SE.BASELINE: SE.SCR}
    forms: {F.DEMOG: F.demographics}
    items: {I.SEX: I.demographics.sex}
    codes:                        # by the foreign ItemOID: the file's code -> ours
      I.SEX: {"1": M, "2": F}

Every section is optional; an OID the mapping does not name is kept as it is
(so a file of our own export needs no mapping). `apply` gives the clinical
data with our OIDs and codes; a multichoice value (codes space separated) has
each code mapped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from edc.definitions.problems import Problem, Problems
from edc.definitions.yamlsrc import read_yaml
from edc.export.odm.reader import OdmClinicalData, OdmForm, OdmItem, OdmSubject

SECTIONS = ("sites", "subjects", "study_events", "forms", "items", "codes")


class MappingInvalid(Exception):
    """The mapping file has errors, each as file:line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class OidMapping:
    """Foreign OIDs to ours, by kind; `codes` by foreign ItemOID."""

    study: str | None = None
    sites: Mapping[str, str] = field(default_factory=dict)
    subjects: Mapping[str, str] = field(default_factory=dict)
    study_events: Mapping[str, str] = field(default_factory=dict)
    forms: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def load_mapping(file: Path) -> OidMapping:
    """The mapping in `file`; MappingInvalid listing every error with its line."""
    problems = Problems()
    doc = read_yaml(file, problems)
    if doc is None:
        raise MappingInvalid(problems.sorted())
    if not isinstance(doc.data, dict):
        raise MappingInvalid([Problem(str(doc.file), 1, "a mapping file is a YAML mapping of sections")])
    found: dict[str, Any] = {}
    for key, value in doc.data.items():
        line = doc.line((key,))
        if key == "study":
            if isinstance(value, str) and value:
                found["study"] = value
            else:
                problems.add(doc.file, line, "'study' is the foreign StudyOID, a text")
        elif key == "codes":
            found["codes"] = {oid: _pairs(codes, doc.file, doc.line(("codes", oid)), problems, f"codes of {oid}")
                              for oid, codes in _pairs_raw(value, doc.file, line, problems, "codes").items()}
        elif key in SECTIONS:
            found[key] = _pairs(value, doc.file, line, problems, str(key))
        else:
            problems.add(doc.file, line, f"unknown section '{key}'; the sections are study, {', '.join(SECTIONS)}")
    if problems:
        raise MappingInvalid(problems.sorted())
    return OidMapping(**found)


def _pairs_raw(value: object, file: Path, line: int, problems: Problems, name: str) -> dict[str, object]:
    if not isinstance(value, dict):
        problems.add(file, line, f"'{name}' must map each foreign OID to ours")
        return {}
    return {str(k): v for k, v in value.items()}


def _pairs(value: object, file: Path, line: int, problems: Problems, name: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for key, target in _pairs_raw(value, file, line, problems, name).items():
        if isinstance(target, str | int) and not isinstance(target, bool) and str(target):
            pairs[key] = str(target)
        else:
            problems.add(file, line, f"'{name}': {key} must map to one OID or code, got {target!r}")
    return pairs


def apply(mapping: OidMapping, clinical: OdmClinicalData) -> OdmClinicalData:
    """`clinical` with the mapped OIDs, keys and codes (lines kept)."""
    return replace(clinical, subjects=tuple(_subject(mapping, s) for s in clinical.subjects))


def study_oid(mapping: OidMapping | None, ours: str, theirs: str) -> bool:
    """Whether the file's StudyOID `theirs` is the study `ours` (by the mapping's `study`, else by equality)."""
    if mapping is not None and mapping.study is not None:
        return theirs == mapping.study
    return theirs == ours


def _subject(mapping: OidMapping, subject: OdmSubject) -> OdmSubject:
    site = None if subject.site_oid is None else mapping.sites.get(subject.site_oid, subject.site_oid)
    events = tuple(replace(e, oid=mapping.study_events.get(e.oid, e.oid),
                           forms=tuple(_form(mapping, f) for f in e.forms)) for e in subject.events)
    return replace(subject, key=mapping.subjects.get(subject.key, subject.key), site_oid=site, events=events)


def _form(mapping: OidMapping, form: OdmForm) -> OdmForm:
    return replace(form, oid=mapping.forms.get(form.oid, form.oid),
                   items=tuple(_item(mapping, item) for item in form.items))


def _item(mapping: OidMapping, item: OdmItem) -> OdmItem:
    codes = mapping.codes.get(item.oid)
    value = item.value
    if codes and value is not None:
        value = codes.get(value) or " ".join(codes.get(code, code) for code in value.split(" "))
    return replace(item, oid=mapping.items.get(item.oid, item.oid), value=value)


__all__ = ["MappingInvalid", "OidMapping", "apply", "load_mapping", "study_oid"]
