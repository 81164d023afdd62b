"""Lupus responses of one subject over their visits: SRI-4 against baseline, LLDAS and DORIS at each visit.

The inputs are the subject's stored records: at each visit the SLEDAI,
BILAG-2004 and PGA forms, and the concomitant medication log. Everything
clinical is delegated to `edc.domain` (`sledai`, `responses`); this module
only decides which records make an assessment:

- An assessment needs every SLEDAI descriptor and the PGA; BILAG grades are
  needed by SRI-4 only. It is dated by the SLEDAI form's date, or the visit
  date when the form has none.
- Baseline is the last assessment at a scheduled visit before the infusion
  (schedule day < 0). Follow-up assessments are every later one, in date order.
- "New activity" (LLDAS) compares the active SLEDAI-2K descriptors with the
  previous assessment, the baseline for the first follow-up.
- The SLEDAI-2K total and the clinical SLEDAI-2K (serology left out, the
  DORIS definition) are computed from the descriptors, whatever clinical
  variant the trial stores for its own criteria.
- The daily prednisone-equivalent dose on the assessment date is the sum of
  `cm_pred_eq` over the glucocorticoid rows that may be running that day. A
  partial start or end date counts the medication when any day it allows
  includes the date (the dose is never under-counted). A running
  glucocorticoid without a daily dose (weekly or pulse regimens) leaves the
  dose, and so LLDAS and DORIS, undecidable.
- A log with no glucocorticoid row is not a dose of 0 mg until the site has
  confirmed the log complete (`complete_through`, the latest date the site
  confirmed the medication log complete up to): on a later assessment date
  the dose, LLDAS and DORIS are undecidable, never assumed.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from edc.definitions.functions import BILAG_SYSTEMS
from edc.domain import responses
from edc.domain.responses import DorisResult, LldasResult, LupusAssessment, Sri4Result
from edc.domain.sledai import CLINICAL_EXCLUDES_SEROLOGY, active_descriptors, sledai_2k_total

Values = Mapping[str, object]


@dataclass(frozen=True)
class VisitForms:
    """One visit of the subject with the values of its SLEDAI, BILAG and PGA records (None when not entered)."""

    visit_code: str
    occurrence: int
    schedule_day: int | None  # None for unscheduled visits
    visit_date: date | None
    sledai: Values | None
    bilag: Values | None
    pga: Values | None


@dataclass(frozen=True)
class Glucocorticoids:
    """The daily prednisone-equivalent dose on a date, or why it is unknown."""

    mg_day: float | None
    counted: tuple[int, ...]  # medication log lines summed
    unknown: tuple[int, ...]  # lines running that day without a daily dose
    unconfirmed: bool = False  # the log is not confirmed complete on that day


@dataclass(frozen=True)
class Assessment:
    """A visit's disease activity as the responses read it."""

    visit_code: str
    occurrence: int
    assessed_on: date | None
    sledai_2k: int
    clinical_sledai_2k: int
    pga: float
    bilag: Mapping[str, str] | None
    active: frozenset[str]
    glucocorticoids: Glucocorticoids


@dataclass(frozen=True)
class VisitResponse:
    """Responses at one follow-up assessment; a None result says why in `undecidable`."""

    assessment: Assessment
    new_activity: tuple[str, ...]
    sri4: Sri4Result | None
    lldas: LldasResult | None
    doris: DorisResult | None
    undecidable: Mapping[str, str]


@dataclass(frozen=True)
class SubjectResponses:
    """The baseline assessment (None when there is none yet) and the responses at each later one."""

    baseline: Assessment | None
    visits: tuple[VisitResponse, ...]


def subject_responses(visits: Sequence[VisitForms], medications: Mapping[int, Values], *,
                      complete_through: date | None) -> SubjectResponses:
    """SRI-4, LLDAS and DORIS at each follow-up assessment of one subject (see the module docstring).

    `medications` maps each line of the medication log (its record number) to its values; `complete_through`
    is the latest date the site confirmed the log complete up to (None: never confirmed).
    """
    assessed = [a for a in (_assessment(v, medications, complete_through) for v in _in_order(visits))
                if a is not None]
    baseline_index = _baseline_index(visits, assessed)
    if baseline_index is None:
        return SubjectResponses(None, ())
    baseline = assessed[baseline_index]
    results = []
    previous = baseline
    for current in assessed[baseline_index + 1:]:
        results.append(_respond(baseline, previous, current))
        previous = current
    return SubjectResponses(baseline, tuple(results))


def glucocorticoid_dose(medications: Mapping[int, Values], on: date, complete_through: date | None) -> Glucocorticoids:
    """The daily prednisone-equivalent dose of the glucocorticoids that may be running on `on`.

    `medications` maps medication log lines to their values; the dose is unknown (`unconfirmed`) unless the
    log is confirmed complete through `on`.
    """
    counted: list[int] = []
    unknown: list[int] = []
    total = 0.0
    for line, row in sorted(medications.items()):
        if row.get("cmgc") != "Y" or not _may_run_on(row, on):
            continue
        dose = row.get("cm_pred_eq")
        if dose is None:
            unknown.append(line)
        else:
            counted.append(line)
            total += float(dose)  # type: ignore[arg-type]
    unconfirmed = complete_through is None or complete_through < on
    mg_day = None if unknown or unconfirmed else round(total, 6)
    return Glucocorticoids(mg_day, tuple(counted), tuple(unknown), unconfirmed)


