"""Findings derivations: --TESTCD, --TEST, --ORRES, --STRESC/N, units, ranges, the last value before RFSTDTC.

A result of an item taking other units (`edc.definitions.conversions`) has two forms: --ORRES,
--ORRESU and --ORNRLO/HI as the site entered it, --STRESC/N, --STRESU and --STNRLO/HI in the item's
standard unit. For every other item both are the value as collected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.conversions import EntryUnit, entry_unit, from_standard, is_converted, original_columns
from edc.definitions.model import Item
from edc.export.sdtm.derivations.context import Derivation, Row, RowContext
from edc.export.sdtm.derivations.timing import full_date
from edc.export.sdtm.subjectdata import plain


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
    """The result as collected, as text: as entered (value and unit) for an item taking other units."""
    entered = _as_entered(context, _test(context).name)
    if entered is not None:
        value, entry = entered
        return f"{value:.{entry.precision}f}"
    return _standard_result(context, args)


def _standard_result(context: RowContext, args: Mapping[str, Any]) -> object:
    """The result as text in the standard unit (see the module's decisions)."""
    item, value = _test(context), _raw_result(context)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_coded(context, item, v)) for v in value) or None
    if isinstance(value, (Decimal, float)) and not isinstance(value, bool):
        return f"{value:.{item.precision}f}" if item.precision is not None else _number_text(float(value))
    coded = _coded(context, item, plain(value))
    return None if coded is None else str(coded)


def _as_entered(context: RowContext, name: str) -> tuple[object, EntryUnit] | None:
    """The value of item `name` of the row's record as entered and the unit it was entered in, for an item
    taking other units; None for any other item, and for a value stored before the item took them."""
    item = context.study.form_item(context.row_form, name) if context.row_form is not None else None
    if item is None or context.record is None or not is_converted(item):
        return None
    original, unit = (context.record.values.get(column) for column in original_columns(item))
    entry = entry_unit(item, unit) if isinstance(unit, str) else None
    if entry is None or isinstance(original, bool) or not isinstance(original, (int, float, Decimal)):
        return None
    return original, entry


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
    """The unit the result was collected in: as entered for an item taking other units."""
    entered = _as_entered(context, _test(context).name)
    return entered[1].unit if entered is not None else _standard_unit(context, args)


def _standard_unit(context: RowContext, args: Mapping[str, Any]) -> object:
    item = _test(context)
    if _raw_result(context) is None:
        return None
    return (item.sdtm.unit if item.sdtm is not None else None) or item.unit


def _reference_limit(context: RowContext, limit: str | None) -> object:
    """A reference range limit as --ORNRLO/--ORNRHI hold it: text, in the unit the result was entered in
    (the limit as entered when it was entered in that unit, else converted), at that unit's precision."""
    value = _limit(context, limit)
    if value is None or limit is None or context.row_form is None:
        return None
    result = _as_entered(context, _test(context).name)
    if result is not None and result[1].unit != _test(context).unit:
        entry = result[1]
        own = _as_entered(context, limit)
        number = own[0] if own is not None and own[1].unit == entry.unit else from_standard(entry, Decimal(value))
        return f"{number:.{entry.precision}f}"
    precision = _precision(context.study, context.row_form, limit)
    return f"{value:.{precision}f}" if precision is not None else _number_text(float(value))


def _standard_limit(context: RowContext, limit: str | None) -> object:
    """A reference range limit as --STNRLO/--STNRHI hold it: a number in the standard unit."""
    value = _limit(context, limit)
    return None if value is None else float(value)


def _limit(context: RowContext, limit: str | None) -> int | float | Decimal | None:
    if limit is None or context.record is None:
        return None
    value = context.record.values.get(limit)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return value


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
        by = args["by"]
        key = tuple(row.get(name) for name in (by if isinstance(by, (list, tuple)) else (by,)))
        if key not in latest or str(latest[key][args["of"]]) <= str(when):
            latest[key] = row
    for row in latest.values():
        row[name] = "Y"


def _range_indicator(context: RowContext, args: Mapping[str, Any]) -> object:
    """LOW, HIGH or NORMAL: the numeric result `of` against the limits in the variables `low` and `high`
    (the same unit); null without a numeric result or without any limit."""
    value, values = context.values.get(args["of"]), context.values
    low, high = values.get(args["low"]), values.get(args["high"])
    if not isinstance(value, (int, float)) or (low is None and high is None):
        return None
    if isinstance(low, (int, float)) and value < low:
        return "LOW"
    if isinstance(high, (int, float)) and value > high:
        return "HIGH"
    return "NORMAL"


def _before(when: str, reference: str) -> bool:
    if "T" in when and "T" in reference:
        return when < reference
    return when[:10] < reference[:10]


def _group_placeholder(context: RowContext, args: Mapping[str, Any]) -> object:
    """Group derivations are filled once all of a subject's rows exist (`last_before_reference`)."""
    return None


FINDINGS: dict[str, Derivation] = {
    "test_code": _test_code,
    "range_indicator": _range_indicator,
    "test_name": _test_name,
    "test_category": _test_category,
    "result": _result,
    "standard_result": _standard_result,
    "result_number": _result_number,
    "result_unit": _result_unit,
    "standard_unit": _standard_unit,
    "range_low": lambda c, a: _reference_limit(c, _test(c).lln),
    "range_high": lambda c, a: _reference_limit(c, _test(c).uln),
    "standard_range_low": lambda c, a: _standard_limit(c, _test(c).lln),
    "standard_range_high": lambda c, a: _standard_limit(c, _test(c).uln),
    "derived_flag": _derived_flag,
    "last_before_reference": _group_placeholder,
}
