"""Per-cohort schedules, the enrolment design and the endpoints in the study YAML: what loads, what is reported
where (file:line), and that a definition using none of them keeps the snapshot (content hash) it had."""

from __future__ import annotations

from test_definition_errors import STUDY, Tree, assert_reported

from edc.definitions.loader import check_definitions

SCR_FORMS = "      forms: [demographics, vital_signs, chemistry]\n"
COHORTS = "cohorts:\n  - {id: SLE, name: SLE}\n"
TWO_COHORTS = "cohorts:\n  - {id: SLE, name: SLE}\n  - {id: LN, name: Lupus nephritis}\n"


def test_a_form_restricted_to_cohorts_loads_and_says_for_whom(tree: Tree) -> None:
    tree.edit(STUDY, COHORTS, TWO_COHORTS)
    tree.edit(STUDY, SCR_FORMS, "      forms: [demographics, vital_signs, {forms: [chemistry], cohorts: [LN]}]\n")
    tree.edit(STUDY, "      rule: \"chemistry.creat <= 1.5 * chemistry.creat_uln\"\n",
              "      rule: \"chemistry.creat <= 1.5 * chemistry.creat_uln\"\n      cohorts: [LN]\n")
    catalog, problems = check_definitions(tree.root)
    assert catalog is not None, problems
    study = catalog.study("mini")
    screening = study.visit("SCR")
    assert screening is not None
    assert screening.forms == ("demographics", "vital_signs", "chemistry")
    assert screening.forms_for("SLE") == ("demographics", "vital_signs")
    assert screening.forms_for("LN") == screening.forms
    assert (screening.cohorts_of("chemistry"), screening.cohorts_of("vital_signs")) == (("LN",), None)
    assert study.collected_for("chemistry") == {"SCR": ("LN",)}
    visits = study.snapshot()["study"]["schedule"]["visits"]  # type: ignore[index]
    assert visits[0]["forms"] == ["demographics", "vital_signs", {"forms": ["chemistry"], "cohorts": ["LN"]}]


def test_a_definition_without_restrictions_keeps_its_snapshot(tree: Tree) -> None:
    catalog, _ = check_definitions(tree.root)
    assert catalog is not None
    schedule = catalog.study("mini").snapshot()["study"]["schedule"]  # type: ignore[index]
    assert schedule["visits"][0]["forms"] == ["demographics", "vital_signs", "chemistry"]
    assert "entries" not in str(schedule)
    study = catalog.study("mini").snapshot()["study"]
    assert "endpoints" not in study and "max_subjects" not in str(study["cohorts"])  # type: ignore[index]
    assert "opens" not in str(study["escalation"])  # type: ignore[index]


def test_an_unknown_cohort_is_reported_at_its_line(tree: Tree) -> None:
    line = tree.edit(STUDY, SCR_FORMS, "      forms: [demographics, vital_signs,\n"
                                       "              {forms: [chemistry], cohorts: [SLE, LN]}]\n")
    assert_reported(tree.problems(), tree, STUDY, line + 1, "unknown cohort 'LN'", "cohorts: SLE")


def test_a_restricted_form_missing_from_the_library_is_reported_inside_the_entry(tree: Tree) -> None:
    line = tree.edit(STUDY, "      forms: [vital_signs]\n",
                     "      forms: [vital_signs,\n              {forms: [sledai], cohorts: [SLE]}]\n")
    assert_reported(tree.problems(), tree, STUDY, line + 1, "form 'sledai' is neither a study form nor a library form")


def test_an_entry_needs_forms_and_cohorts(tree: Tree) -> None:
    line = tree.edit(STUDY, SCR_FORMS,
                     "      forms: [demographics, vital_signs, {forms: [chemistry], cohort: [SLE]}]\n")
    problems = tree.problems()
    assert_reported(problems, tree, STUDY, line, "unknown key 'cohort'")
    assert_reported(problems, tree, STUDY, line, "missing required key 'cohorts'")


def test_a_criterion_reading_a_form_its_cohorts_do_not_collect_is_reported(tree: Tree) -> None:
    tree.edit(STUDY, COHORTS, TWO_COHORTS)
    tree.edit(STUDY, SCR_FORMS, "      forms: [demographics, vital_signs, {forms: [chemistry], cohorts: [LN]}]\n")
    line = tree.line_of(STUDY, "rule: \"chemistry.creat")
    assert_reported(tree.problems(), tree, STUDY, line, "rule of INC02 reads form 'chemistry'", "cohort SLE")


def test_the_enrolment_design_is_checked(tree: Tree) -> None:
    line = tree.edit(STUDY, "  on_mtd_exceeded: step_back\n",
                     "  on_mtd_exceeded: step_back\n  max_subjects: 6\n  expansion: {opens: after_sentinel}\n")
    problems = tree.problems()
    assert_reported(problems, tree, STUDY, line + 2, "expansion opens after_sentinel, but expansion is not allowed")
    cohort_line = tree.edit(STUDY, "  - {id: SLE, name: SLE}\n", "  - {id: SLE, name: SLE, max_subjects: 7}\n")
    assert_reported(tree.problems(), tree, STUDY, cohort_line, "cohort SLE max_subjects 7 is above the study's cap")


def test_the_endpoints_are_checked(tree: Tree) -> None:
    line = tree.edit(STUDY, "eligibility:\n", "endpoints:\n  overall_survival: {horizon_days: 365}\n"
                                            "  glucocorticoid_free: {visit: M12, low_dose_max_mg_day: 7.5}\n"
                                            "eligibility:\n")
    problems = tree.problems()
    assert_reported(problems, tree, STUDY, line + 1, "overall_survival reads form(s) cart_infusion, death")
    assert_reported(problems, tree, STUDY, line + 2, "glucocorticoid_free visit 'M12' is not in the schedule")
    assert_reported(problems, tree, STUDY, line + 2, "concomitant_medications, medication_review")
