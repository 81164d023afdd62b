"""The named derivations an export spec may use (`derive: study_day`), each computing one cell of one row.

A derivation reads a `RowContext`: the study, the subject, the row block the
row comes from and what the row is made of (a form record, one test of a
findings record, a visit, or an eligibility criterion not met), plus the
values of the row's variables computed so far. `edc.export.spec` lists the
names and arguments the spec loader accepts; `DERIVATIONS` here implements
exactly those (checked when the module loads).

Decisions:
- USUBJID is STUDYID-SUBJID. The subject number already starts with the site
  ("01-003"), so this is STUDYID-SITEID-number without repeating the site.
- Dates stay as captured: partial dates right-truncated ("2026-03"), never
  imputed. Study days need two complete dates and have no day 0.
- Screen failures: ARMCD and ACTARMCD "SCRNFAIL"; enrolled but never infused:
  ACTARMCD "NOTTRT" (the SDTMIG 3.2 codes the trials use; 3.4 would use ARMNRS).
- Unscheduled visits: VISIT "UNSCHEDULED n" and VISITNUM 900 + n, so VISITNUM
  stays 1:1 with VISIT across subjects; running-log records have no visit.
- A findings result (--ORRES) is the captured value as text: coded values as
  their submission values, decimals with the item's declared precision,
  booleans Y/N, several choices joined by ", ".
- IETEST holds at most 200 characters (SDTM and SAS XPORT): a longer
  criterion is cut at a word and ends with "..."; define.xml and the
  protocol keep the full text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Criterion, Item
from edc.definitions.vocabulary import SCREEN_FAILED, UNSCHEDULED_VISIT
from edc.export.spec import DERIVATIONS as DECLARED
from edc.export.spec import RowBlock
from edc.export.subjectdata import CapturedRecord, SubjectData, VisitData, plain
from edc.export.table import in_calendar
from edc.export.terminology import Terminology

Row = dict[str, object]
UNSCHEDULED_VISITNUM = 900
"""VISITNUM of unscheduled visit n is 900 + n: after every scheduled visit, one number per VISIT."""
MAX_TEST_TEXT = 200


@dataclass(frozen=True)
class RowContext:
    """Everything one row's values may be computed from."""

    study: StudyDefinition
    subject: SubjectData
    block: RowBlock
    record: CapturedRecord | None
    values: Row
    dataset: str = ""
    terminology: Terminology | None = None
    reference_start: str | None = None
    seq: int | None = None
    test: Item | None = None
    visit: VisitData | None = None
    criterion: Criterion | None = None
    joined: tuple[str, CapturedRecord | None] | None = None
    join_key: object = None

    @property
    def row_form(self) -> str | None:
        return self.block.form

    def item(self, ref: str) -> object:
        """The value of `form.item` for this row: its own record, the joined one, or the subject's form."""
        form_id, _, name = ref.partition(".")
        return self.item_at(form_id=form_id, name=name)

    def item_at(self, *, form_id: str, name: str) -> object:
        """`item` with the reference already split."""
        if form_id == self.row_form and self.record is not None:
            return plain(self.record.values.get(name))
        if self.joined is not None and self.joined[0] == form_id:
            return plain(self.joined[1].values.get(name)) if self.joined[1] is not None else None
        record = self.subject.first(form_id)
        return plain(record.values.get(name)) if record is not None else None


Derivation = Callable[[RowContext, Mapping[str, Any]], object]


# --- identifiers ------------------------------------------------------------------------------------

def usubjid(study: StudyDefinition, subject: SubjectData) -> str:
    return f"{study.spec.study.protocol_id}-{subjid(subject)}"


def subjid(subject: SubjectData) -> str:
    """The subject number, which starts with the site code; one without it gets it."""
    number = subject.subject_number
    return number if number.startswith(f"{subject.site}-") else f"{subject.site}-{number}"


def _site_country(context: RowContext, args: Mapping[str, Any]) -> object:
    return next((s.country for s in context.study.spec.sites if s.id == context.subject.site), None)


# --- dates and timing -------------------------------------------------------------------------------

def _iso8601(context: RowContext, args: Mapping[str, Any]) -> object:
    """A date, with the time appended when both are complete; partial dates stay partial."""
    day = context.item(args["date"])
    clock = context.item(args["time"]) if "time" in args else None
    return _date_time(day, clock)


def _date_time(day: object, clock: object) -> object:
    if isinstance(day, str) and len(day) == len("2026-03-01") and isinstance(clock, str):
        return f"{day}T{clock[:5]}"
    return day


