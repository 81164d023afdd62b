"""The OIDs the project writes into ODM, one function per kind: the import reads the same names back."""

from __future__ import annotations

import re

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
"""The ODM 1.3 namespace (1.3.2 keeps it)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def study(study_id: str) -> str:
    """The Study OID."""
    return f"ST.{study_id}"


def metadata_version(version: str) -> str:
    """The MetaDataVersion OID: the study definition's version."""
    return f"MDV.{version}"


def event(visit: str) -> str:
    """The StudyEventOID of a visit code (SCR, D28, UNS, LOGS)."""
    return f"SE.{visit}"


def form(form_id: str) -> str:
    """The FormOID of a form."""
    return f"F.{form_id}"


def item_group(form_id: str) -> str:
    """The ItemGroupOID of a form's one item group (a form's items are one group)."""
    return f"IG.{form_id}"


def item(form_id: str, name: str) -> str:
    """The ItemOID of a form's item: form-qualified, as item names repeat across forms."""
    return f"I.{form_id}.{name}"


def codelist(codelist_id: str) -> str:
    """The CodeListOID of a codelist."""
    return f"CL.{codelist_id}"


def unit(symbol: str) -> str:
    """The MeasurementUnitOID of a unit symbol (characters an OID should not hold become '_')."""
    return "MU." + _UNSAFE.sub("_", symbol)


def site(code: str) -> str:
    """The LocationOID of a site code."""
    return f"LOC.{code}"


def subject_key(site: str, number: str) -> str:
    """The SubjectKey: site code and subject number, unique in the study."""
    return f"{site}-{number}"


def user(username: str) -> str:
    """The UserOID of a username (characters an OID should not hold become '_')."""
    return "USR." + _UNSAFE.sub("_", username)


def signature_def(number: int) -> str:
    """The SignatureOID of the document's n-th signature meaning."""
    return f"SD.{number}"


def strip(prefix: str, oid: str) -> str | None:
    """The name inside `oid` when it has `prefix` (e.g. strip("F.", "F.ae") == "ae"), else None."""
    return oid[len(prefix):] if oid.startswith(prefix) and len(oid) > len(prefix) else None
