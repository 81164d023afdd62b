"""A subject's lupus responses assembled from visit records and the medication log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from edc.domain.lupus_course import VisitForms, glucocorticoid_dose, subject_responses

DESCRIPTORS = ("seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
               "lupus_headache", "cva", "vasculitis", "arthritis", "myositis", "urinary_casts", "haematuria",
               "pyuria", "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever",
               "thrombocytopenia", "leukopenia")
ONSETS = ("rash", "alopecia", "mucosal_ulcers", "proteinuria")
SYSTEMS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal", "cardiorespiratory",
           "gastrointestinal", "ophthalmic", "renal", "haematological")
INFUSION = date(2026, 3, 1)
CONFIRMED = date(2027, 1, 1)  # the site confirmed the medication log complete up to this date


def sledai(on: date, *active: str, **onsets: str) -> dict[str, Any]:
    record: dict[str, Any] = {name: name in active for name in DESCRIPTORS}
    record.update({name: onsets.get(name, "ABSENT") for name in ONSETS})
    record["sledai_dat"] = on
    return record


def bilag(default: str = "D", **grades: str) -> dict[str, Any]:
    return {system: grades.get(system, default) for system in SYSTEMS}


def visit(code: str, day: int | None, sledai_values: dict[str, Any] | None, pga: float | None,
          bilag_values: dict[str, Any] | None = None, occurrence: int = 1) -> VisitForms:
    on = sledai_values["sledai_dat"] if sledai_values else None
    return VisitForms(code, occurrence, day, on, sledai_values,
                      bilag_values if bilag_values is not None else bilag(),
                      None if pga is None else {"pga": pga})


def prednisone(mg: float | None, start: object, end: object = None, gc: str = "Y") -> dict[str, Any]:
    return {"cmgc": gc, "cm_pred_eq": mg, "cmstdat": start, "cmongo": "Y" if end is None else "N",
            "cmendat": end}


# baseline: arthritis 4 + proteinuria 4 + serology 2 + 2 = 12; renal BILAG A
SCREENING = visit("SCR", -42, sledai(date(2026, 1, 18), "arthritis", "low_complement"), 2.0)
BASELINE = visit("BL", -6, sledai(date(2026, 2, 23), "arthritis", "low_complement", "increased_dna_binding",
                                  proteinuria="NEW"), 1.5, bilag(renal="A", musculoskeletal="B"))
STEROIDS = {1: prednisone(20.0, date(2025, 6, 1), date(2026, 3, 31)), 2: prednisone(5.0, date(2026, 4, 1))}


def test_baseline_is_the_last_assessment_before_infusion() -> None:
    result = subject_responses([SCREENING, BASELINE], STEROIDS, complete_through=CONFIRMED)
    assert result.baseline is not None and result.baseline.visit_code == "BL"
    assert (result.baseline.sledai_2k, result.baseline.clinical_sledai_2k) == (12, 8)
    assert result.baseline.glucocorticoids.mg_day == 20.0
    without_bl = subject_responses([SCREENING, visit("BL", -6, None, None)], STEROIDS, complete_through=CONFIRMED)
    assert without_bl.baseline is not None and without_bl.baseline.visit_code == "SCR"


def test_no_baseline_no_responses() -> None:
    month3 = visit("M3", 90, sledai(date(2026, 5, 30)), 0.2)
    assert subject_responses([month3], STEROIDS, complete_through=CONFIRMED).visits == ()
    no_baseline = subject_responses([visit("BL", -6, None, 1.0), month3], STEROIDS, complete_through=CONFIRMED)
    assert no_baseline.baseline is None


def test_serology_only_activity_at_month_3_is_sri4_lldas_and_doris() -> None:
    month3 = visit("M3", 90, sledai(date(2026, 5, 30), "low_complement", "increased_dna_binding"), 0.4,
                   bilag(renal="C"))
    [response] = subject_responses([SCREENING, BASELINE, month3], STEROIDS, complete_through=CONFIRMED).visits
    assert response.assessment.sledai_2k == 4 and response.assessment.clinical_sledai_2k == 0
    assert response.assessment.glucocorticoids.mg_day == 5.0  # the 20 mg course ended on 31 March
    assert response.sri4 is not None and response.sri4.met and response.sri4.sledai_reduction == 8
    assert response.lldas is not None and response.lldas.met
    assert response.doris is not None and response.doris.met
    assert response.undecidable == {}


def test_new_activity_is_against_the_previous_assessment() -> None:
    month1 = visit("D28", 28, sledai(date(2026, 3, 29), "low_complement", rash="NEW"), 0.8)
    month3 = visit("M3", 90, sledai(date(2026, 5, 30), "low_complement", rash="PERSISTENT"), 0.8)
    first, second = subject_responses([BASELINE, month1, month3], STEROIDS, complete_through=CONFIRMED).visits
    assert first.new_activity == ("rash",)
    assert first.lldas is not None and not first.lldas.no_new_activity and not first.lldas.met
    assert second.new_activity == ()  # the rash was already active at day 28
    assert second.lldas is not None and second.lldas.met


def test_major_organ_activity_and_dose_break_lldas() -> None:
    fever = visit("M3", 90, sledai(date(2026, 5, 30), "fever"), 0.5)
    [response] = subject_responses([BASELINE, fever], STEROIDS, complete_through=CONFIRMED).visits
    assert response.lldas is not None and not response.lldas.no_major_organ_activity
    high_dose = {1: prednisone(10.0, date(2025, 6, 1))}
    [response] = subject_responses([BASELINE, visit("M3", 90, sledai(date(2026, 5, 30)), 0.5)], high_dose,
                                   complete_through=CONFIRMED).visits
    assert response.lldas is not None and not response.lldas.prednisone_met and not response.lldas.met
    assert response.doris is not None and not response.doris.prednisone_met


def test_missing_bilag_leaves_sri4_undecidable_only() -> None:
    month3 = VisitForms("M3", 1, 90, date(2026, 5, 30), sledai(date(2026, 5, 30)), None, {"pga": 0.2})
    [response] = subject_responses([BASELINE, month3], STEROIDS, complete_through=CONFIRMED).visits
    assert response.sri4 is None and "BILAG" in response.undecidable["sri4"]
    assert response.lldas is not None and response.doris is not None


def test_a_running_glucocorticoid_without_daily_dose_leaves_lldas_and_doris_undecidable() -> None:
    pulses = {**STEROIDS, 3: prednisone(None, date(2026, 5, 1))}
    [response] = subject_responses([BASELINE, visit("M3", 90, sledai(date(2026, 5, 30)), 0.2)], pulses,
                                   complete_through=CONFIRMED).visits
    assert response.lldas is None and response.doris is None
    assert "lines [3]" in response.undecidable["lldas"] and response.sri4 is not None


def test_an_incomplete_sledai_is_no_assessment() -> None:
    incomplete = sledai(date(2026, 5, 30))
    del incomplete["cva"]
    month3 = visit("M3", 90, incomplete, 0.2)
    assert subject_responses([BASELINE, month3], STEROIDS, complete_through=CONFIRMED).visits == ()


@pytest.mark.parametrize(("start", "end", "on", "counted"), [
    (date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 1), True),
    (date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 10), True),
    (date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 11), False),
    (date(2026, 3, 2), None, date(2026, 3, 1), False),
    ("2026-03", None, date(2026, 3, 1), True),  # may have started on 1 March
    ("2026-03", None, date(2026, 2, 28), False),
    ("2025", "2026-02", date(2026, 2, 28), True),  # may have run to 28 February
    ("2025", "2026-02", date(2026, 3, 1), False),
    ("2025", "2026", date(2026, 12, 31), True),
    ("2024-02-29", None, date(2024, 2, 29), True),
])
def test_glucocorticoid_running_on_a_date_with_partial_dates(start: object, end: object, on: date,
                                                             counted: bool) -> None:
    dose = glucocorticoid_dose({1: prednisone(7.5, start, end)}, on, CONFIRMED)
    assert dose.mg_day == (7.5 if counted else 0.0)
    assert dose.counted == ((1,) if counted else ())


def test_only_glucocorticoids_are_summed() -> None:
    rows = {4: prednisone(10.0, date(2026, 1, 1)), 2: prednisone(2.5, date(2026, 1, 1)),
            3: prednisone(None, date(2026, 1, 1), gc="N")}
    dose = glucocorticoid_dose(rows, date(2026, 2, 1), CONFIRMED)
    assert (dose.mg_day, dose.counted, dose.unknown) == (12.5, (2, 4), ())


def test_an_unconfirmed_log_is_no_dose_at_all() -> None:
    """No glucocorticoid row is 0 mg only once the site has confirmed the log complete up to the date."""
    month3 = visit("M3", 90, sledai(date(2026, 5, 30)), 0.2)
    for confirmed in (None, date(2026, 5, 29)):
        [response] = subject_responses([BASELINE, month3], {}, complete_through=confirmed).visits
        assert response.lldas is None and response.doris is None
        assert "not confirmed complete up to 2026-05-30" in response.undecidable["lldas"]
        assert response.assessment.glucocorticoids.unconfirmed
    [response] = subject_responses([BASELINE, month3], {}, complete_through=date(2026, 5, 30)).visits
    assert response.lldas is not None and response.assessment.glucocorticoids.mg_day == 0.0
    assert glucocorticoid_dose(STEROIDS, date(2026, 5, 30), None).mg_day is None
