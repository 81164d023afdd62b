"""The rows of one SDTM domain: its row blocks, in order, evaluated per subject into dicts.

Pure: no database, no clock. The cells come from form items, constants or the
named derivations of `edc.export.sdtm.derivations` (`evaluator` compiles
each source once per dataset).

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Criterion, Item
from edc.definitions.sdtm.derivations import GROUP_DERIVATIONS, NEEDS_REFERENCE_START
from edc.definitions.sdtm.model import DomainSpec, RowBlock, Source, SpecSet, findings_items
from edc.export.sdtm.derivations.context import Evaluator, Row, RowContext
from edc.export.sdtm.derivations.findings import last_before_reference
from edc.export.sdtm.derivations.identifiers import subjid, usubjid
from edc.export.sdtm.derivations.registry import DERIVATIONS, PREPARED
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData, VisitData, plain


def domain_rows(study: StudyDefinition, specs: SpecSet, domain: DomainSpec,
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
            records = _in_sort_order(study, subject.records.get(block.form, ()), block.sort)
            for record in records[:1] if block.first_record else records:
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


_Step = tuple[str, Callable[[RowContext, Any], object], Any]
_Plan = tuple[tuple[str, ...], tuple[_Step, ...]]


def _plan(study: StudyDefinition, domain: DomainSpec, block: RowBlock) -> _Plan:
    """The variables of the block's rows in file order, and how to compute each, in the order to compute
    them: plain sources first, then those derived `of` another variable."""
    sources = [(v.name, domain.source(v, block)) for v in domain.spec.variables]
    ordered = sorted(sources, key=lambda pair: "of" in pair[1].args)
    return tuple(name for name, _ in sources), tuple(_step(study, name, source, block) for name, source in ordered)


def _step(study: StudyDefinition, name: str, source: Source, block: RowBlock) -> _Step:
    """How the variable is computed, as `function(context, argument)`: an item copy, a constant or a plain
    derivation called directly, any other source through its evaluator (one call less per cell)."""
    if source.codelist is None:
        if source.item is not None:  # a plain copy of an item: the reference split once, not per row
            form_id, _, item = source.item.partition(".")
            return name, _copy, (form_id, item)
        if source.derive is None:  # a constant
            return name, _constant, source.value
        if source.derive not in PREPARED:
            return name, DERIVATIONS[source.derive], source.args
    return name, _evaluate, evaluator(study, source, block)


def _evaluate(context: RowContext, compute: Evaluator) -> object:
    return compute(context)


def _copy(context: RowContext, reference: tuple[str, str]) -> object:
    return context.item_at(form_id=reference[0], name=reference[1])


def _constant(context: RowContext, value: object) -> object:
    return value


def evaluator(study: StudyDefinition, source: Source, block: RowBlock | None = None) -> Evaluator:
    """A source compiled once per dataset: the item reference split, the derivation and codelist looked up (a
    derivation with a compiled form compiled for `block`, the block of every row it is given)."""
    compute: Evaluator
    if source.item is not None:
        form_id, _, name = source.item.partition(".")
        compute = partial(RowContext.item_at, form_id=form_id, name=name)
    elif source.derive in PREPARED and block is not None:
        compute = PREPARED[source.derive](study, block, source.args)
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
    for name, compute, argument in ordered:
        values[name] = compute(context, argument)
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
