"""Timing derivations: ISO 8601 dates as captured, study days (no day 0), EPOCH, VISITNUM and VISIT."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import RowBlock
from edc.definitions.vocabulary import DONE, SCREEN_FAILED, UNSCHEDULED_VISIT
from edc.export.formats.table import in_calendar
from edc.export.sdtm.derivations.context import UNSCHEDULED_VISITNUM, Derivation, Evaluator, Preparer, RowContext
from edc.export.sdtm.subjectdata import plain

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
    """The latest of the dates; null for a screen failure when `not_screen_failure` (DM.RFENDTC, SDTMIG 3.4)."""
    if args.get("not_screen_failure") and context.subject.status == SCREEN_FAILED:
        return None
    found = [context.item(ref) for ref in args["items"]]
    if args.get("last_contact"):
        found.append(plain(context.subject.last_contact))
    dates = [value for value in found if isinstance(value, str)]
    return max(dates) if dates else None


def _earliest_date(context: RowContext, args: Mapping[str, Any]) -> object:
    """The earliest date over every record of the `items`' forms (DM.RFXSTDTC: the first exposure to any
    study treatment, lymphodepletion included), with the time item of the same form in `times` appended;
    dates compare by their day, a date with a time before the same day without one."""
    times = {str(ref).partition(".")[0]: str(ref).partition(".")[2] for ref in args.get("times", ())}
    found: list[str] = []
    for ref in args["items"]:
        form_id, _, day_item = str(ref).partition(".")
        for record in context.subject.records.get(form_id, ()):
            clock = plain(record.values.get(times[form_id])) if form_id in times else None
            day = _date_time(plain(record.values.get(day_item)), clock)
            if isinstance(day, str):
                found.append(day)
    return min(found, key=lambda value: (value[:10], len(value) == len("2026-03-01"), value)) if found else None


def _first_of(context: RowContext, args: Mapping[str, Any]) -> object:
    """The first of the items with a value (a verbatim term, else the coded one); with `times`, the time item at
    the same position appended to a complete date (FADTC: the worst grade's date and time, else the start's)."""
    times = list(args.get("times", ()))
    for index, ref in enumerate(args["items"]):
        value = context.item(ref)
        if value not in (None, ""):
            return _date_time(value, context.item(times[index])) if index < len(times) else value
    return None


def _year(context: RowContext, args: Mapping[str, Any]) -> object:
    """Year only: a birth month or day would narrow an identifier."""
    value = context.item(args["item"])
    return value[:4] if isinstance(value, str) else None


def study_day(value: object, reference: object) -> int | None:
    """SDTM study day: date - reference + 1 from the reference on, date - reference before; no day 0."""
    days = _days_from(reference, value)
    return None if days is None else day_number(days)


def day_number(days_from_reference: int) -> int:
    """The SDTM day of a day counted from the reference (the reference day is 0): no day 0, day 1 is the reference.

    Study days (--DY) and TV's VISITDY both follow it; the protocol's Day 0, the infusion, is day 1.
    """
    return days_from_reference + 1 if days_from_reference >= 0 else days_from_reference


def full_date(value: object) -> bool:
    """A complete calendar date (or date/time); an impossible one (2026-02-30) is left to validation to report."""
    return isinstance(value, str) and _day(value) is not None


@lru_cache(maxsize=1 << 16)
def _day(value: str) -> date | None:
    """The day of a complete calendar date (or date/time), else None; cached, as rows repeat the same dates."""
    return date.fromisoformat(value[:10]) if len(value) >= len("2026-03-01") and in_calendar(value) else None


def _days_from(start: object, value: object) -> int | None:
    """Days from the day of `start` to that of `value`, when both are complete calendar dates."""
    if not (isinstance(start, str) and isinstance(value, str)):
        return None
    first, last = _day(start), _day(value)
    return None if first is None or last is None else (last - first).days


def _study_day(context: RowContext, args: Mapping[str, Any]) -> object:
    return study_day(context.values.get(args["of"]), context.reference_start)


def _epoch(context: RowContext, args: Mapping[str, Any]) -> object:
    return _prepare_epoch(context.study, context.block, args)(context)


def _prepare_epoch(study: StudyDefinition, block: RowBlock, args: Mapping[str, Any]) -> Evaluator:
    """The epoch of the last scheduled visit on or before the date, counted in protocol days from the infusion.

    Protocol days have a day 0 (the infusion, RFSTDTC), as the schedule's visit days do.
    """
    of = args["of"]
    visits = [(visit.day, visit.epoch) for visit in sorted(study.visits, key=lambda v: (v.day, v.visitnum))]

    def epoch(context: RowContext) -> object:
        day = _days_from(context.reference_start, context.values.get(of))
        if day is None:
            return "SCREENING" if context.subject.status == SCREEN_FAILED else None
        found = visits[0][1]
        for visit_day, visit_epoch in visits:
            if visit_day <= day:
                found = visit_epoch
        return found

    return epoch


def _collected(context: RowContext, args: Mapping[str, Any]) -> object:
    return _prepare_collected(context.study, context.block, args)(context)


def _prepare_collected(study: StudyDefinition, block: RowBlock, args: Mapping[str, Any]) -> Evaluator:
    """The row form's items annotated `sdtm: {variable: X}`: a date, joined with a time item when there is one."""
    form = study.forms.get(block.form or "")
    found = [] if form is None else [(item.type, item.name) for item in form.items
                                     if item.sdtm is not None and item.sdtm.variable == args["variable"]]

    def collected(context: RowContext) -> object:
        record = context.record
        if not found or record is None:
            return None
        own = record.values  # the items are the row form's: the row's own record holds them
        values = {kind: plain(own.get(name)) for kind, name in found}
        day = next((values[t] for t in ("datetime", "date", "partial_date") if t in values), None)
        if day is None:
            return next(iter(values.values()))
        return _date_time(day, values.get("time"))

    return collected


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
    """The date of the row's visit: the visit of a visits row, else the visit the row's record belongs to
    (null for a running-log record, or a visit not done or undated)."""
    if context.visit is not None:
        return plain(context.visit.visit_date)
    found = _row_visit(context)
    if found is None:
        return None
    visit = next((v for v in context.subject.visits if (v.visit, v.occurrence) == found), None)
    return plain(visit.visit_date) if visit is not None and visit.status == DONE else None


TIMING: dict[str, Derivation] = {
    "iso8601": _iso8601,
    "year": _year,
    "latest_date": _latest_date,
    "first_of": _first_of,
    "earliest_date": _earliest_date,
    "study_day": _study_day,
    "epoch": _epoch,
    "visitnum": _visitnum,
    "visit": _visit,
    "visit_date": _visit_date,
    "collected": _collected,
}
TIMING_PREPARED: dict[str, Preparer] = {"epoch": _prepare_epoch, "collected": _prepare_collected}