def _in_order(visits: Sequence[VisitForms]) -> list[VisitForms]:
    """Visits by assessment date; undated ones after the dated, by schedule day."""
    def key(visit: VisitForms) -> tuple[date, int, int]:
        """By assessment date (undated last), then schedule day (unscheduled last), then occurrence."""
        on = _assessment_date(visit) or date.max
        return on, visit.schedule_day if visit.schedule_day is not None else 10**6, visit.occurrence
    return sorted(visits, key=key)


def _baseline_index(visits: Sequence[VisitForms], assessed: Sequence[Assessment]) -> int | None:
    day_of = {(v.visit_code, v.occurrence): v.schedule_day for v in visits}
    before_infusion = [i for i, a in enumerate(assessed)
                       if (day := day_of[(a.visit_code, a.occurrence)]) is not None and day < 0]
    return before_infusion[-1] if before_infusion else None


def _assessment(visit: VisitForms, medications: Mapping[int, Values],
                complete_through: date | None) -> Assessment | None:
    if visit.sledai is None or visit.pga is None or visit.pga.get("pga") is None:
        return None
    active = active_descriptors(visit.sledai)
    total = sledai_2k_total(visit.sledai)
    clinical = sledai_2k_total(visit.sledai, exclude=CLINICAL_EXCLUDES_SEROLOGY)
    if active is None or total is None or clinical is None:
        return None
    on = _assessment_date(visit)
    dose = glucocorticoid_dose(medications, on, complete_through) if on is not None else Glucocorticoids(None, (), ())
    return Assessment(visit.visit_code, visit.occurrence, on, total, clinical,
                      float(visit.pga["pga"]), _bilag_grades(visit.bilag), active, dose)  # type: ignore[arg-type]


def _respond(baseline: Assessment, previous: Assessment, current: Assessment) -> VisitResponse:
    undecidable: dict[str, str] = {}
    new = responses.new_activity(previous.active, current.active)
    sri4 = None
    if baseline.bilag is None or current.bilag is None:
        undecidable["sri4"] = "BILAG-2004 grades missing at baseline or at this visit"
    else:
        sri4 = responses.sri4(_domain(baseline), _domain(current))
    lldas = doris = None
    dose = current.glucocorticoids
    if dose.mg_day is None:
        reason = _unknown_dose(current)
        undecidable["lldas"] = undecidable["doris"] = f"prednisone-equivalent dose unknown: {reason}"
    else:
        flags = _domain(current, major=responses.major_organ_activity(current.active, current.bilag),
                        new=bool(new))
        lldas = responses.lldas(flags)
        doris = responses.doris_remission(flags)
    return VisitResponse(current, new, sri4, lldas, doris, undecidable)


def _unknown_dose(current: Assessment) -> str:
    dose = current.glucocorticoids
    if current.assessed_on is None:
        return "no assessment date"
    if dose.unknown:
        return f"medication log lines {list(dose.unknown)} are glucocorticoids running without a daily dose"
    return (f"the medication log is not confirmed complete up to {current.assessed_on.isoformat()} "
            "(medication_review): no glucocorticoid row is not 0 mg until it is")


def _domain(a: Assessment, *, major: bool | None = None, new: bool | None = None) -> LupusAssessment:
    return LupusAssessment(sledai_2k=a.sledai_2k, clinical_sledai=a.clinical_sledai_2k, pga=a.pga,
                           prednisone_mg_day=a.glucocorticoids.mg_day or 0.0, bilag=a.bilag,
                           major_organ_activity=major, new_activity=new)


def _bilag_grades(values: Values | None) -> Mapping[str, str] | None:
    if values is None:
        return None
    grades = {name: values.get(name) for name in BILAG_SYSTEMS}
    if any(not isinstance(grade, str) for grade in grades.values()):
        return None
    return {name: str(grade) for name, grade in grades.items()}


def _assessment_date(visit: VisitForms) -> date | None:
    on = visit.sledai.get("sledai_dat") if visit.sledai is not None else None
    return on if isinstance(on, date) else visit.visit_date


def _may_run_on(row: Values, on: date) -> bool:
    start = _earliest(row.get("cmstdat"))
    if start is not None and start > on:
        return False
    if row.get("cmongo") == "Y":
        return True
    end = _latest(row.get("cmendat"))
    return end is None or end >= on


def _earliest(value: object) -> date | None:
    """The first day a date or partial date ('2024', '2024-03', '2024-03-05') allows."""
    if isinstance(value, date) or value is None:
        return value
    parts = [int(p) for p in str(value).split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _latest(value: object) -> date | None:
    """The last day a date or partial date allows."""
    if isinstance(value, date) or value is None:
        return value
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], parts[1], parts[2])
