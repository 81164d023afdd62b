"""The SDTM mapping engine: a study definition, its specs and captured data in, dataset rows out.

Pure: no database, no clock. The captured data arrive as `SubjectData`
(`edc.export.subjectdata`), plain frozen values a database reader fills;
`map_dataset` returns the dataset's metadata and its rows as dicts, ready for
`edc.export.table.build_table` and the writers. The cells come from form
items, constants or the named derivations of `edc.export.derivations`.

A dataset's rows come from its row blocks, in order: the records of a form
(one row each, or, for a findings block, one row per test with a result),
the subject's visits, the eligibility criteria not met, or one row per
subject (DM). --SEQ numbers a subject's rows in that order, records sorted
by the block's `sort` items (the AE number, compared digit-aware: "2" before
"10"), then by visit, then by their whole content, so a rerun with the
records in another order gives the same numbers SUPP-- rows point at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Criterion, Item
from edc.export.derivations import (
    ASTCT_CATEGORIES,
    DERIVATIONS,
    Row,
    RowContext,
    last_before_reference,
    study_day,
    subjid,
    usubjid,
)
from edc.export.metadata import (
    Comparator,
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginSource,
    OriginType,
    Role,
    SubmissionCodelist,
    Term,
    ValueItem,
    Variable,
    WhereClause,
)
from edc.export.methods import method_text
from edc.export.spec import (
    GROUP_DERIVATIONS,
    NEEDS_REFERENCE_START,
    DomainSpec,
    QualifierSpec,
    RowBlock,
    Source,
    SpecSet,
    VariableSpec,
    findings_items,
)
from edc.export.subjectdata import CapturedRecord, SubjectData, VisitData, plain
from edc.export.terminology import Terminology

__all__ = [
    "CapturedRecord",
    "Row",
    "SubjectData",
    "VisitData",
    "codelist_oid",
    "dataset_metadata",
    "export_codelists",
    "map_dataset",
    "plain",
    "study_day",
    "subjid",
    "supp_metadata",
    "usubjid",
]

TEST_DERIVATIONS = {"test_code": "TESTCD", "test_name": "TEST"}
"""Findings variables whose terms come from the terminology file: their codelist is the domain's --TESTCD/--TEST."""


# --- public API ----------------------------------------------------------------------------------

def map_dataset(study: StudyDefinition, specs: SpecSet, name: str,
                subjects: Iterable[SubjectData]) -> tuple[Dataset, list[Row]]:
    """The dataset `name` (DM, AE, SUPPAE...) for these subjects: its metadata and its rows in key order."""
    subjects = tuple(subjects)
    domain = specs[name]
    if domain.spec.qualifiers:
        return supp_metadata(domain, study), _supp_rows(study, specs, domain, subjects)
    metadata = dataset_metadata(domain, study, specs.terminology)
    return metadata, [row for _, row in _domain_rows(study, specs, domain, subjects)]


# --- rows of a domain ------------------------------------------------------------------------------

def _domain_rows(study: StudyDefinition, specs: SpecSet, domain: DomainSpec,
                 subjects: Sequence[SubjectData]) -> list[tuple[RowContext, Row]]:
    starts = _reference_starts(study, specs, subjects) if _needs_reference(domain) else {}
    plans = {id(block): _plan(study, domain, block) for block in domain.blocks}
    tests = {block.form: findings_items(study.forms[block.form], domain.name)
             for block in domain.blocks if block.findings and block.form is not None}
    rows: list[tuple[RowContext, Row]] = []
    for subject in sorted(subjects, key=lambda s: usubjid(study, s)):
        start = starts.get(subjid(subject))
        own = []
        for seq, (block, record, test, visit, criterion) in enumerate(_row_parts(study, domain, subject, tests),
                                                                      start=1):
            context = RowContext(study, subject, block, record, {}, domain.name, specs.terminology, start, seq,
                                 test, visit, criterion)
            own.append((context, _row(plans[id(block)], context)))
        _group_derivations(domain, [row for _, row in own], start)
        rows += own
    return rows


_Parts = tuple[RowBlock, CapturedRecord | None, Item | None, VisitData | None, Criterion | None]


def _row_parts(study: StudyDefinition, domain: DomainSpec, subject: SubjectData,
               tests: Mapping[str, Sequence[Item]]) -> Iterator[_Parts]:
    """What each row of the subject is made of, block by block, in --SEQ order."""
    for block in domain.blocks:
        if block.form is not None:
            for record in _in_sort_order(study, subject.records.get(block.form, ()), block.sort):
                if block.findings:
                    for test in tests[block.form]:
                        if record.values.get(test.name) not in (None, "", [], ()):
                            yield block, record, test, None, None
                else:
                    yield block, record, None, None, None
        elif block.visits:
            for visit in sorted((v for v in subject.visits if v.status == "done" and v.visit_date is not None),
                                key=lambda v: (v.visit_date, _visit_order(study, v.visit, v.occurrence))):
                yield block, None, None, visit, None
        elif block.criteria:
            for criterion in study.spec.eligibility.criteria:
                if subject.eligibility.get(criterion.id) == block.criteria:
                    yield block, None, None, None, criterion
        else:
            yield block, None, None, None, None


