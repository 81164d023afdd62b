"""The SDTM mapping engine: a study definition, its specs and captured data in, dataset rows out.

Pure: no database, no clock. The captured data arrive as `SubjectData`, plain
frozen values a database reader fills; `map_dataset` returns the dataset's
metadata and its rows as dicts, ready for `edc.export.table.build_table` and
the writers.

Decisions the specs rely on:
- USUBJID is STUDYID-SUBJID. The subject number already starts with the site
  ("01-003"), so this is STUDYID-SITEID-number without repeating the site
  ("JWCAR029012-01-003"); a number without its site prefix gets it added.
- Dates stay as captured: partial dates right-truncated ("2026-03"), never
  imputed. Study days need two complete dates and have no day 0.
- --SEQ is numbered per subject in the order of the spec's `sort` items (the
  AE number), compared digit-aware ("2" before "10"), so a rerun with the
  records in another order gives the same numbers SUPP-- rows point at.
- Screen failures: ARMCD and ACTARMCD "SCRNFAIL"; enrolled but never infused:
  ACTARMCD "NOTTRT". (SDTMIG 3.4 would leave them empty with ARMNRS; the
  trials' convention is the 3.2 codes.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.export.metadata import (
    Codelist,
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginSource,
    OriginType,
    Role,
    Term,
    Variable,
)
from edc.export.spec import DERIVATIONS, NEEDS_REFERENCE_START, DomainSpec, QualifierSpec, Source, SpecSet

SCREEN_FAILED = "screen_failed"
"""The subject status of a screen failure (as `edc.services.eligibility` sets it)."""

Row = dict[str, object]


@dataclass(frozen=True)
class FormRecord:
    """One captured form record: item name -> value (str, int, float, Decimal, bool, date, datetime, time).

    `visit` is the visit code ("SCR", "D28", "UNS" for unscheduled, "LOGS" for the
    subject's running logs), `occurrence` numbers repeated unscheduled visits.
    """

    values: Mapping[str, object]
    visit: str | None = None
    occurrence: int = 1


@dataclass(frozen=True)
class VisitData:
    """One of the subject's visits as captured: code, occurrence, status (planned, done, missed) and dates."""

    visit: str
    occurrence: int = 1
    status: str = "done"
    visit_date: date | None = None
    planned_date: date | None = None


@dataclass(frozen=True)
class SubjectData:
    """What the export needs of one subject; a database reader fills it, the mapping only reads it.

    `dose_level` is the level assigned at enrolment (the planned arm).
    `committee_dlt` holds the safety review committee's verdicts from the
    escalation service, by AE number ("Y"/"N", or the codes DLT/NOT_DLT); they
    take precedence over the committee item of the DLT assessment form.
    `eligibility` is the investigator's latest eligibility decision: each
    criterion id with the status the engine gave it then ("met", "not_met",
    "missing"...); empty when no decision was made. `visits` are the subject's
    visits (the running-log pseudo-visit left out).
    """

    subject_number: str
    site: str
    status: str
    dose_level: str | None = None
    last_contact: date | str | None = None
    records: Mapping[str, Sequence[FormRecord]] = field(default_factory=dict)
    committee_dlt: Mapping[str, object] = field(default_factory=dict)
    eligibility: Mapping[str, str] = field(default_factory=dict)
    visits: Sequence[VisitData] = ()

    def first(self, form_id: str) -> FormRecord | None:
        found = self.records.get(form_id, ())
        return found[0] if found else None


@dataclass(frozen=True)
class _Context:
    """Everything one row's values may be computed from."""

    study: StudyDefinition
    subject: SubjectData
    row_form: str | None
    record: FormRecord | None
    values: Row
    reference_start: str | None = None
    seq: int | None = None
    joined: tuple[str, FormRecord | None] | None = None
    join_key: object = None

    def item(self, ref: str) -> object:
        """The value of `form.item` for this row: its own record, the joined one, or the subject's form."""
        form_id, _, name = ref.partition(".")
        if form_id == self.row_form and self.record is not None:
            return plain(self.record.values.get(name))
        if self.joined is not None and self.joined[0] == form_id:
            return plain(self.joined[1].values.get(name)) if self.joined[1] is not None else None
        record = self.subject.first(form_id)
        return plain(record.values.get(name)) if record is not None else None


# --- public API ----------------------------------------------------------------------------------

def map_dataset(study: StudyDefinition, specs: SpecSet, name: str,
                subjects: Iterable[SubjectData]) -> tuple[Dataset, list[Row]]:
    """The dataset `name` (DM, AE, SUPPAE...) for these subjects: its metadata and its rows in key order."""
    subjects = tuple(subjects)
    domain = specs[name]
    if domain.spec.qualifiers:
        return supp_metadata(domain), _supp_rows(study, specs, domain, subjects)
    return dataset_metadata(domain), [row for _, _, row in _domain_rows(study, specs, domain, subjects)]


def usubjid(study: StudyDefinition, subject: SubjectData) -> str:
    return f"{study.spec.study.protocol_id}-{subjid(subject)}"


def subjid(subject: SubjectData) -> str:
    """The subject number, which starts with the site code; one without it gets it."""
    number = subject.subject_number
    return number if number.startswith(f"{subject.site}-") else f"{subject.site}-{number}"


def plain(value: object) -> object:
    """A captured value as export text or number: ISO 8601 dates and times, Y/N for booleans."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return float(value)
    if value == "":
        return None
    return value


# --- rows of a domain ------------------------------------------------------------------------------

def _domain_rows(study: StudyDefinition, specs: SpecSet, domain: DomainSpec,
                 subjects: Sequence[SubjectData]) -> list[tuple[SubjectData, FormRecord | None, Row]]:
    form = domain.spec.dataset.form
    starts = _reference_starts(study, specs, subjects) if _needs_reference(domain) else {}
    rows = []
    for subject in sorted(subjects, key=lambda s: usubjid(study, s)):
        records: Sequence[FormRecord | None] = (
            _in_sort_order(subject.records.get(form, ()), domain.spec.dataset.sort) if form else (None,))
        for seq, record in enumerate(records, start=1):
            context = _Context(study, subject, form, record, {}, starts.get(subjid(subject)), seq)
            rows.append((subject, record, _row(domain, context)))
    return rows


def _row(domain: DomainSpec, context: _Context) -> Row:
    """Plain sources first, then those derived `of` another variable; the row keeps the spec's order."""
    variables = domain.spec.variables
    for variable in sorted(variables, key=lambda v: "of" in v.args):
        context.values[variable.name] = _evaluate(variable, context)
    return {variable.name: context.values[variable.name] for variable in variables}


def _in_sort_order(records: Sequence[FormRecord], sort: Sequence[str]) -> list[FormRecord]:
    """Records by the sort items, then by their whole content, so input order never matters."""
    def key(record: FormRecord) -> tuple[object, ...]:
        own = tuple(_natural(record.values.get(name)) for name in sort)
        return own + (sorted((k, repr(v)) for k, v in record.values.items()), record.visit or "")
    return sorted(records, key=key)


def _natural(value: object) -> list[tuple[int, int, str]]:
    """A digit-aware sort key: "2" sorts before "10", "AE2" before "AE10"."""
    parts = re.split(r"(\d+)", "" if value is None else str(plain(value)))
    return [(1, int(part), "") if part.isdigit() else (0, 0, part) for part in parts if part]


def _needs_reference(domain: DomainSpec) -> bool:
    return any(v.derive in NEEDS_REFERENCE_START for v in domain.spec.variables)


def _reference_starts(study: StudyDefinition, specs: SpecSet, subjects: Sequence[SubjectData]) -> dict[str, str]:
    """RFSTDTC per SUBJID, as the DM spec derives it (the loader made sure it exists)."""
    rfstdtc = specs["DM"].variable("RFSTDTC")
    assert rfstdtc is not None
    starts = {}
    for subject in subjects:
        value = _evaluate(rfstdtc, _Context(study, subject, None, None, {}))
        if isinstance(value, str):
            starts[subjid(subject)] = value
    return starts


def _evaluate(source: Source, context: _Context) -> object:
    if source.item is not None:
        value = context.item(source.item)
    elif source.derive is not None:
        value = _DERIVATIONS[source.derive](context, source.args)
    else:
        value = source.value
    if source.codelist is not None and value is not None:
        value = _submission_value(context.study, source.codelist, value)
    return value


def _submission_value(study: StudyDefinition, codelist: str, code: object) -> object:
    """What SDTM receives for a code: the codelist's submission value where it has one."""
    for term in study.codelists[codelist].values:
        if term.code == code:
            return term.submission_value or term.code
    return code


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
    parent_form = parent.spec.dataset.form
    idvar = f"{parent.name}SEQ"
    rows: list[Row] = []
    for subject, record, parent_row in _domain_rows(study, specs, parent, subjects):
        for qualifier in supp.spec.qualifiers:
            context = _Context(study, subject, parent_form, record, dict(parent_row))
            value = _evaluate(qualifier, _joined(context, qualifier))
            if value is None or value == "":
                continue
            rows.append({
                "STUDYID": parent_row["STUDYID"], "RDOMAIN": parent.name, "USUBJID": parent_row["USUBJID"],
                "IDVAR": idvar, "IDVARVAL": str(parent_row[idvar]), "QNAM": qualifier.qnam,
                "QLABEL": qualifier.qlabel, "QVAL": str(value), "QORIG": qualifier.qorig,
                "QEVAL": qualifier.qeval or "",
            })
    return rows


def _joined(context: _Context, qualifier: QualifierSpec) -> _Context:
    """The context with the record of the joined form whose join item equals the parent's (the first such)."""
    if qualifier.join is None:
        return context
    key = context.item(qualifier.join.parent)
    form_id, _, name = qualifier.join.item.partition(".")
    match = next((r for r in context.subject.records.get(form_id, ()) if plain(r.values.get(name)) == key), None)
    return _Context(context.study, context.subject, context.row_form, context.record, context.values,
                    joined=(form_id, match), join_key=key)


# --- metadata ---------------------------------------------------------------------------------------

def dataset_metadata(domain: DomainSpec) -> Dataset:
    """The `Dataset` the writers need, from the spec's declarations."""
    spec = domain.spec
    variables = tuple(
        Variable(
            name=v.name, label=v.label, data_type=DataType(v.type), role=Role(v.role),
            origin=Origin(OriginType(v.origin), OriginSource(v.source) if v.source else None, v.description),
            length=None if DataType(v.type).is_numeric else v.length,
            codelist=codelist_oid(v.codelist) if v.codelist else None,
            mandatory=v.mandatory, key_sequence=v.key,
        )
        for v in spec.variables
    )
    dataset = spec.dataset
    return Dataset(dataset.name, dataset.label, DatasetClass(dataset.dataset_class), dataset.structure, variables,
                   domain=dataset.name, repeating=dataset.form is not None)


def codelist_oid(codelist_id: str) -> str:
    """The define.xml CodeList OID of a study codelist, as `dataset_metadata` refers to it."""
    return f"CL.{codelist_id.upper()}"


def export_codelists(study: StudyDefinition, specs: SpecSet) -> tuple[Codelist, ...]:
    """The codelists the specs' variables use, with the submission values SDTM receives as terms.

    A codelist without an NCI code is sponsor-defined; the NCI codes of single
    terms are not in the study definition and stay out (a later step).
    """
    used = sorted({v.codelist for d in specs.domains.values() for v in d.spec.variables if v.codelist})
    return tuple(
        Codelist(codelist_oid(cid), study.codelists[cid].name,
                 tuple(Term(v.submission_value or v.code, v.decode) for v in study.codelists[cid].values),
                 nci_code=study.codelists[cid].nci_code, sponsor_defined=study.codelists[cid].nci_code is None)
        for cid in used
    )


def supp_metadata(domain: DomainSpec) -> Dataset:
    """The standard SUPP-- structure (SDTMIG 3.4 section 8.4)."""
    dataset = domain.spec.dataset
    variables = tuple(
        Variable(name, label, DataType.TEXT, Role.IDENTIFIER if key else Role.RECORD_QUALIFIER,
                 Origin(OriginType.ASSIGNED, OriginSource.SPONSOR), length=length,
                 mandatory=name != "QEVAL", key_sequence=key)
        for name, label, length, key in SUPP_VARIABLES
    )
    return Dataset(dataset.name, dataset.label, DatasetClass(dataset.dataset_class), dataset.structure, variables,
                   domain=dataset.parent)


# --- derivations ------------------------------------------------------------------------------------

Derivation = Callable[[_Context, Mapping[str, Any]], object]


def _iso8601(context: _Context, args: Mapping[str, Any]) -> object:
    """A date, with the time appended when both are complete; partial dates stay partial."""
    day = context.item(args["date"])
    clock = context.item(args["time"]) if "time" in args else None
    if isinstance(day, str) and len(day) == len("2026-03-01") and isinstance(clock, str):
        return f"{day}T{clock[:5]}"
    return day


def _latest_date(context: _Context, args: Mapping[str, Any]) -> object:
    found = [context.item(ref) for ref in args["items"]]
    if args.get("last_contact"):
        found.append(plain(context.subject.last_contact))
    dates = [value for value in found if isinstance(value, str)]
    return max(dates) if dates else None


def _year(context: _Context, args: Mapping[str, Any]) -> object:
    """Year only: a birth month or day would narrow an identifier."""
    value = context.item(args["item"])
    return value[:4] if isinstance(value, str) else None


def _flag(context: _Context, args: Mapping[str, Any]) -> object:
    return "Y" if context.values.get(args["of"]) not in (None, "") else None


def study_day(value: object, reference: object) -> int | None:
    """SDTM study day: date - reference + 1 from the reference on, date - reference before; no day 0."""
    if not (_full_date(value) and _full_date(reference)):
        return None
    days = (date.fromisoformat(str(value)[:10]) - date.fromisoformat(str(reference)[:10])).days
    return days + 1 if days >= 0 else days


def _full_date(value: object) -> bool:
    return isinstance(value, str) and len(value) >= len("2026-03-01")


def _study_day(context: _Context, args: Mapping[str, Any]) -> object:
    return study_day(context.values.get(args["of"]), context.reference_start)


def _epoch(context: _Context, args: Mapping[str, Any]) -> object:
    """The epoch of the last scheduled visit on or before the date, counted in protocol days from the infusion.

    Protocol days have a day 0 (the infusion, RFSTDTC), as the schedule's visit days do.
    """
    value = context.values.get(args["of"])
    if not (_full_date(value) and _full_date(context.reference_start)):
        return "SCREENING" if context.subject.status == SCREEN_FAILED else None
    day = (date.fromisoformat(str(value)[:10]) - date.fromisoformat(str(context.reference_start)[:10])).days
    visits = sorted(context.study.visits, key=lambda v: (v.day, v.visitnum))
    epoch = visits[0].epoch
    for visit in visits:
        if visit.day <= day:
            epoch = visit.epoch
    return epoch


def _visitnum(context: _Context, args: Mapping[str, Any]) -> object:
    visit = context.study.visit(context.record.visit) if context.record and context.record.visit else None
    return visit.visitnum if visit is not None else None


def _dose_level_arm(context: _Context, args: Mapping[str, Any]) -> object:
    """ARMCD/ARM from the assigned dose level; ACTARMCD/ACTARM from the level infused."""
    subject, part = context.subject, args["part"]
    if subject.status == SCREEN_FAILED:
        return "SCRNFAIL" if part.endswith("cd") else "Screen Failure"
    if part in ("armcd", "arm"):
        code = subject.dose_level
        missing = ("NOTASSGN", "Not Assigned")
    else:
        infused = context.item(args["item"]) if "item" in args else None
        code = str(infused) if infused is not None else None
        missing = ("NOTTRT", "Not Treated")
    if code is None:
        return missing[0] if part.endswith("cd") else missing[1]
    if part.endswith("cd"):
        return code
    level = next((d for d in context.study.spec.dose_levels if d.id == code), None)
    return level.label if level is not None else code


def _ongoing(context: _Context, args: Mapping[str, Any]) -> bool:
    return context.item(args["item"]) == "Y"


def _toxicity_scale(context: _Context, args: Mapping[str, Any]) -> object:
    category = context.item(args["item"])
    if category is None:
        return None
    return "ASTCT 2019" if category in ("CRS", "ICANS") else "NCI CTCAE v5.0"


def _committee_dlt(context: _Context, args: Mapping[str, Any]) -> object:
    """The committee's verdict: the escalation service's first, else the DLT assessment form's; pending is empty."""
    verdict = context.subject.committee_dlt.get(str(context.join_key)) if context.join_key is not None else None
    if verdict is None and "item" in args:
        verdict = context.item(args["item"])
    return {"Y": "Y", "DLT": "Y", True: "Y", "N": "N", "NOT_DLT": "N", False: "N"}.get(verdict)


def _site_country(context: _Context, args: Mapping[str, Any]) -> object:
    return next((s.country for s in context.study.spec.sites if s.id == context.subject.site), None)


_DERIVATIONS: dict[str, Derivation] = {
    "studyid": lambda c, a: c.study.spec.study.protocol_id,
    "usubjid": lambda c, a: usubjid(c.study, c.subject),
    "subjid": lambda c, a: subjid(c.subject),
    "siteid": lambda c, a: c.subject.site,
    "country": _site_country,
    "seq": lambda c, a: c.seq,
    "iso8601": _iso8601,
    "year": _year,
    "latest_date": _latest_date,
    "flag": _flag,
    "study_day": _study_day,
    "epoch": _epoch,
    "visitnum": _visitnum,
    "dose_level_arm": _dose_level_arm,
    "ongoing_rtpt": lambda c, a: "ONGOING" if _ongoing(c, a) else None,
    "ongoing_tpt": lambda c, a: plain(c.subject.last_contact) if _ongoing(c, a) else None,
    "not_coded": lambda c, a: None,  # AEDECOD waits for MedDRA coding, a later step
    "toxicity_scale": _toxicity_scale,
    "committee_dlt": _committee_dlt,
}
if set(_DERIVATIONS) != set(DERIVATIONS):  # the spec loader accepts exactly the names implemented here
    raise ImportError(f"derivations out of step: {sorted(set(_DERIVATIONS) ^ set(DERIVATIONS))}")