def _latest_date(context: RowContext, args: Mapping[str, Any]) -> object:
    found = [context.item(ref) for ref in args["items"]]
    if args.get("last_contact"):
        found.append(plain(context.subject.last_contact))
    dates = [value for value in found if isinstance(value, str)]
    return max(dates) if dates else None


def _first_of(context: RowContext, args: Mapping[str, Any]) -> object:
    """The first of the items with a value (a verbatim term, else the coded one)."""
    return next((value for value in map(context.item, args["items"]) if value not in (None, "")), None)


def _year(context: RowContext, args: Mapping[str, Any]) -> object:
    """Year only: a birth month or day would narrow an identifier."""
    value = context.item(args["item"])
    return value[:4] if isinstance(value, str) else None


def study_day(value: object, reference: object) -> int | None:
    """SDTM study day: date - reference + 1 from the reference on, date - reference before; no day 0."""
    if not (full_date(value) and full_date(reference)):
        return None
    return day_number((date.fromisoformat(str(value)[:10]) - date.fromisoformat(str(reference)[:10])).days)


def day_number(days_from_reference: int) -> int:
    """The SDTM day of a day counted from the reference (the reference day is 0): no day 0, day 1 is the reference.

    Study days (--DY) and TV's VISITDY both follow it; the protocol's Day 0, the infusion, is day 1.
    """
    return days_from_reference + 1 if days_from_reference >= 0 else days_from_reference


def full_date(value: object) -> bool:
    """A complete calendar date (or date/time); an impossible one (2026-02-30) is left to validation to report."""
    return isinstance(value, str) and len(value) >= len("2026-03-01") and in_calendar(value)


def _study_day(context: RowContext, args: Mapping[str, Any]) -> object:
    return study_day(context.values.get(args["of"]), context.reference_start)


def _epoch(context: RowContext, args: Mapping[str, Any]) -> object:
    """The epoch of the last scheduled visit on or before the date, counted in protocol days from the infusion.

    Protocol days have a day 0 (the infusion, RFSTDTC), as the schedule's visit days do.
    """
    value = context.values.get(args["of"])
    if not (full_date(value) and full_date(context.reference_start)):
        return "SCREENING" if context.subject.status == SCREEN_FAILED else None
    day = (date.fromisoformat(str(value)[:10]) - date.fromisoformat(str(context.reference_start)[:10])).days
    visits = sorted(context.study.visits, key=lambda v: (v.day, v.visitnum))
    epoch = visits[0].epoch
    for visit in visits:
        if visit.day <= day:
            epoch = visit.epoch
    return epoch


def _collected(context: RowContext, args: Mapping[str, Any]) -> object:
    """The row form's items annotated `sdtm: {variable: X}`: a date, joined with a time item when there is one."""
    form = context.study.forms.get(context.row_form or "")
    if form is None or context.record is None:
        return None
    found = [i for i in form.items if i.sdtm is not None and i.sdtm.variable == args["variable"]]
    values = {item.type: context.item(f"{form.id}.{item.name}") for item in found}
    if not values:
        return None
    day = next((values[t] for t in ("datetime", "date", "partial_date") if t in values), None)
    if day is None:
        return next(iter(values.values()))
    return _date_time(day, values.get("time"))


# --- visits -----------------------------------------------------------------------------------------

def _row_visit(context: RowContext) -> tuple[str, int] | None:
    if context.visit is not None:
        return context.visit.visit, context.visit.occurrence
    if context.record is not None and context.record.visit:
        return context.record.visit, context.record.occurrence
    return None


def _visitnum(context: RowContext, args: Mapping[str, Any]) -> object:
    found = _row_visit(context)
    if found is None:
        return None
    if found[0] == UNSCHEDULED_VISIT:
        return UNSCHEDULED_VISITNUM + found[1]
    visit = context.study.visit(found[0])
    return visit.visitnum if visit is not None else None


def _visit(context: RowContext, args: Mapping[str, Any]) -> object:
    found = _row_visit(context)
    if found is None:
        return None
    if found[0] == UNSCHEDULED_VISIT:
        return f"UNSCHEDULED {found[1]}"
    visit = context.study.visit(found[0])
    return visit.name if visit is not None else None


def _visit_date(context: RowContext, args: Mapping[str, Any]) -> object:
    return plain(context.visit.visit_date) if context.visit is not None else None


# --- arms and treatment -----------------------------------------------------------------------------

def _dose_level_arm(context: RowContext, args: Mapping[str, Any]) -> object:
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


