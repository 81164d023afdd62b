"""Edit checks on real library forms, with complete and with missing data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from edc.definitions.catalog import StudyDefinition
from edc.definitions.loader import load_catalog
from edc.rules.calculate import applicable
from edc.rules.checks import finding_message, run_checks

FORMS = Path(__file__).resolve().parents[2] / "forms"


@cache
def study() -> StudyDefinition:
    return load_catalog(FORMS).study("relmacel")


def ids(form_id: str, values: dict[str, object]) -> list[str]:
    return [f.check_id for f in run_checks(study().forms[form_id], values, study().codelists)]


def test_clean_vital_signs_raise_nothing() -> None:
    assert ids("vital_signs", {"sysbp": 120, "diabp": 80, "weight": 70.0, "height": 175.0}) == []


def test_failed_check_is_a_finding_with_its_values() -> None:
    findings = run_checks(study().forms["vital_signs"], {"sysbp": 80, "diabp": 90})
    assert len(findings) == 1
    finding = findings[0]
    assert finding.check_id == "bp_order" and finding.severity == "error"
    assert finding.item == "diabp"  # the first item the rule reads
    assert finding.values == {"diabp": 90, "sysbp": 80}
    assert "diastolic" in finding.message.lower()


def test_check_on_a_calculated_item() -> None:
    findings = run_checks(study().forms["vital_signs"], {"sysbp": 120, "diabp": 80, "weight": 200.0,
                                                          "height": 150.0})
    assert [f.check_id for f in findings] == ["bmi_plausible"]
    assert findings[0].values["bmi"] is not None


def test_missing_data_raise_no_finding() -> None:
    assert ids("vital_signs", {"sysbp": 120}) == []
    assert ids("chemistry", {"alt": 20.0}) == []
    assert ids("chemistry", {"bili": 10.0, "bilidir": 12.0, "alt_uln": 0.0}) == ["alt_uln_positive", "bilidir_le_bili"]


def test_dates_and_skip_logic_in_adverse_event_checks() -> None:
    base = {"aecat": "OTHER", "aestdat": date(2026, 2, 10), "aetoxgr": "2", "aeser": "N", "aeout": "RECOVERED/RESOLVED"}
    ended_before = {**base, "aeongo": "N", "aeendat": date(2026, 2, 1)}
    assert "end_after_start" in ids("adverse_events", ended_before)
    ended_after = {**base, "aeongo": "N", "aeendat": date(2026, 2, 12)}
    assert "end_after_start" not in ids("adverse_events", ended_after)
    ongoing = {**base, "aeongo": "Y"}  # end date skipped: the check short-circuits
    assert "end_after_start" not in ids("adverse_events", ongoing)


def test_icans_grade_must_agree_with_the_calculation() -> None:
    points = ("ice_orient_year", "ice_orient_month", "ice_orient_city", "ice_orient_hospital",
              "ice_name_object_1", "ice_name_object_2", "ice_name_object_3", "ice_follow_commands",
              "ice_write_sentence", "ice_count_backwards")
    values = {"aecat": "ICANS", **dict.fromkeys(points, True), "icans_consciousness": "NORMAL",
              "icans_seizure": "NONE", "icans_motor": "NONE", "icans_icp": "NONE", "icans_death": False,
              "aetoxgr": "3"}
    findings = {f.check_id: f for f in run_checks(study().forms["adverse_events"], values, study().codelists)}
    assert "icans_grade_agrees" in findings
    assert findings["icans_grade_agrees"].values["icans_grade_calc"] == 0
    assert "icans_grade_agrees" not in ids("adverse_events", {**values, "aetoxgr": "1", "ice_orient_year": False})


def test_the_dlt_class_is_asked_for_other_events_of_grade_3_to_5_only() -> None:
    form = study().forms["adverse_events"]
    for category, grade, asked in (("OTHER", "3", True), ("OTHER", "5", True), ("OTHER", "2", False),
                                   ("CRS", "3", False), ("ICANS", "4", False)):
        assert applicable(form, {"aecat": category, "aetoxgr": grade})["aedltcls"] is asked, (category, grade)


def test_crs_and_icans_are_no_dlt_class_of_another_event() -> None:
    base = {"aecat": "OTHER", "aetoxgr": "3"}
    assert "dlt_class_not_syndrome" in ids("adverse_events", {**base, "aedltcls": "CRS"})
    assert "dlt_class_not_syndrome" in ids("adverse_events", {**base, "aedltcls": "ICANS"})
    assert "dlt_class_not_syndrome" not in ids("adverse_events", {**base, "aedltcls": "SEIZURE"})
    assert "dlt_class_not_syndrome" not in ids("adverse_events", {**base, "aetoxgr": "2", "aedltcls": None})
    assert "dlt_class_not_syndrome" not in ids("adverse_events", {"aecat": "CRS", "aetoxgr": "3", "aedltcls": None})


def test_a_crs_grade_other_than_the_computed_one_is_a_warning_on_the_site_grade_naming_both() -> None:
    crs = {"aecat": "CRS", "aetoxgr": "2", "crs_tmax": Decimal("38.4"), "crs_fever_masked": False,
           "crs_hypotension": "NONE", "crs_o2_device": "NON_REBREATHER", "crs_death": False}
    [finding] = [f for f in run_checks(study().forms["adverse_events"], crs, study().codelists)
                 if f.check_id == "crs_grade_agrees"]
    assert (finding.severity, finding.item) == ("warning", "aetoxgr")
    assert finding.message.startswith("The CRS grade entered (2) differs from the ASTCT 2019 grade")
    assert finding.message.endswith("oxygen support (3)")
    assert "crs_grade_agrees" not in ids("adverse_events", {**crs, "aetoxgr": "3"})


def test_a_message_shows_the_values_its_check_read() -> None:
    used = {"a": "2", "b": 3, "c": 38.5, "d": True, "e": datetime(2026, 2, 5, tzinfo=UTC),
            "f": datetime(2026, 2, 5, 10, 30, tzinfo=UTC), "g": ["X", "Y"], "h": None}
    shown = finding_message("{a} {b} {c} {d} {e} {f} {g} {h} {{literal}}", used)
    assert shown == "2 3 38.5 yes 2026-02-05 2026-02-05T10:30:00+00:00 X, Y missing {literal}"


def test_checks_read_the_context_and_name_the_item_they_check() -> None:
    form = study().forms["death"]
    death = {"dthdat": date(2026, 2, 5), "dthcause": "Sepsis", "autopsy": "N", "dth_crs": "N", "dth_icans": "N",
             "dthrel": "UNLIKELY"}
    context = {"subject": {"consent_date": date(2026, 1, 5), "last_visit_date": date(2026, 2, 8)},
               "visit": {}, "today": date(2026, 3, 1)}
    [finding] = run_checks(form, death, study().codelists, context)
    assert (finding.check_id, finding.item) == ("death_after_last_visit", "dthdat")
    assert finding.values == {"dthdat": datetime(2026, 2, 5, tzinfo=UTC),
                              "subject.last_visit_date": datetime(2026, 2, 8, tzinfo=UTC)}
    # a context value not known yet, or no context at all: undecidable, no finding
    assert run_checks(form, death, study().codelists, {**context, "subject": {"last_visit_date": None}}) == []
    assert run_checks(form, death, study().codelists) == []
    assert [f.check_id for f in run_checks(form, {**death, "dthdat": date(2026, 3, 2)}, study().codelists,
                                           context)] == ["dthdat_not_future"]