Evaluator = Callable[[RowContext], object]
_Plan = tuple[tuple[str, ...], tuple[tuple[str, Evaluator], ...]]


def _plan(study: StudyDefinition, domain: DomainSpec, block: RowBlock) -> _Plan:
    """The variables of the block's rows in file order, and how to compute each, in the order to compute
    them: plain sources first, then those derived `of` another variable."""
    sources = [(v.name, domain.source(v, block)) for v in domain.spec.variables]
    ordered = sorted(sources, key=lambda pair: "of" in pair[1].args)
    return tuple(name for name, _ in sources), tuple((name, evaluator(study, source)) for name, source in ordered)


def evaluator(study: StudyDefinition, source: Source) -> Evaluator:
    """A source compiled once per dataset: the item reference split, the derivation and codelist looked up."""
    compute: Evaluator
    if source.item is not None:
        form_id, _, name = source.item.partition(".")
        compute = partial(RowContext.item_at, form_id=form_id, name=name)
    elif source.derive is not None:
        derive, args = DERIVATIONS[source.derive], source.args
        compute = lambda context: derive(context, args)  # noqa: E731
    else:
        constant = source.value
        compute = lambda context: constant  # noqa: E731
    if source.codelist is None:
        return compute
    submitted = {term.code: term.submitted for term in study.codelists[source.codelist].values}

    def coded(context: RowContext) -> object:
        value = compute(context)
        return submitted.get(value, value) if value is not None else None  # type: ignore[call-overload]

    return coded


def _row(plan: _Plan, context: RowContext) -> Row:
    """One row's values; the row keeps the spec's variable order."""
    names, ordered = plan
    values = context.values
    for name, compute in ordered:
        values[name] = compute(context)
    return {name: values[name] for name in names}


def _group_derivations(domain: DomainSpec, rows: list[Row], reference: str | None) -> None:
    """Fill the derivations that compare a subject's rows with each other (--LOBXFL)."""
    for variable in domain.spec.variables:
        if variable.derive in GROUP_DERIVATIONS:
            last_before_reference(rows, reference, variable.args, variable.name)


def _in_sort_order(study: StudyDefinition, records: Sequence[CapturedRecord],
                   sort: Sequence[str]) -> list[CapturedRecord]:
    """Records by the sort items, then by visit, then by their whole content, so input order never matters.

    The content only decides between records the first keys do not tell apart, and is only computed then.
    """
    if len(records) < 2:
        return list(records)

    def key(record: CapturedRecord) -> tuple[object, ...]:
        own = tuple(_natural(record.values.get(name)) for name in sort)
        return (*own, _visit_order(study, record.visit, record.occurrence))

    keys = [key(record) for record in records]
    if len(set(map(repr, keys))) == len(keys):
        return [record for _, record in sorted(zip(keys, records, strict=True), key=lambda pair: pair[0])]
    return sorted(records, key=lambda r: (*key(r), sorted((k, repr(v)) for k, v in r.values.items())))


def _visit_order(study: StudyDefinition, code: str | None, occurrence: int) -> tuple[float, int, str]:
    """Scheduled visits by VISITNUM, then unscheduled ones, then the running logs."""
    visit = study.visit(code) if code else None
    return (visit.visitnum if visit is not None else float("inf"), occurrence, code or "")


def _natural(value: object) -> list[tuple[int, int, str]]:
    """A digit-aware sort key: "2" sorts before "10", "AE2" before "AE10"."""
    parts = re.split(r"(\d+)", "" if value is None else str(plain(value)))
    return [(1, int(part), "") if part.isdigit() else (0, 0, part) for part in parts if part]


def _needs_reference(domain: DomainSpec) -> bool:
    return any(domain.source(v, b).derive in NEEDS_REFERENCE_START
               for v in domain.spec.variables for b in domain.blocks)


def _reference_starts(study: StudyDefinition, specs: SpecSet, subjects: Sequence[SubjectData]) -> dict[str, str]:
    """RFSTDTC per SUBJID, as the DM spec derives it (the loader made sure it exists)."""
    dm = specs["DM"]
    rfstdtc = dm.variable("RFSTDTC")
    assert rfstdtc is not None
    compute = evaluator(study, rfstdtc)
    starts = {}
    for subject in subjects:
        value = compute(RowContext(study, subject, dm.blocks[0], None, {}))
        if isinstance(value, str):
            starts[subjid(subject)] = value
    return starts


