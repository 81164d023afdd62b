"""RELREC: the records of two datasets related per subject, as the RELREC spec's relationships declare.

Record-level relationships (SDTMIG 3.4 section 8.2): for each record of the
`one` dataset with related records, a RELREC record naming it (AE by AESEQ)
and one naming the related records (FA by FASPID, the whole group of the
AE's components in one record), under one RELID. RELTYPE stays null: SDTMIG
gives it (ONE, MANY) only to relationships between whole datasets, where
USUBJID and IDVARVAL are null. Both datasets are mapped again here, as
SUPP-- maps its parent, so the values are those their own files hold; the
export's cross-dataset checks (`edc.export.sdtm.links`) then find each
record's parent.
"""

from __future__ import annotations

from collections.abc import Sequence

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import DomainSpec, RelationshipSpec, SpecSet
from edc.export.formats.metadata import (
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginSource,
    OriginType,
    Role,
    Variable,
)
from edc.export.sdtm.derivations.context import Row
from edc.export.sdtm.rows import domain_rows
from edc.export.sdtm.subjectdata import SubjectData

RELREC_VARIABLES = (
    # name, label, length, key sequence, mandatory (SDTMIG 3.4 8.2: Req; USUBJID, IDVARVAL, RELTYPE Exp)
    ("STUDYID", "Study Identifier", 20, 1, True), ("RDOMAIN", "Related Domain Abbreviation", 2, 2, True),
    ("USUBJID", "Unique Subject Identifier", 40, 3, False), ("IDVAR", "Identifying Variable", 8, 5, True),
    ("IDVARVAL", "Identifying Variable Value", 40, 6, False), ("RELTYPE", "Relationship Type", 4, None, False),
    ("RELID", "Relationship Identifier", 40, 4, True),
)


def relrec_metadata(domain: DomainSpec) -> Dataset:
    """The standard RELREC structure; the keys are STUDYID, RDOMAIN, USUBJID, RELID, IDVAR, IDVARVAL."""
    dataset = domain.spec.dataset
    variables = tuple(
        Variable(name, label, DataType.TEXT, Role.IDENTIFIER if name != "RELTYPE" else Role.RECORD_QUALIFIER,
                 Origin(OriginType.ASSIGNED, OriginSource.SPONSOR, _ORIGINS.get(name)), length=length,
                 mandatory=mandatory, key_sequence=key)
        for name, label, length, key, mandatory in RELREC_VARIABLES
    )
    return Dataset(dataset.name, dataset.label, DatasetClass(dataset.dataset_class), dataset.structure, variables,
                   domain=dataset.name)


_ORIGINS = {
    "RELTYPE": "Null: the relationships are between records, not datasets",
    "RELID": "The relationship's name and the IDVARVAL of its one record (e.g. AEFA-3 for AESEQ 3)",
}


def relrec_rows(study: StudyDefinition, specs: SpecSet, domain: DomainSpec,
                subjects: Sequence[SubjectData]) -> list[Row]:
    """The RELREC records of every relationship, per subject, relationship, then `one` record in key order.
    A relationship with a dataset the spec set leaves out (an export of some datasets only) relates nothing."""
    rows: list[tuple[str, int, int, Row]] = []
    for index, relationship in enumerate(domain.spec.relationships):
        if not {relationship.one.domain, relationship.many.domain} <= set(specs.domains):
            continue
        for position, row in enumerate(_related(study, specs, relationship, subjects)):
            rows.append((str(row["USUBJID"]), index, position, row))
    return [row for *_, row in sorted(rows, key=lambda entry: entry[:3])]


def _related(study: StudyDefinition, specs: SpecSet, relationship: RelationshipSpec,
             subjects: Sequence[SubjectData]) -> list[Row]:
    one, many = relationship.one, relationship.many
    groups: dict[tuple[object, str], dict[str, None]] = {}
    for _, row in domain_rows(study, specs, specs[many.domain], subjects):
        key = _id_text(row.get(many.key))
        if key:
            groups.setdefault((row["USUBJID"], key), {})[_id_text(row.get(many.idvar))] = None
    rows: list[Row] = []
    for _, row in domain_rows(study, specs, specs[one.domain], subjects):
        group = groups.get((row["USUBJID"], _id_text(row.get(one.key))))
        if not group:
            continue
        relid = f"{relationship.relid}-{_id_text(row.get(one.idvar))}"
        rows.append(_record(row, one.domain, one.idvar, _id_text(row.get(one.idvar)), relid))
        rows += [_record(row, many.domain, many.idvar, value, relid) for value in group]
    return rows


def _record(row: Row, rdomain: str, idvar: str, idvarval: str, relid: str) -> Row:
    return {"STUDYID": row["STUDYID"], "RDOMAIN": rdomain, "USUBJID": row["USUBJID"], "IDVAR": idvar,
            "IDVARVAL": idvarval, "RELTYPE": None, "RELID": relid}


def _id_text(value: object) -> str:
    """A value as IDVARVAL writes it: 3 for an AESEQ of 3 or 3.0, text stripped, "" for none."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
