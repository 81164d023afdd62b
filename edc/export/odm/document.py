"""An ODM 1.3.2 snapshot document of one study: metadata, sites, clinical data; validated against CDISC's XSD.

`odm_document` builds it from the definition and plain subject values;
`validate` checks any ODM document against the ODM 1.3.2 schema that
`defineutils` ships (CDISC's XSDs, MIT) and raises `OdmInvalid` listing every
schema error with its line (`schema_errors` lists them as `LineError`s, which
the import reports too); `write_odm` validates, then writes (never a file
that does not validate).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

from edc.definitions.catalog import StudyDefinition
from edc.export.odm import oids
from edc.export.odm.clinical import clinical_data
from edc.export.odm.metadata import q, study_element, sub
from edc.export.odm.oids import ODM_NS
from edc.export.odm.provenance import Provenance, signature_defs, users
from edc.export.sdtm.subjectdata import SubjectData

ODM_VERSION = "1.3.2"


@dataclass(frozen=True, order=True)
class LineError:
    """One problem of an ODM file, at its line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class OdmInvalid(Exception):
    """The document does not validate against the ODM 1.3.2 schema: each error as "line N: message"."""

    def __init__(self, errors: Sequence[str], problems: Sequence[LineError] = ()) -> None:
        super().__init__(f"{len(errors)} ODM schema error(s): " + "; ".join(errors[:5]))
        self.errors = tuple(errors)
        self.problems = tuple(problems)


@cache
def odm_schema() -> etree.XMLSchema:
    """CDISC's ODM 1.3.2 schema, from the XSDs `defineutils` ships (loaded once)."""
    folder = resources.files("defineutils") / "validate" / "schema" / "cdisc-odm-1.3.2"
    with resources.as_file(folder / "ODM1-3-2.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


def schema_errors(document: etree._ElementTree | etree._Element) -> list[LineError]:
    """Every error of `document` against the ODM 1.3.2 schema, with its line (none when it validates)."""
    schema = odm_schema()
    if schema.validate(document):
        return []
    return [LineError(e.line, e.message) for e in schema.error_log]  # type: ignore[attr-defined]  # the stubs lack __iter__


def validate(document: etree._ElementTree | etree._Element) -> None:
    """Raise `OdmInvalid` unless `document` validates against the ODM 1.3.2 schema."""
    problems = schema_errors(document)
    if problems:
        raise OdmInvalid([str(p) for p in problems], problems)


def odm_document(study: StudyDefinition, subjects: Sequence[SubjectData], *, created: datetime,
                 file_oid: str, provenance: Provenance | None = None) -> etree._Element:
    """The ODM root of `study`: its Study metadata, its users, sites and signature meanings (AdminData) and the
    clinical data of `subjects` (with their audit records and signatures, given `provenance`)."""
    facts = provenance or Provenance()
    root = etree.Element(q("ODM"), nsmap={None: ODM_NS},  # type: ignore[dict-item]  # the default namespace
                         FileOID=file_oid, FileType="Snapshot",
                         CreationDateTime=created.isoformat(timespec="seconds"), ODMVersion=ODM_VERSION,
                         Granularity="All", Originator="edc", SourceSystem="edc")
    root.append(study_element(study))
    admin = sub(root, "AdminData", StudyOID=oids.study(study.id))
    users(admin, facts.users.values())
    for site in study.spec.sites:
        location = sub(admin, "Location", OID=oids.site(site.id), Name=site.name, LocationType="Site")
        sub(location, "MetaDataVersionRef", StudyOID=oids.study(study.id),
            MetaDataVersionOID=oids.metadata_version(study.version), EffectiveDate=created.date().isoformat())
    signature_defs(admin, facts.meanings())
    root.append(clinical_data(study, subjects, facts))
    return root


def to_bytes(root: etree._Element) -> bytes:
    """The document as UTF-8 XML bytes with a declaration, indented."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_odm(root: etree._Element, out: Path) -> Path:
    """Validate `root`, then write it to `out` atomically (a temporary file renamed): nothing written when invalid."""
    data = to_bytes(root)
    validate(etree.fromstring(data))  # the bytes to be written, parsed: errors name their line in the file
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial")
    staging.write_bytes(data)
    os.replace(staging, out)
    return out