# --- SUPP-- -----------------------------------------------------------------------------------------

SUPP_VARIABLES = (
    ("STUDYID", "Study Identifier", 20, 1), ("RDOMAIN", "Related Domain Abbreviation", 2, 2),
    ("USUBJID", "Unique Subject Identifier", 40, 3), ("IDVAR", "Identifying Variable", 8, 4),
    ("IDVARVAL", "Identifying Variable Value", 40, 5), ("QNAM", "Qualifier Variable Name", 8, 6),
    ("QLABEL", "Qualifier Variable Label", 40, None), ("QVAL", "Data Value", 200, None),
    ("QORIG", "Origin", 20, None), ("QEVAL", "Evaluator", 40, None),
)


def _supp_rows(study: StudyDefinition, specs: SpecSet, supp: DomainSpec,
               subjects: Sequence[SubjectData]) -> list[Row]:
    """One row per parent record and qualifier with a value, pointing at the parent by its --SEQ."""
    parent = specs[supp.spec.dataset.parent or ""]
    idvar = f"{parent.name}SEQ"
    qualifiers = [(qualifier, evaluator(study, qualifier)) for qualifier in supp.spec.qualifiers]
    rows: list[Row] = []
    for parent_context, parent_row in _domain_rows(study, specs, parent, subjects):
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


# --- metadata ---------------------------------------------------------------------------------------

def dataset_metadata(domain: DomainSpec, study: StudyDefinition | None = None,
                     terminology: Terminology | None = None) -> Dataset:
    """The `Dataset` the writers need, from the spec's declarations.

    Given the study (and the terminology), the value-level metadata too:
    one --ORRES definition per test code a findings dataset collects, and
    --TOXGR's grading scale by --CAT. Derived variables carry the text of
    their derivation (`edc.export.methods`).
    """
    spec = domain.spec
    variables = tuple(
        Variable(
            name=v.name, label=v.label, data_type=DataType(v.type), role=Role(v.role),
            origin=Origin(OriginType(v.origin), OriginSource(v.source) if v.source else None, v.description),
            length=None if DataType(v.type).is_numeric else v.length,
            codelist=_variable_codelist(domain, v), mandatory=v.mandatory, key_sequence=v.key,
            value_items=_value_items(domain, v, study, terminology) if study is not None else (),
            method=method_text(v.derive, v.args, v.description) if v.origin == "Derived" else None,
        )
        for v in spec.variables
    )
    dataset = spec.dataset
    one_per_subject = all(block.kind == "subject" for block in domain.blocks)
    return Dataset(dataset.name, dataset.label, DatasetClass(dataset.dataset_class), dataset.structure, variables,
                   domain=dataset.name, repeating=not one_per_subject)


def _value_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition,
                 terminology: Terminology | None) -> tuple[ValueItem, ...]:
    if variable.derive == "result" and variable.name.endswith("ORRES"):
        return _result_items(domain, variable, study, terminology)
    if variable.name == f"{domain.name}TOXGR":
        return _grade_items(domain, variable, study)
    return ()


def _result_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition,
                  terminology: Terminology | None) -> tuple[ValueItem, ...]:
    """One definition per test code the study's forms collect for the dataset (where --TESTCD EQ code):
    float when every item of the code is numeric, else text of the variable's length."""
    testcd = next((v.name for v in domain.spec.variables if v.derive == "test_code"), None)
    if testcd is None:
        return ()
    numeric: dict[str, bool] = {}
    for block in domain.blocks:
        if block.findings and block.form is not None:
            for item in findings_items(study.forms[block.form], domain.name):
                if item.sdtm is not None and item.sdtm.testcd:
                    code = item.sdtm.testcd
                    numeric[code] = numeric.get(code, True) and item.type in ("integer", "decimal")
    origin = Origin(OriginType(variable.origin), OriginSource(variable.source) if variable.source else None)
    items = []
    for code in sorted(numeric):
        term = terminology.term(domain.name, code) if terminology is not None else None
        items.append(ValueItem(
            code, f"{term.test if term is not None else code}: result in original units",
            DataType.FLOAT if numeric[code] else DataType.TEXT, origin,
            WhereClause(testcd, Comparator.EQ, (code,)), length=None if numeric[code] else variable.length,
        ))
    return tuple(items)


def _grade_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition) -> tuple[ValueItem, ...]:
    """The grading scale by category: ASTCT 2019 for CRS and ICANS, NCI CTCAE v5.0 for the others."""
    category = domain.variable(f"{domain.name}CAT")
    if category is None or category.codelist is None:
        return ()
    values = [term.submitted for term in study.codelists[category.codelist].values]
    astct = tuple(value for value in values if value in ASTCT_CATEGORIES)
    ctcae = tuple(value for value in values if value not in ASTCT_CATEGORIES)
    origin = Origin(OriginType(variable.origin), OriginSource(variable.source) if variable.source else None)
    codelist = _variable_codelist(domain, variable)
    scales = (("ASTCT", "ASTCT 2019 consensus grade", astct), ("CTCAE", "NCI CTCAE v5.0 grade", ctcae))
    return tuple(
        ValueItem(name, description, DataType(variable.type), origin,
                  WhereClause(category.name, Comparator.IN, found),
                  length=variable.length, codelist=codelist)
        for name, description, found in scales if found
    )


