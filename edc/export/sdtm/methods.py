"""Readable descriptions of the spec derivations, for define.xml's MethodDefs.

One text per derivation name (`edc.definitions.sdtm.derivations.DERIVATIONS`);
`{of}`, `{item}`, `{items}`, `{date}`... are filled from the derivation's arguments.
A derivation without a text here falls back to the variable's description.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METHODS: Mapping[str, str] = {
    "studyid": "The study's protocol identifier",
    "usubjid": "STUDYID, a hyphen and the subject number with its site prefix (SITEID-number)",
    "subjid": "The subject number within the site, as enrolled",
    "siteid": "The site's identifier from the study definition",
    "country": "The ISO 3166-1 alpha-3 code of the site's country",
    "seq": "Sequential number of the subject's records in the dataset, 1, 2, ..., records in key order",
    "iso8601": "ISO 8601 date/time from {date} (and {time} when collected); partial dates right-truncated",
    "year": "The year of {item} (ISO 8601, YYYY)",
    "latest_date": "The latest of the dates {items}",
    "earliest_date": "The earliest of the dates {items} over all of the subject's records (with {times} where "
                     "collected): the first exposure to any study treatment",
    "first_of": "The first of {items} that has a value",
    "flag": "Y when {of} has a value, else null",
    "study_day": "study_day of {of}: date - RFSTDTC + 1 on or after RFSTDTC, date - RFSTDTC before; no day 0; "
                 "null when either date is partial",
    "epoch": "The epoch of the last scheduled visit on or before {of}, in protocol days from RFSTDTC (day 0); "
             "SCREENING for a screen failure, null when either date is partial",
    "visitnum": "VISITNUM of the record's visit in the trial visits (TV); unscheduled visits numbered from a "
                "fixed offset plus their occurrence",
    "dose_level_arm": "The arm ({part}) from the subject's dose level (and indication cohort, where the study "
                      "has cohorts: ARMCD <cohort>-<level>): ARMCD/ARM the level assigned, "
                      "ACTARMCD/ACTARM the level infused ({item}); null for a screen failure, a subject not "
                      "assigned (ACTARMCD/ACTARM also when not treated), with ARMNRS SCREEN FAILURE, "
                      "NOT ASSIGNED or ASSIGNED, NOT TREATED; ACTARMUD describes an infused level that is no arm",
    "ongoing_rtpt": "ONGOING when {item} is Y (end relative to the reference time point), else null",
    "ongoing_tpt": "The last contact date when {item} is Y, else null",
    "coded": "The {level} of the dictionary entry the verbatim term {item} is coded with (MedDRA: the primary "
             "path of the LLT's preferred term; WHODrug: the record's preferred name and the ATC class chosen), "
             "null while the term is not coded",
    "toxicity_scale": "ASTCT 2019 when {item} is CRS or ICANS, else NCI CTCAE v5.0",
    "committee_dlt": "The safety review committee's DLT verdict (escalation service, else {item})",
    "collected": "The value of the row's form items annotated as {variable}: a date, with its time appended "
                 "when both are complete",
    "unit": "The unit of {item} in the study definition",
    "product": "The investigational product's name",
    "protocol_dose": "The dose as administered in the protocol's dose unit (EX): {item} for dose levels in "
                     "cells, {per_kg} for dose levels per kg of body weight; lymphodepletion doses as given in "
                     "mg/m2. EC holds the doses as collected: the total given (ECMOOD PERFORMED) and the CAR-T "
                     "dose planned for the subject (ECMOOD SCHEDULED)",
    "visit": "The visit's name in the trial visits (TV)",
    "visit_date": "The date of the visit (on a form's rows: of the visit the record was entered at)",
    "test_code": "The test code of the item in the terminology file (exports/terminology/tests.yaml)",
    "test_name": "The test name of the test code in the terminology file",
    "test_category": "The test's category in the form definition, else {default}",
    "result": "The result as collected, as text: as entered by the site, in the unit it was entered in",
    "standard_result": "The result as text in the standard unit of its item: converted from the unit entered "
                       "by the factor of the study definition where the site entered another",
    "result_number": "The result as a number in the standard unit of its item when it is numeric, else null",
    "result_unit": "The unit the result was collected in",
    "standard_unit": "The standard unit of the result's item in the study definition",
    "range_low": "The laboratory's lower reference limit entered with the result, in the unit the result was "
                 "entered in",
    "range_high": "The laboratory's upper reference limit entered with the result, in the unit the result was "
                  "entered in",
    "standard_range_low": "The laboratory's lower reference limit entered with the result, in the standard unit",
    "standard_range_high": "The laboratory's upper reference limit entered with the result, in the standard unit",
    "range_indicator": "LOW when {of} is below {low}, HIGH when above {high}, else NORMAL; null without a "
                       "numeric result or reference range",
    "derived_flag": "Y when the result is computed from other results, else null",
    "last_before_reference": "Y on the subject's last record with a result dated ({of}) before RFSTDTC, per "
                             "{by}; compared as date/times when both have a time, else by date",
    "toxicity_grade": "NCI CTCAE v5.0 grade, 0 to 4, of {of} by the criterion of its test code in "
                      "exports/terminology/ctcae_lab.yaml (see the value-level metadata): 0 when the result is not "
                      "beyond the laboratory's limit of normal ({low} for a decreased term, {high} for an increased "
                      "one), else the highest grade whose bound, an absolute value in {unit} or a multiple of that "
                      "limit, it passes; where CTCAE grades against an abnormal baseline, the rule for a normal "
                      "baseline; null for a test, unit ({unit}) or specimen ({specimen}) without a criterion, "
                      "without a result, or without a limit a bound is a multiple of",
    "toxicity_term": "The NCI CTCAE v5.0 term the criterion of the test code grades (exports/terminology/"
                     "ctcae_lab.yaml), on the rows {of} has a grade, else null",
    "criterion_id": "The identifier of the eligibility criterion not met",
    "criterion_text": "The text of the eligibility criterion not met, cut at a word to 200 characters with "
                      "'...' when longer (the protocol has the full text)",
    "criterion_category": "INCLUSION or EXCLUSION, from the eligibility criterion",
    "criterion_result": "N for an inclusion criterion not met, Y for an exclusion criterion met",
    "eligibility_date": "The date of the visit at which eligibility was assessed",
}


OPTIONAL_PARTS: Mapping[str, Mapping[str, str]] = {
    "coded": {"verbatim": " (here instead of null: the verbatim term {item} itself)"},
    "first_of": {"times": ", with the time of day of {times} (the item at the same position) appended where "
                          "collected"},
}
"""Words appended to a derivation's text when the spec gives the optional argument."""


def method_text(derive: str | None, args: Mapping[str, Any], fallback: str | None = None) -> str | None:
    """The description of the derivation `derive` with these arguments, else `fallback`."""
    text = METHODS.get(derive or "")
    if text is None:
        return fallback
    text += "".join(part for name, part in OPTIONAL_PARTS.get(derive or "", {}).items() if name in args)
    filled = {name: ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
              for name, value in args.items()}
    return text.format_map(_Blank(filled))


class _Blank(dict[str, str]):
    """An optional argument the spec does not give reads as "the <name>"."""

    def __missing__(self, key: str) -> str:
        return f"the {key}"