def _unit(context: RowContext, args: Mapping[str, Any]) -> object:
    """The unit an item is collected in (its SDTM unit where the form names one), when the row has a value."""
    form_id, _, name = str(args["item"]).partition(".")
    item = context.study.forms[form_id].item(name)
    if item is None or context.item(args["item"]) is None:
        return None
    return (item.sdtm.unit if item.sdtm is not None and item.sdtm.unit else None) or item.unit


# --- adverse events ---------------------------------------------------------------------------------

def _ongoing(context: RowContext, args: Mapping[str, Any]) -> bool:
    return context.item(args["item"]) == "Y"


ASTCT_CATEGORIES = ("CRS", "ICANS")
"""The AE categories graded on the ASTCT 2019 consensus scale; every other AE on NCI CTCAE v5.0."""


def _toxicity_scale(context: RowContext, args: Mapping[str, Any]) -> object:
    category = context.item(args["item"])
    if category is None:
        return None
    return "ASTCT 2019" if category in ASTCT_CATEGORIES else "NCI CTCAE v5.0"


def _committee_dlt(context: RowContext, args: Mapping[str, Any]) -> object:
    """The committee's verdict: the escalation service's first, else the DLT assessment form's; pending is empty."""
    verdict = context.subject.committee_dlt.get(str(context.join_key)) if context.join_key is not None else None
    if verdict is None and "item" in args:
        verdict = context.item(args["item"])
    return {"Y": "Y", "DLT": "Y", True: "Y", "N": "N", "NOT_DLT": "N", False: "N"}.get(verdict)


# --- findings ---------------------------------------------------------------------------------------

def _test(context: RowContext) -> Item:
    assert context.test is not None and context.test.sdtm is not None  # the loader allows these on findings rows
    return context.test


def _test_code(context: RowContext, args: Mapping[str, Any]) -> object:
    return _test(context).sdtm.testcd  # type: ignore[union-attr]


def _test_name(context: RowContext, args: Mapping[str, Any]) -> object:
    assert context.terminology is not None
    term = context.terminology.term(context.dataset, str(_test_code(context, args)))
    return term.test if term is not None else None


def _test_category(context: RowContext, args: Mapping[str, Any]) -> object:
    return _test(context).sdtm.cat or args.get("default")  # type: ignore[union-attr]


def _raw_result(context: RowContext) -> object:
    assert context.record is not None
    return context.record.values.get(_test(context).name)


def _result(context: RowContext, args: Mapping[str, Any]) -> object:
    """The result as collected, as text (see the module's decisions)."""
    item, value = _test(context), _raw_result(context)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_coded(context, item, v)) for v in value) or None
    if isinstance(value, (Decimal, float)) and not isinstance(value, bool):
        return f"{value:.{item.precision}f}" if item.precision is not None else _number_text(float(value))
    coded = _coded(context, item, plain(value))
    return None if coded is None else str(coded)


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _coded(context: RowContext, item: Item, value: object) -> object:
    if item.codelist is None or value is None:
        return value
    return submission_value(context.study, item.codelist, value)


def submission_value(study: StudyDefinition, codelist: str, code: object) -> object:
    """What SDTM receives for a code: the codelist's submission value where it has one."""
    for term in study.codelists[codelist].values:
        if term.code == code:
            return term.submitted
    return code


def _result_number(context: RowContext, args: Mapping[str, Any]) -> object:
    value = _raw_result(context)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return float(value)


def _result_unit(context: RowContext, args: Mapping[str, Any]) -> object:
    item = _test(context)
    if _raw_result(context) is None:
        return None
    return (item.sdtm.unit if item.sdtm is not None else None) or item.unit


def _reference_limit(context: RowContext, limit: str | None) -> object:
    """A reference range limit as --ORNRLO/--ORNRHI hold it: text, with the limit item's precision."""
    if limit is None or context.record is None or context.row_form is None:
        return None
    value = context.record.values.get(limit)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    precision = _precision(context.study, context.row_form, limit)
    return f"{value:.{precision}f}" if precision is not None else _number_text(float(value))


_PRECISIONS: dict[tuple[str, str, str, str], int | None] = {}


def _precision(study: StudyDefinition, form_id: str, name: str) -> int | None:
    """An item's declared precision, looked up once per study version (a form's items are searched in order)."""
    key = (study.id, study.version, form_id, name)
    if key not in _PRECISIONS:
        item = study.forms[form_id].item(name)
        _PRECISIONS[key] = item.precision if item is not None else None
    return _PRECISIONS[key]


def _derived_flag(context: RowContext, args: Mapping[str, Any]) -> object:
    return "Y" if _test(context).is_calculated else None


