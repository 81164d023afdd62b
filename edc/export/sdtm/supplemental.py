"""SUPP-- datasets: one row per parent record and qualifier with a value, and the standard SUPP-- metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import DomainSpec, QualifierSpec, SpecSet
from edc.export.formats.metadata import (
    Comparator,
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginSource,
    OriginType,
    Role,
    ValueItem,
    Variable,
    WhereClause,
)
from edc.export.sdtm.codelists import codelist_oid
from edc.export.sdtm.derivations.context import Row, RowContext
from edc.export.sdtm.methods import method_text
from edc.export.sdtm.rows import domain_rows, evaluator
from edc.export.sdtm.subjectdata import SubjectData, plain

SUPP_VARIABLES = (
    ("STUDYID", "Study Identifier", 20, 1), ("RDOMAIN", "Related Domain Abbreviation", 2, 2),
    ("USUBJID", "Unique Subject Identifier", 40, 3), ("IDVAR", "Identifying Variable", 8, 4),
    ("IDVARVAL", "Identifying Variable Value", 40, 5), ("QNAM", "Qualifier Variable Name", 8, 6),
    ("QLABEL", "Qualifier Variable Label", 40, None), ("QVAL", "Data Value", 200, None),
    ("QORIG", "Origin", 20, None), ("QEVAL", "Evaluator", 40, None),
)


def supp_rows(study: StudyDefinition, specs: SpecSet, supp: DomainSpec,
               subjects: Sequence[SubjectData]) -> list[Row]:
    """One row per parent record and qualifier with a value, pointing at the parent by its --SEQ."""
    parent = specs[supp.spec.dataset.parent or ""]
    idvar = f"{parent.name}SEQ"
    qualifiers = [(qualifier, evaluator(study, qualifier)) for qualifier in supp.spec.qualifiers]
    rows: list[Row] = []
    for parent_context, parent_row in domain_rows(study, specs, parent, subjects):
        context = replace(parent_context, values=dict(parent_row))
        for qualifier, compute in qualifiers:
            value = compute(_joined(context, qualifier))
            if value is None or value == "":
                continue
            rows.append({
                "STUDYID": parent_row["STUDYID"], "RDOMAIN": parent.name, "USUBJID": parent_row["USUBJID"],
                "IDVAR": idvar, "IDVARVAL": str(parent_row[idvar]), "QNAM": qualifier.qnam,
                "QLABEL": qualifier.qlabel, "QVAL": str(value), "QORIG": qualifier.qorig,
                "QEVAL": qualifier.qeval or "",
            })
    return rows


def _joined(context: RowContext, qualifier: QualifierSpec) -> RowContext:
    """The context with the record of the joined form whose join item equals the parent's (the first such)."""
    if qualifier.join is None:
        return context
    key = context.item(qualifier.join.parent)
    form_id, _, name = qualifier.join.item.partition(".")
    match = next((r for r in context.subject.records.get(form_id, ()) if plain(r.values.get(name)) == key), None)
    return replace(context, joined=(form_id, match), join_key=key)


QORIG_ORIGINS = {
    "CRF": Origin(OriginType.COLLECTED, OriginSource.INVESTIGATOR),
    "Assigned": Origin(OriginType.ASSIGNED, OriginSource.SPONSOR),
    "Derived": Origin(OriginType.DERIVED, OriginSource.SPONSOR),
    "Protocol": Origin(OriginType.PROTOCOL),
}
"""A qualifier's QORIG as a define.xml origin."""


def supp_metadata(domain: DomainSpec, study: StudyDefinition | None = None) -> Dataset:
    """The standard SUPP-- structure (SDTMIG 3.4 section 8.4), with one QVAL definition per qualifier
    (where QNAM EQ the qualifier's name); given the study, a coded qualifier's length is its longest term."""
    dataset = domain.spec.dataset
    qval_items = tuple(_qualifier_item(qualifier, study) for qualifier in domain.spec.qualifiers)
    variables = tuple(
        Variable(name, label, DataType.TEXT, Role.IDENTIFIER if key else Role.RECORD_QUALIFIER,
                 Origin(OriginType.ASSIGNED, OriginSource.SPONSOR), length=length,
                 mandatory=name != "QEVAL", key_sequence=key, value_items=qval_items if name == "QVAL" else ())
        for name, label, length, key in SUPP_VARIABLES
    )
    return Dataset(dataset.name, dataset.label, DatasetClass(dataset.dataset_class), dataset.structure, variables,
                   domain=dataset.parent)


def _value_type(qualifier: QualifierSpec) -> DataType:
    """--DTC qualifiers are ISO 8601: a date, or a date/time where a time of day is collected with it."""
    if not qualifier.qnam.endswith("DTC"):
        return DataType.TEXT
    return DataType.DATETIME if qualifier.derive == "iso8601" and "time" in qualifier.args else DataType.DATE


def _qualifier_item(qualifier: QualifierSpec, study: StudyDefinition | None) -> ValueItem:
    """QVAL where QNAM is this qualifier: its label, origin and codelist; --DTC qualifiers hold ISO 8601 dates/times."""
    description = qualifier.qlabel + (f" (evaluator: {qualifier.qeval})" if qualifier.qeval else "")
    origin = QORIG_ORIGINS[qualifier.qorig]
    if qualifier.derive is not None:
        method = method_text(qualifier.derive, qualifier.args)
        origin = replace(origin, description=method) if origin.type is not OriginType.COLLECTED else origin
    length = 200
    if qualifier.codelist is not None and study is not None:
        length = max(len(term.submitted) for term in study.codelists[qualifier.codelist].values)
    data_type = _value_type(qualifier)
    return ValueItem(
        qualifier.qnam, description, data_type, origin, WhereClause("QNAM", Comparator.EQ, (qualifier.qnam,)),
        length={DataType.DATE: 10, DataType.DATETIME: 16}.get(data_type, length),
        codelist=codelist_oid(qualifier.codelist) if qualifier.codelist else None,
    )
