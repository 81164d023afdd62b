"""Every kind of definition error is reported with its file and line, all at once.

Each test copies a small valid definitions tree (tests/data/minimal), breaks
it in one place by editing the YAML text, and checks that the loader names
that file and line with a message saying what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from edc.definitions.loader import check_definitions
from edc.definitions.problems import Problem

MINIMAL = Path(__file__).parent.parent / "data" / "minimal"


@dataclass
class Tree:
    root: Path

    def edit(self, rel: str, old: str, new: str) -> int:
        """Replace the first `old` by `new` in file `rel`; return the line where `new` starts."""
        path = self.root / rel
        text = path.read_text()
        assert old in text, f"{old!r} not in {rel}"
        start = text.index(old)
        path.write_text(text[:start] + new + text[start + len(old):])
        return text[:start].count("\n") + 1

    def line_of(self, rel: str, fragment: str) -> int:
        text = (self.root / rel).read_text()
        assert fragment in text, f"{fragment!r} not in {rel}"
        return text[: text.index(fragment)].count("\n") + 1

    def problems(self) -> list[Problem]:
        catalog, problems = check_definitions(self.root)
        assert (catalog is None) == bool(problems)
        return problems


def assert_reported(problems: list[Problem], tree: Tree, rel: str, line: int, *fragments: str) -> None:
    file = str(tree.root / rel)
    hits = [p for p in problems if p.file == file and p.line == line]
    assert hits, f"nothing reported at {rel}:{line}; got:\n" + "\n".join(map(str, problems))
    assert any(all(f in p.message for f in fragments) for p in hits), (
        f"no message at {rel}:{line} contains {fragments}; got {[p.message for p in hits]}")


STUDY = "mini/study.yaml"
VS = "library/forms/vital_signs.yaml"
DM = "library/forms/demographics.yaml"
CHEM = "library/forms/chemistry.yaml"
AE = "mini/forms/adverse_events.yaml"
CODELISTS = "library/codelists.yaml"


def test_the_minimal_tree_is_valid(tree: Tree) -> None:
    catalog, problems = check_definitions(tree.root)
    assert problems == []
    assert catalog is not None
    study = catalog.study("mini")
    assert sorted(study.forms) == ["adverse_events", "chemistry", "demographics", "ie_confirm", "vital_signs"]
    assert study.summary().startswith("mini 1.0.0 (MINI-01): 1 site(s), 2 dose level(s), 2 visits")


def test_an_override_patches_and_extends_its_library_form(tree: Tree) -> None:
    catalog, _ = check_definitions(tree.root)
    assert catalog is not None
    vs = catalog.study("mini").forms["vital_signs"]
    assert vs.title == "Vital signs (mini)"
    assert [i.name for i in vs.items] == ["vsdat", "sysbp", "diabp", "weight", "oxysat"]
    sysbp = vs.item("sysbp")
    assert sysbp is not None and sysbp.required and sysbp.unit == "mmHg"
    assert [c.id for c in vs.checks] == ["bp_order"]


def test_investigator_confirmed_criteria_become_a_generated_form(tree: Tree) -> None:
    catalog, _ = check_definitions(tree.root)
    assert catalog is not None
    form = catalog.study("mini").forms["ie_confirm"]
    assert [(i.name, i.type, i.required) for i in form.items] == [("exc01", "boolean", True)]


def test_yaml_syntax_error(tree: Tree) -> None:
    line = tree.edit(VS, "  title: Vital signs\n", "  title: [Vital signs\n")
    assert_reported(tree.problems(), tree, VS, line + 1, "YAML syntax error")


def test_duplicate_yaml_key(tree: Tree) -> None:
    line = tree.edit(DM, "  domain: DM\n", "  domain: DM\n  domain: VS\n")
    assert_reported(tree.problems(), tree, DM, line + 1, "duplicate key 'domain'", f"line {line}")


def test_unknown_key_in_an_item(tree: Tree) -> None:
    line = tree.edit(DM, "      label: Sex\n", "      lable: Sex\n")
    problems = tree.problems()
    assert_reported(problems, tree, DM, line, "unknown key 'lable'")
    assert_reported(problems, tree, DM, line - 1, "missing required key 'label'")


def test_unknown_key_at_study_level(tree: Tree) -> None:
    line = tree.edit(STUDY, "cohorts:\n", "arms: []\ncohorts:\n")
    assert_reported(tree.problems(), tree, STUDY, line, "unknown key 'arms'")


@pytest.mark.parametrize(("rel", "old", "new", "fragment"), [
    (DM, "      required: true\n      sdtm: {variable: SEX}", "      required: \"yes\"\n      sdtm: {variable: SEX}",
     "valid boolean"),
    (VS, "range: {min: 40, max: 300}", "range: {min: low, max: 300}", "valid number"),
    (STUDY, "visitnum: 2", "visitnum: two", "valid number"),
    (STUDY, "planned_enrolment: 6", "planned_enrolment: 0", "greater than or equal to 1"),
    (DM, "type: integer", "type: number", "'integer'"),
    (CODELISTS, '{code: "N", decode: "No"}', '{code: 1, decode: "No"}', "valid string"),
])
def test_wrong_types(tree: Tree, rel: str, old: str, new: str, fragment: str) -> None:
    line = tree.edit(rel, old, new)
    assert_reported(tree.problems(), tree, rel, line, fragment)


def test_range_with_min_above_max(tree: Tree) -> None:
    line = tree.edit(VS, "range: {min: 40, max: 300}", "range: {min: 400, max: 300}")
    assert_reported(tree.problems(), tree, VS, line, "min 400.0 is above max 300.0")


@pytest.mark.parametrize(("rel", "old", "new", "fragment"), [
    (DM, "    - name: childbearing", "    - name: age", "duplicate item name 'age'"),
    (STUDY, "    - id: D0", "    - id: SCR", "duplicate visit 'SCR'"),
    (STUDY, "    - id: INC02", "    - id: INC01", "duplicate criterion 'INC01'"),
    (STUDY, "  - id: DL2", "  - id: DL1", "duplicate dose level 'DL1'"),
    (CODELISTS, '{code: "Y", decode: "Yes"}', '{code: "N", decode: "Yes"}', "lists code 'N' twice"),
    (VS, "    - id: bp_order", "    - id: bp_order\n      expr: \"true\"\n      message: twin\n    - id: bp_order",
     "duplicate check id 'bp_order'"),
])
def test_duplicate_ids(tree: Tree, rel: str, old: str, new: str, fragment: str) -> None:
    line = tree.edit(rel, old, new) + new.count("\n")
    assert_reported(tree.problems(), tree, rel, line, fragment)


def test_form_id_must_match_its_file_name(tree: Tree) -> None:
    line = tree.edit(CHEM, "  id: chemistry", "  id: chem")
    assert_reported(tree.problems(), tree, CHEM, line, "does not match its file name")


@pytest.mark.parametrize(("rel", "old", "new", "fragment"), [
    (STUDY, "forms: [vital_signs]", "forms: [vital_signs, ecg]", "form 'ecg' is neither"),
    (STUDY, "demographics.age <= 70", "demographics.agee <= 70", "no item 'agee'"),
    (STUDY, "demographics.age >= 18 &&", "dm.age >= 18 &&", "unknown name 'dm'"),
    (AE, "codelist: ny", "codelist: yes_no", "unknown codelist 'yes_no'"),
    (CHEM, "uln: creat_uln", "uln: creat_ulnn", "unknown item 'creat_ulnn'"),
    ("mini/forms/vital_signs.yaml", "extends: vital_signs", "extends: vitals", "not a library form"),
    (STUDY, "  visit: SCR", "  visit: SCRN", "eligibility visit 'SCRN'"),
    (STUDY, "start_level: DL1", "start_level: DL9", "start_level 'DL9' is not a dose level"),
    (STUDY, "confirm: investigator", "confirm: investigator\n      cohorts: [LN]", "unknown cohort 'LN'"),
    (VS, "expr: \"sysbp > diabp\"", "expr: \"sysbp > diastolic\"", "unknown name 'diastolic'"),
    (DM, "when: \"sex == 'F'\"", "when: \"gender == 'F'\"", "unknown name 'gender'"),
])
def test_dangling_references(tree: Tree, rel: str, old: str, new: str, fragment: str) -> None:
    tree.edit(rel, old, new)
    line = tree.line_of(rel, new.splitlines()[-1].strip())
    assert_reported(tree.problems(), tree, rel, line, fragment)


def test_a_study_form_no_visit_collects(tree: Tree) -> None:
    line = tree.edit(STUDY, "  logs:\n    forms: [adverse_events]\n", "")
    assert line > 0
    assert_reported(tree.problems(), tree, AE, tree.line_of(AE, "id: adverse_events"),
                    "not collected at any visit")


@pytest.mark.parametrize(("rel", "old", "new", "fragment"), [
    (VS, "expr: \"sysbp > diabp\"", "expr: \"sysbp >\"", "does not compile"),
    (VS, "expr: \"sysbp > diabp\"", "expr: \"sysbp + diabp\"", "must be a bool expression, got int [mmHg]"),
    (STUDY, "demographics.age >= 18 &&", "demographics.age >= 'adult' &&", "cannot order int [years] and string"),
    (DM, "when: \"sex == 'F'\"", "when: \"sex\"", "must be a bool expression, got string"),
    (CHEM, "calc: \"uln_multiple(creat, creat_uln)\"", "calc: \"uln_multiple(creat)\"", "uln_multiple"),
    (CHEM, "calc: \"uln_multiple(creat, creat_uln)\"", "calc: \"creat > creat_uln\"", "gives bool"),
])
def test_expressions_that_do_not_compile_or_type_check(
        tree: Tree, rel: str, old: str, new: str, fragment: str) -> None:
    line = tree.edit(rel, old, new)
    assert_reported(tree.problems(), tree, rel, line, fragment)


@pytest.mark.parametrize(("rel", "old", "new", "fragment"), [
    (VS, "unit: kg", "unit: stone", "unknown unit 'stone'"),
    (VS, "sdtm: {testcd: WEIGHT, unit: kg}", "sdtm: {testcd: WEIGHT, unit: cm}", "unit mismatch"),
    (STUDY, "chemistry.creat <= 1.5 * chemistry.creat_uln", "chemistry.creat <= vital_signs.weight",
     "unit mismatch"),
])
def test_unit_mismatches(tree: Tree, rel: str, old: str, new: str, fragment: str) -> None:
    line = tree.edit(rel, old, new)
    assert_reported(tree.problems(), tree, rel, line, fragment)


def test_a_reference_limit_in_another_unit(tree: Tree) -> None:
    tree.edit(CHEM, "      unit: umol/L\n    - name: creat_x_uln", "      unit: mg/dL\n    - name: creat_x_uln")
    assert_reported(tree.problems(), tree, CHEM, tree.line_of(CHEM, "uln: creat_uln"),
                    "unit mismatch: 'creat' is in umol/L, its uln 'creat_uln' in mg/dL")


def test_dose_levels_mixing_flat_and_per_kg(tree: Tree) -> None:
    tree.edit(STUDY, "dose: {value: 5.0e+5, unit: cells/kg}", "dose: {value: 5.0e+7, unit: cells}")
    assert_reported(tree.problems(), tree, STUDY, tree.line_of(STUDY, "dose_levels:"), "unit mismatch")


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("      type: decimal\n      precision: 1\n      unit: kg", "      type: decimal\n      unit: kg",
     "needs 'precision'"),
    ("      type: integer\n      unit: mmHg\n      range: {min: 40",
     "      type: integer\n      precision: 2\n      unit: mmHg\n      range: {min: 40", "'precision' does not apply"),
])
def test_keys_that_do_not_fit_the_item_type(tree: Tree, old: str, new: str, fragment: str) -> None:
    tree.edit(VS, old, new)
    problems = tree.problems()
    assert any(fragment in p.message and p.file.endswith(VS) for p in problems), problems


@pytest.mark.parametrize(("rel", "old", "new"), [
    (DM, "when: \"sex == 'F'\"", "when: \"sex == 'FEMALE'\""),
    (DM, "when: \"sex == 'F'\"", "when: \"sex in ['F', 'W']\""),
    (STUDY, "demographics.age >= 18 &&", "demographics.sex != 'X' && demographics.age >= 18 &&"),
])
def test_codelist_values_a_rule_compares_with(tree: Tree, rel: str, old: str, new: str) -> None:
    line = tree.edit(rel, old, new)
    assert_reported(tree.problems(), tree, rel, line, "is not a code of", "(codes: F, M)")


def test_choice_without_codelist(tree: Tree) -> None:
    line = tree.edit(AE, "      codelist: ny\n", "")
    assert_reported(tree.problems(), tree, AE, line - 1, "needs 'codelist'")


def test_a_multichoice_code_with_a_space_is_refused(tree: Tree) -> None:
    tree.edit(CODELISTS, '{code: "M", decode: "Male"}', '{code: "M X", decode: "Male"}')
    line = tree.edit(DM, "      type: choice\n      codelist: sex", "      type: multichoice\n      codelist: sex")
    assert_reported(tree.problems(), tree, DM, line + 1, "multichoice", "code 'M X' of codelist 'sex' contains a space")


def test_unknown_score_and_missing_score_items(tree: Tree) -> None:
    tree.edit(CHEM, "calc: \"uln_multiple(creat, creat_uln)\"", "calc: {score: sledai_total}")
    line = tree.line_of(CHEM, "calc: {score: sledai_total}")
    assert_reported(tree.problems(), tree, CHEM, line, "unknown score 'sledai_total'")
    tree.edit(CHEM, "calc: {score: sledai_total}", "calc: {score: ice_score}")
    assert_reported(tree.problems(), tree, CHEM, line, "needs item 'ice_orient_year'")


def test_every_problem_is_reported_at_once(tree: Tree) -> None:
    first = tree.edit(DM, "      label: Sex\n", "      lable: Sex\n")
    second = tree.edit(VS, "unit: kg", "unit: stone")
    third = tree.edit(STUDY, "chemistry.creat <= 1.5", "chemistry.creatt <= 1.5")
    problems = tree.problems()
    assert_reported(problems, tree, DM, first, "unknown key 'lable'")
    assert_reported(problems, tree, VS, second, "unknown unit")
    assert_reported(problems, tree, STUDY, third, "no item 'creatt'", "did you mean 'creat'")
    assert problems == sorted(problems)
    # The rule on the broken demographics form is not reported again as an unknown name.
    assert not any("unknown name 'demographics'" in p.message for p in problems)


# --- the DLT definition (escalation.dlt) ------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("related: [PROBABLY, DEFINITELY]", "related: [LIKELY, DEFINITELY]",
     "DLT definition: related code 'LIKELY' is not a code of codelist 'relatedness' "
     "(codes: NOT_RELATED, UNLIKELY, POSSIBLY"),
    ("grades: [3], max_days_to_improve: 3}", "grades: [3], max_days: 3}", "unknown key 'max_days'"),
    ("{id: crs_g3, event_class: CRS,", "{id: crs_g3, event_class: FEVER,",
     "DLT rule 'crs_g3': event class 'FEVER' is not a code of codelist 'dlt_event_class'"),
    ("max_days_to_improve: 3, event_class: SEIZURE}", "max_days_to_improve: 3, event_class: seizure}",
     "DLT rule 'seizure_grade3_3d': event class 'seizure' is not a code of codelist 'dlt_event_class' "
     "(codes: CRS, SEIZURE, NEUTROPENIA, OTHER)"),
    ("{id: neutropenia, event_class", "{id: crs_g3, event_class", "duplicate DLT rule id 'crs_g3'"),
    ("{id: grade3_7d, grade: 3,", "{id: grade3_7d, grade: 4,", "grade 4 is always a DLT already"),
    ("{id: seizure_grade3_3d, grade: 3, max_days_to_improve: 3, event_class: SEIZURE}",
     "{id: seizure_grade3_3d, grade: 3, max_days_to_improve: 3}", "a second persistence rule for every class"),
    ("event_class: NEUTROPENIA, grades: [3, 4]}", "event_class: CRS, grades: [3, 4]}",
     "CRS grade 3 is covered by another exception"),
    ("always_dlt_min_grade: 4", "always_dlt_min_grade: 6", "less than or equal to 5"),
    ("late_referral_grades: [3, 4]", "late_referral_grades: [3, \"4\"]", "valid integer"),
    ("grades: [3, 4]}", "grades: []}", "at least 1 item"),
    ("related: [PROBABLY, DEFINITELY]", "related: []", "at least 1 item"),
    ("max_days_to_improve: 7}", "max_days_to_improve: -1}", "greater than or equal to 0"),
])
def test_dlt_definition_errors(tree: Tree, old: str, new: str, fragment: str) -> None:
    line = tree.edit(STUDY, old, new)
    assert_reported(tree.problems(), tree, STUDY, line, fragment)


@pytest.mark.parametrize(("outcome", "line_of", "fragment"), [
    ("{decided_by: investigator}", "decided_by: investigator", "needs the dlt_assessment form"),
    ("{decided_by: committee, signed: true}", "signed: true", "signed applies to the investigator's assessment"),
    ("{decided_by: sponsor}", "decided_by: sponsor", "'investigator' or 'committee'"),
])
def test_dlt_outcome_errors(tree: Tree, outcome: str, line_of: str, fragment: str) -> None:
    tree.edit(STUDY, "  dlt:\n", f"  dlt_outcome: {outcome}\n  dlt:\n")
    assert_reported(tree.problems(), tree, STUDY, tree.line_of(STUDY, line_of), fragment)


def test_a_study_without_dlt_definition(tree: Tree) -> None:
    line = tree.edit(STUDY, "  dlt:\n    related: [PROBABLY, DEFINITELY]\n", "  dlt_rules:\n    related: []\n")
    problems = tree.problems()
    assert_reported(problems, tree, STUDY, line, "unknown key 'dlt_rules'")
    assert_reported(problems, tree, STUDY, tree.line_of(STUDY, "escalation:"), "missing required key 'dlt'")


def test_dlt_codes_need_their_codelists(tree: Tree) -> None:
    tree.edit(CODELISTS, "  - id: dlt_event_class\n", "  - id: toxicity_class\n")
    assert_reported(tree.problems(), tree, STUDY, tree.line_of(STUDY, "  dlt:"),
                    "codelist 'dlt_event_class' is not defined")


def test_a_form_or_item_reserved_to_a_role_that_enters_no_data_is_reported(tree: Tree) -> None:
    line = tree.edit(DM, "      label: Sex\n", "      label: Sex\n      entered_by: [monitor]\n")
    assert_reported(tree.problems(), tree, DM, line + 1, "entered_by")


def test_a_calculated_item_reserved_to_a_role_is_reported(tree: Tree) -> None:
    line = tree.edit(CHEM, '      calc: "uln_multiple(creat, creat_uln)"\n',
                     '      calc: "uln_multiple(creat, creat_uln)"\n      entered_by: [investigator]\n')
    assert_reported(tree.problems(), tree, CHEM, line + 1, "creat_x_uln", "calculated", "no role enters it")


def test_the_investigators_confirmation_form_is_reserved_to_investigators(tree: Tree) -> None:
    catalog, _ = check_definitions(tree.root)
    assert catalog is not None
    assert catalog.study("mini").forms["ie_confirm"].entered_by == ("investigator",)


def test_an_identifier_on_an_item_that_is_not_a_partial_date_is_reported(tree: Tree) -> None:
    line = tree.edit(DM, "      label: Sex\n", "      label: Sex\n      identifying: {precision: month}\n")
    assert_reported(tree.problems(), tree, DM, line + 1, "identifying", "partial_date")


# --- the check context: subject, visit, today (issue 18) ----------------------------------------

CONTEXT_CHECK = 'expr: "sysbp > diabp"'


@pytest.mark.parametrize(("expr", "fragment"), [
    ("sysbp > diabp && subject.consnt_date != null", "context 'subject' has no field 'consnt_date'; did you mean "
                                                     "'consent_date'?"),
    ("visit.window >= today", "context 'visit' has no field 'window'"),
    ("tomorrow != null", "unknown name 'tomorrow'"),
    ("subject.consent_date > 3", "cannot order timestamp and int"),
    ("visit.code == 1", "cannot compare string with int"),
])
def test_a_check_reading_the_context_wrongly_is_reported_at_its_line(tree: Tree, expr: str, fragment: str) -> None:
    line = tree.edit(VS, CONTEXT_CHECK, f'expr: "{expr}"')
    assert_reported(tree.problems(), tree, VS, line, fragment)


def test_the_context_checks_read_is_not_there_for_skip_logic(tree: Tree) -> None:
    line = tree.edit(DM, "when: \"sex == 'F'\"", "when: \"sex == 'F' && today != null\"")
    assert_reported(tree.problems(), tree, DM, line, "unknown name 'today'")


def test_a_valid_context_check_loads(tree: Tree) -> None:
    tree.edit(VS, CONTEXT_CHECK, 'expr: "sysbp > diabp && subject.infusion_date <= today && visit.code != \'SCR\'"')
    assert tree.problems() == []


def test_an_item_named_like_the_context_is_reported(tree: Tree) -> None:
    line = tree.edit(DM, "    - name: sex\n", "    - name: today\n      label: Today\n      type: date\n"
                                              "    - name: sex\n")
    assert_reported(tree.problems(), tree, DM, line, "'today' is reserved")


@pytest.mark.parametrize(("expr", "fragment"), [
    ("brthdat <= today", "cannot order partial date and timestamp"),
    ("days_between(brthdat, today) > 0", "argument 1 of days_between() must be timestamp, got partial date"),
])
def test_a_partial_date_is_read_only_through_its_bounds(tree: Tree, expr: str, fragment: str) -> None:
    tree.edit(VS, "    - name: sysbp\n", "    - name: brthdat\n      label: Birth\n      type: partial_date\n"
                                        "    - name: sysbp\n")
    line = tree.edit(VS, CONTEXT_CHECK, f'expr: "{expr}"')
    assert_reported(tree.problems(), tree, VS, line, fragment)


def test_a_log_key_and_a_reference_to_it_load(tree: Tree) -> None:
    tree.edit(AE, "  repeating: true\n", "  repeating: true\n  key: aeterm\n")
    tree.edit(VS, "      label: Systolic blood pressure\n      type: integer\n",
              "      label: Systolic blood pressure\n      type: integer\n      refers_to: vital_signs\n")
    tree.edit(VS, "    - name: sysbp\n", "    - name: vsaeterm\n      label: AE reported\n      type: text\n"
              "      max_length: 200\n      refers_to: adverse_events\n    - name: sysbp\n")
    problems = tree.problems()
    assert [p.message for p in problems] == ["'sysbp' refers to form 'vital_signs', which declares no key"]
    tree.edit(VS, "      refers_to: vital_signs\n", "")
    catalog, problems = check_definitions(tree.root)
    assert catalog is not None, problems
    form = catalog.study("mini").forms["vital_signs"]
    assert catalog.study("mini").forms["adverse_events"].key == "aeterm"
    assert [i.name for i in form.items if i.refers_to == "adverse_events"] == ["vsaeterm"]


def test_a_key_the_records_service_cannot_keep_unique_is_reported(tree: Tree) -> None:
    line = tree.edit(AE, "  repeating: true\n", "  repeating: true\n  key: aestdat\n")
    assert_reported(tree.problems(), tree, AE, line + 1, "aestdat", "required text or integer")
    tree.edit(AE, "  key: aestdat\n", "  key: aespid\n")
    assert_reported(tree.problems(), tree, AE, line + 1, "unknown item 'aespid'")
    vs_line = tree.edit(VS, "  items:\n", "  key: sysbp\n  items:\n")
    problems = tree.problems()
    assert_reported(problems, tree, VS, vs_line, "not repeating")
    assert_reported(problems, tree, VS, vs_line, "logs only")


def test_a_reference_that_cannot_hold_the_key_is_reported(tree: Tree) -> None:
    tree.edit(AE, "  repeating: true\n", "  repeating: true\n  key: aeterm\n")
    line = tree.edit(VS, "      type: integer\n      unit: mmHg\n",
                     "      type: integer\n      refers_to: adverse_events\n      unit: mmHg\n")
    assert_reported(tree.problems(), tree, VS, line + 1, "'sysbp' (integer) cannot hold the key 'aeterm' (text")
    tree.edit(VS, "      refers_to: adverse_events\n", "      refers_to: death\n")
    assert_reported(tree.problems(), tree, VS, line + 1, "form 'death', which the study does not collect")


FEVER_ITEMS = """    - name: crs_tmax
      label: Highest temperature
      type: decimal
      precision: 1
      unit: C
      range: {min: 35, max: 43}
    - name: crs_fever_masked
      label: Antipyretic given
      type: boolean
    - name: crs_fever
      label: Fever criterion
      type: boolean
      calc: {score: crs_fever_astct}
  checks:
"""


def test_a_published_boundary_is_given_by_the_definition_as_a_number(tree: Tree) -> None:
    tree.edit(VS, "  checks:\n", FEVER_ITEMS)
    line = tree.line_of(VS, "calc: {score: crs_fever_astct}")
    assert_reported(tree.problems(), tree, VS, line, "score crs_fever_astct needs param 'fever_min_c'")
    tree.edit(VS, "calc: {score: crs_fever_astct}", "calc: {score: crs_fever_astct, params: {fever_min_c: '38'}}")
    assert_reported(tree.problems(), tree, VS, line, "param 'fever_min_c'", "must be a number greater than 0")
    tree.edit(VS, "fever_min_c: '38'", "fever_min_c: 38.0, fever_max_c: 41")
    assert_reported(tree.problems(), tree, VS, line, "takes no param 'fever_max_c'")
    tree.edit(VS, ", fever_max_c: 41", "")
    assert tree.problems() == []


def test_a_score_boundary_is_in_the_unit_its_input_is_captured_in(tree: Tree) -> None:
    tree.edit(VS, "  checks:\n", FEVER_ITEMS.replace("{score: crs_fever_astct}",
                                                     "{score: crs_fever_astct, params: {fever_min_c: 38.0}}"))
    tree.edit(VS, "      unit: C\n", "      unit: mmHg\n")
    line = tree.line_of(VS, "calc: {score: crs_fever_astct")
    assert_reported(tree.problems(), tree, VS, line, "needs item 'crs_tmax' (decimal in C)")
    tree.edit(VS, "      unit: mmHg\n      range: {min: 35", "      unit: C\n      range: {min: 35")
    tree.edit(VS, "Fever criterion\n      type: boolean", "Fever criterion\n      type: integer")
    assert_reported(tree.problems(), tree, VS, line - 1,  # at the item's type
                    "score crs_fever_astct gives boolean, item 'crs_fever' is integer")


def test_a_check_message_names_only_values_the_check_reads(tree: Tree) -> None:
    line = tree.edit(VS, "message: Systolic pressure must be above diastolic pressure",
                     "message: Systolic ({sysbp}) must be above diastolic ({weight})")
    assert_reported(tree.problems(), tree, VS, line, "names '{weight}', which the check does not read",
                    "diabp, sysbp")
    tree.edit(VS, "({weight})", "({diabp!r})")
    assert_reported(tree.problems(), tree, VS, line, "is not a plain {path}")
    tree.edit(VS, "({diabp!r})", "({diabp)")
    assert_reported(tree.problems(), tree, VS, line, "message of check 'bp_order'", "write {{ for a brace")
    tree.edit(VS, "({diabp)", "({diabp}) {{mmHg}}")
    assert tree.problems() == []