def last_before_reference(rows: Sequence[Row], reference: str | None, args: Mapping[str, Any], name: str) -> None:
    """Flag "Y" in `name` on the last row per `by` value dated before the reference start (--LOBXFL).

    Compared as date/times when both have a time, else by date, so a sample
    of the infusion day without a time is never taken for a pre-dose value.
    Rows without a result (the `result` variable empty) are not candidates.
    """
    latest: dict[object, Row] = {}
    for row in rows:
        row[name] = None
        when = row.get(args["of"])
        if not (full_date(when) and full_date(reference)) or not _before(str(when), str(reference)):
            continue
        if "result" in args and row.get(args["result"]) in (None, ""):
            continue
        key = row.get(args["by"])
        if key not in latest or str(latest[key][args["of"]]) <= str(when):
            latest[key] = row
    for row in latest.values():
        row[name] = "Y"


def _before(when: str, reference: str) -> bool:
    if "T" in when and "T" in reference:
        return when < reference
    return when[:10] < reference[:10]


# --- eligibility ------------------------------------------------------------------------------------

def _criterion(context: RowContext) -> Criterion:
    assert context.criterion is not None  # the loader allows these on criteria rows only
    return context.criterion


def criterion_test(text: str) -> str:
    """IETEST: the criterion's text, cut at a word to at most 200 characters with "..." when longer."""
    if len(text) <= MAX_TEST_TEXT:
        return text
    cut = text[: MAX_TEST_TEXT - 3].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}..."


def _criterion_result(context: RowContext, args: Mapping[str, Any]) -> object:
    """IEORRES of a criterion not met: N for an inclusion, Y for an exclusion (the condition is present)."""
    return "N" if _criterion(context).kind == "inclusion" else "Y"


def _eligibility_date(context: RowContext, args: Mapping[str, Any]) -> object:
    visit_code = context.study.spec.eligibility.visit
    found = next((v for v in context.subject.visits if v.visit == visit_code and v.visit_date), None)
    return plain(found.visit_date) if found is not None else None


def _group_placeholder(context: RowContext, args: Mapping[str, Any]) -> object:
    """Group derivations are filled once all of a subject's rows exist (`last_before_reference`)."""
    return None


DERIVATIONS: dict[str, Derivation] = {
    "studyid": lambda c, a: c.study.spec.study.protocol_id,
    "usubjid": lambda c, a: usubjid(c.study, c.subject),
    "subjid": lambda c, a: subjid(c.subject),
    "siteid": lambda c, a: c.subject.site,
    "country": _site_country,
    "seq": lambda c, a: c.seq,
    "iso8601": _iso8601,
    "year": _year,
    "latest_date": _latest_date,
    "first_of": _first_of,
    "flag": lambda c, a: "Y" if c.values.get(a["of"]) not in (None, "") else None,
    "study_day": _study_day,
    "epoch": _epoch,
    "visitnum": _visitnum,
    "visit": _visit,
    "visit_date": _visit_date,
    "collected": _collected,
    "unit": _unit,
    "product": lambda c, a: c.study.spec.study.product.name,
    "dose_level_arm": _dose_level_arm,
    "ongoing_rtpt": lambda c, a: "ONGOING" if _ongoing(c, a) else None,
    "ongoing_tpt": lambda c, a: plain(c.subject.last_contact) if _ongoing(c, a) else None,
    "not_coded": lambda c, a: None,  # AEDECOD waits for MedDRA coding, a later step
    "toxicity_scale": _toxicity_scale,
    "committee_dlt": _committee_dlt,
    "test_code": _test_code,
    "test_name": _test_name,
    "test_category": _test_category,
    "result": _result,
    "result_number": _result_number,
    "result_unit": _result_unit,
    "range_low": lambda c, a: _reference_limit(c, _test(c).lln),
    "range_high": lambda c, a: _reference_limit(c, _test(c).uln),
    "derived_flag": _derived_flag,
    "last_before_reference": _group_placeholder,
    "criterion_id": lambda c, a: _criterion(c).id,
    "criterion_text": lambda c, a: criterion_test(_criterion(c).text),
    "criterion_category": lambda c, a: _criterion(c).kind.upper(),
    "criterion_result": _criterion_result,
    "eligibility_date": _eligibility_date,
}
if set(DERIVATIONS) != set(DECLARED):  # the spec loader accepts exactly the names implemented here
    raise ImportError(f"derivations out of step: {sorted(set(DERIVATIONS) ^ set(DECLARED))}")