def _variable_codelist(domain: DomainSpec, variable: VariableSpec) -> str | None:
    if variable.codelist:
        return codelist_oid(variable.codelist)
    if variable.derive in TEST_DERIVATIONS:
        return test_codelist_oid(domain.name, TEST_DERIVATIONS[variable.derive])
    return None


def codelist_oid(codelist_id: str) -> str:
    """The define.xml CodeList OID of a study codelist, as `dataset_metadata` refers to it."""
    return f"CL.{codelist_id.upper()}"


def test_codelist_oid(dataset: str, suffix: str) -> str:
    """The OID of a dataset's test-code (suffix TESTCD) or test-name (TEST) codelist."""
    return f"CL.{dataset}{suffix}"


def export_codelists(study: StudyDefinition, specs: SpecSet) -> tuple[SubmissionCodelist, ...]:
    """The codelists the specs' variables use: the study's, with the submission values SDTM receives as
    terms, and each findings dataset's --TESTCD/--TEST lists from the terminology file (the tests the
    study's forms collect).

    A study codelist without an NCI code is sponsor-defined; the NCI codes of
    single study terms are not in the study definition and stay out.
    """
    used = sorted({v.codelist for d in specs.domains.values() for v in (*d.spec.variables, *d.spec.qualifiers)
                   if v.codelist})
    study_lists = tuple(
        SubmissionCodelist(codelist_oid(cid), study.codelists[cid].name,
                 tuple(Term(v.submitted, v.decode) for v in study.codelists[cid].values),
                 nci_code=study.codelists[cid].nci_code, sponsor_defined=study.codelists[cid].nci_code is None)
        for cid in used
    )
    return study_lists + tuple(c for d in specs.domains.values() for c in _test_codelists(study, specs, d))


def _test_codelists(study: StudyDefinition, specs: SpecSet, domain: DomainSpec) -> list[SubmissionCodelist]:
    derived = {v.derive for v in domain.spec.variables}
    forms = [study.forms[b.form] for b in domain.blocks if b.findings and b.form is not None]
    codes = sorted({i.sdtm.testcd for form in forms for i in findings_items(form, domain.name)
                    if i.sdtm and i.sdtm.testcd})
    if not codes:
        return []
    info = specs.terminology.codelists[domain.name]
    terms = [specs.terminology.tests[domain.name][code] for code in codes]
    cdisc = not info.sponsor and info.nci_code is not None
    lists = []
    if "test_code" in derived:
        lists.append(SubmissionCodelist(
            test_codelist_oid(domain.name, "TESTCD"), info.name,
            tuple(Term(t.testcd, t.test, t.nci_code if cdisc else None, extended=cdisc and t.sponsor) for t in terms),
            nci_code=info.nci_code if cdisc else None, extensible=cdisc, sponsor_defined=not cdisc))
    if "test_name" in derived:
        lists.append(SubmissionCodelist(
            test_codelist_oid(domain.name, "TEST"), info.name.replace("Code", "Name"),
            tuple(Term(t.test, None, None, extended=cdisc and t.sponsor) for t in terms),
            extensible=cdisc, sponsor_defined=not cdisc))
    return lists


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


def _qualifier_item(qualifier: QualifierSpec, study: StudyDefinition | None) -> ValueItem:
    """QVAL where QNAM is this qualifier: its label, origin and codelist; --DTC qualifiers hold ISO 8601 dates."""
    description = qualifier.qlabel + (f" (evaluator: {qualifier.qeval})" if qualifier.qeval else "")
    origin = QORIG_ORIGINS[qualifier.qorig]
    if qualifier.derive is not None:
        method = method_text(qualifier.derive, qualifier.args)
        origin = replace(origin, description=method) if origin.type is not OriginType.COLLECTED else origin
    length = 200
    if qualifier.codelist is not None and study is not None:
        length = max(len(term.submitted) for term in study.codelists[qualifier.codelist].values)
    data_type = DataType.DATE if qualifier.qnam.endswith("DTC") else DataType.TEXT
    return ValueItem(
        qualifier.qnam, description, data_type, origin, WhereClause("QNAM", Comparator.EQ, (qualifier.qnam,)),
        length=10 if data_type is DataType.DATE else length,
        codelist=codelist_oid(qualifier.codelist) if qualifier.codelist else None,
    )
