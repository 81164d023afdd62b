"""NCI CTCAE v5.0 laboratory grades (LBTOXGR): the criteria of exports/terminology/ctcae_lab.yaml, graded.

The expected grades are written here from the published CTCAE v5.0 wording,
not from the YAML: each bound is tried on both sides (a decreased term's
"<LLN - 3.0" holds 3.0 itself, the next grade starts just below it; an
increased term's ">3.0 - 5.0 x ULN" starts just above 3.0 x ULN), with a
laboratory range typical of the test.
"""

from __future__ import annotations

import shutil
from datetime import date, time
from pathlib import Path

import pytest

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.problems import Problems
from edc.definitions.sdtm.loader import check_specs, load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.definitions.sdtm.terminology import load_terminology
from edc.definitions.sdtm.toxicity import GRADING_FILE, Criterion
from edc.export.formats.metadata import DataType
from edc.export.formats.table import build_table
from edc.export.sdtm.codelists import export_codelists
from edc.export.sdtm.derivations.toxicity import toxicity_grade
from edc.export.sdtm.mapping import map_dataset
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData
from edc.export.sdtm.validation import validate_dataset

EXPORTS = project_root() / "exports"


@pytest.fixture(scope="module")
def criteria() -> dict[str, Criterion]:
    problems = Problems()
    grading = load_terminology(EXPORTS, problems).grading
    assert not problems
    return dict(grading.criteria["LB"])


# test code, LLN, ULN, (result, grade) on each side of every bound of the CTCAE v5.0 definition
BOUNDARIES = [
    # Lymphocyte count decreased: <LLN - 0.8; <0.8 - 0.5; <0.5 - 0.2; <0.2 x 10e9 /L
    ("LYMPH", 1.0, 4.0, [(1.0, 0), (0.99, 1), (0.8, 1), (0.79, 2), (0.5, 2), (0.49, 3), (0.2, 3), (0.19, 4),
                         (0.0, 4), (4.5, 0)]),
    # Neutrophil count decreased: <LLN - 1.5; <1.5 - 1.0; <1.0 - 0.5; <0.5 x 10e9 /L
    ("NEUT", 2.0, 7.5, [(2.0, 0), (1.99, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4)]),
    # White blood cell decreased: <LLN - 3.0; <3.0 - 2.0; <2.0 - 1.0; <1.0 x 10e9 /L
    ("WBC", 4.0, 10.0, [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4),
                        (11.0, 0)]),
    # Platelet count decreased: <LLN - 75.0; <75.0 - 50.0; <50.0 - 25.0; <25.0 x 10e9 /L
    ("PLAT", 150, 400, [(150, 0), (149, 1), (75, 1), (74, 2), (50, 2), (49, 3), (25, 3), (24, 4)]),
    # Anemia: Hgb <LLN - 100 g/L; <100 - 80 g/L; <80 g/L (grade 4 is clinical only)
    ("HGB", 120, 160, [(120, 0), (119, 1), (100, 1), (99, 2), (80, 2), (79, 3), (10, 3)]),
    # Hypoalbuminemia: <LLN - 30 g/L; <30 - 20 g/L; <20 g/L (grade 4 is clinical only)
    ("ALB", 35.0, None, [(35.0, 0), (34.9, 1), (30.0, 1), (29.9, 2), (20.0, 2), (19.9, 3)]),
    # Fibrinogen decreased: <1.0 - 0.75 x LLN; <0.75 - 0.5 x LLN; <0.5 - 0.25 x LLN; <0.25 x LLN
    ("FIBRINO", 2.0, 4.0, [(2.0, 0), (1.99, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4)]),
    # ALT increased (normal baseline): >ULN - 3.0 x ULN; >3.0 - 5.0; >5.0 - 20.0; >20.0 x ULN
    ("ALT", None, 40, [(40, 0), (41, 1), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)]),
    # AST increased (normal baseline): as ALT
    ("AST", None, 35, [(35, 0), (36, 1), (105, 1), (106, 2), (175, 2), (176, 3), (700, 3), (701, 4)]),
    # Blood bilirubin increased (normal baseline): >ULN - 1.5 x ULN; >1.5 - 3.0; >3.0 - 10.0; >10.0 x ULN
    ("BILI", None, 21.0, [(21.0, 0), (21.1, 1), (31.5, 1), (31.6, 2), (63.0, 2), (63.1, 3), (210.0, 3),
                          (210.1, 4)]),
    # Creatinine increased: >ULN - 1.5 x ULN; >1.5 - 3.0 x ULN; >3.0 - 6.0 x ULN; >6.0 x ULN
    ("CREAT", None, 97.0, [(97.0, 0), (97.1, 1), (145.5, 1), (145.6, 2), (291.0, 2), (291.1, 3), (582.0, 3),
                           (582.1, 4)]),
    # Activated partial thromboplastin time prolonged: >ULN - 1.5 x ULN; >1.5 - 2.5 x ULN; >2.5 x ULN
    ("APTT", None, 40.0, [(40.0, 0), (40.1, 1), (60.0, 1), (60.1, 2), (100.0, 2), (100.1, 3)]),
    # INR increased: >1.2 - 1.5; >1.5 - 2.5; >2.5
    ("INR", None, 1.2, [(1.2, 0), (1.21, 1), (1.5, 1), (1.51, 2), (2.5, 2), (2.51, 3)]),
]


@pytest.mark.parametrize(("testcd", "lln", "uln", "cases"), BOUNDARIES, ids=[row[0] for row in BOUNDARIES])
def test_every_grade_boundary_on_both_sides(criteria: dict[str, Criterion], testcd: str, lln: float | None,
                                           uln: float | None, cases: list[tuple[float, int]]) -> None:
    found = [(result, toxicity_grade(result, lln, uln, criteria[testcd])) for result, _ in cases]

    assert found == cases


def test_terms_directions_and_units(criteria: dict[str, Criterion]) -> None:
    assert {code: (c.term, c.direction, c.unit) for code, c in criteria.items()} == {
        "ALB": ("Hypoalbuminemia", "decreased", "g/L"),
        "ALT": ("Alanine aminotransferase increased", "increased", "U/L"),
        "APTT": ("Activated partial thromboplastin time prolonged", "increased", "s"),
        "AST": ("Aspartate aminotransferase increased", "increased", "U/L"),
        "BILI": ("Blood bilirubin increased", "increased", "umol/L"),
        "CREAT": ("Creatinine increased", "increased", "umol/L"),
        "FIBRINO": ("Fibrinogen decreased", "decreased", "g/L"),
        "HGB": ("Anemia", "decreased", "g/L"),
        "INR": ("INR increased", "increased", "1"),
        "LYMPH": ("Lymphocyte count decreased", "decreased", "10^9/L"),
        "NEUT": ("Neutrophil count decreased", "decreased", "10^9/L"),
        "PLAT": ("Platelet count decreased", "decreased", "10^9/L"),
        "WBC": ("White blood cell decreased", "decreased", "10^9/L"),
    }
    assert all(c.specimen == "BLOOD" for c in criteria.values())


def test_no_result_or_a_missing_limit_a_bound_needs_is_null(criteria: dict[str, Criterion]) -> None:
    assert toxicity_grade(None, 1.0, 4.0, criteria["LYMPH"]) is None
    assert toxicity_grade(0.4, None, 4.0, criteria["LYMPH"]) is None  # grade 1 is "<LLN"
    assert toxicity_grade(300, 10, None, criteria["ALT"]) is None  # multiples of the ULN
    assert toxicity_grade(0.4, 1.0, None, criteria["LYMPH"]) == 3  # the ULN is not needed
    assert toxicity_grade(2.6, None, None, criteria["INR"]) == 3  # absolute bounds only


def test_a_result_within_the_normal_range_is_grade_0(criteria: dict[str, Criterion]) -> None:
    """Even where a laboratory's LLN is below a CTCAE absolute bound, or its ULN above one."""
    assert toxicity_grade(0.75, 0.7, 3.5, criteria["LYMPH"]) == 0  # below 0.8 (grade 2) but not below the LLN
    assert toxicity_grade(1.25, None, 1.3, criteria["INR"]) == 0  # above 1.2 (grade 1) but within the range
    assert toxicity_grade(1.25, None, None, criteria["INR"]) == 1  # no range: the absolute bound decides


def test_a_result_below_the_lln_takes_the_highest_grade_whose_bound_it_passes(
        criteria: dict[str, Criterion]) -> None:
    """An LLN below an absolute bound: 2.4 is below the LLN 2.5 and below 3.0, grade 2 ("<3.0 - 2.0")."""
    assert toxicity_grade(2.4, 2.5, 10.0, criteria["WBC"]) == 2


def test_multiples_of_a_limit_are_exact_decimals(criteria: dict[str, Criterion]) -> None:
    """1.5 x ULN 0.7 is 1.05 exactly (as floats 1.0499999999999998, which would make 1.05 grade 2)."""
    assert toxicity_grade(1.05, None, 0.7, criteria["BILI"]) == 1
    assert toxicity_grade(1.06, None, 0.7, criteria["BILI"]) == 2


BROKEN = """\
LB:
  scale: NCI CTCAE v5.0
  tests:
    - testcd: NEUT
      term: Neutrophil count decreased
      direction: decreased
      specimen: BLOOD
      unit: "10^9/L"
      grades:
        1: {lln: 1, ctcae: "<LLN - 1.5"}
        2: {value: 1.5, uln: 2, ctcae: "<1.5 - 1.0"}
    - testcd: ALT
      term: Alanine aminotransferase increased
      direction: increased
      specimen: BLOOD
      unit: U/L
      grades:
        1: {uln: 1, ctcae: ">ULN - 3.0 x ULN"}
        2: {lln: 3, ctcae: ">3.0 - 5.0 x ULN"}
    - testcd: PLAT
      term: Platelet count decreased
      direction: decreased
      specimen: BLOOD
      unit: "10^9/L"
      grades:
        1: {lln: 1, ctcae: "<LLN - 75.0"}
        2: {value: 50, ctcae: "<75.0 - 50.0"}
        3: {value: 75, ctcae: "<50.0 - 25.0"}
    - testcd: WBC
      term: White blood cell decreased
      direction: down
      specimen: BLOOD
      unit: "10^9/L"
      grades:
        1: {lln: 1, ctcae: "<LLN - 3.0"}
    - testcd: HGB
      term: Anemia
      direction: decreased
      specimen: BLOOD
      unit: g/L
      grades:
        1: {lln: 1, ctcae: "<LLN - 100 g/L"}
        3: {value: 80, ctcae: "<80 g/L"}
    - testcd: K
      term: Hypokalemia
      direction: decreased
      specimen: BLOOD
      unit: mmol/L
      grades:
        1: {lln: 1, ctcae: "<LLN - 3.0 mmol/L", colour: red}
    - testcd: PLAT
      term: Platelet count decreased
      direction: decreased
      specimen: BLOOD
      unit: "10^9/L"
      grades:
        1: {lln: 1, ctcae: "<LLN - 75.0"}
"""


def test_a_broken_criteria_file_reports_every_problem_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "terminology").mkdir()
    shutil.copy(EXPORTS / "terminology" / "tests.yaml", tmp_path / "terminology" / "tests.yaml")
    (tmp_path / GRADING_FILE).write_text(BROKEN, encoding="utf-8")
    problems = Problems()

    grading = load_terminology(tmp_path, problems).grading

    file = str(tmp_path / GRADING_FILE)
    assert {p.file for p in problems.items} == {file}
    found = sorted((p.line, p.message) for p in problems.items)
    assert found == [
        (11, "grades[2]: give exactly one of 'value', 'lln' or 'uln' (a multiple of that limit)"),
        (19, "grade 2: the bound of a term increased is a value or a multiple of the ULN, not of the LLN"),
        (28, "grade 3: the bound must be below the bound of the grade before it (50.0)"),
        (31, "direction: Input should be 'decreased' or 'increased' (got 'down')"),
        (41, "grades must run 1, 2, ... up to at most 4, not [1, 3]"),
        (50, "unknown key 'colour' in grades[1]"),
        (51, "test code 'PLAT' is graded twice"),
    ]
    assert sorted(grading.criteria["LB"]) == ["ALT", "HGB", "PLAT"]  # those that parsed; the load fails anyway


def test_a_test_code_the_terminology_does_not_list_is_reported(tmp_path: Path) -> None:
    (tmp_path / "terminology").mkdir()
    shutil.copy(EXPORTS / "terminology" / "tests.yaml", tmp_path / "terminology" / "tests.yaml")
    text = (EXPORTS / GRADING_FILE).read_text(encoding="utf-8").replace("testcd: FIBRINO", "testcd: FIBRINOG")
    (tmp_path / GRADING_FILE).write_text(text, encoding="utf-8")
    problems = Problems()

    load_terminology(tmp_path, problems)

    line = text.splitlines().index("    - testcd: FIBRINOG") + 1
    assert [(p.line, p.message) for p in problems.items] == [
        (line, "test code 'FIBRINOG' is not a LB test of the terminology file")]


# --- on a small export: relmacel, one subject treated at DL1 ---------------------------------------------------

TREATED = SubjectData(
    "01-002", "01", "treated", dose_level="DL1", last_contact=date(2026, 3, 20),
    records={
        "informed_consent": [CapturedRecord({"icdat": date(2026, 1, 5)})],
        "cart_infusion": [CapturedRecord({"exdat": date(2026, 2, 10), "exsttim": time(9, 30), "dose_level": "DL1",
                                          "dose_planned": 25.0, "weight_kg": 60.0, "cells_infused": 25.0})],
        "haematology": [
            CapturedRecord({"lbdat": date(2026, 2, 17), "wbc": 5.0, "wbc_lln": 4.0, "wbc_uln": 10.0,
                            "lymph": 0.4, "lymph_lln": 1.1, "lymph_uln": 3.2, "neut": 1.2,
                            "hgb": 75, "hgb_lln": 120, "hgb_uln": 160})],
        "chemistry": [CapturedRecord({"lbdat": date(2026, 2, 17), "alt": 130, "alt_uln": 40, "crp": 12.0,
                                      "crp_uln": 5.0})],
        "urinalysis": [CapturedRecord({"lbdat": date(2026, 2, 17), "wbc": 3})],
    },
)


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    return load_specs(EXPORTS, study)


def test_lb_rows_carry_the_grade_and_the_term(study: StudyDefinition, specs: SpecSet) -> None:
    rows = map_dataset(study, specs, "LB", [TREATED])[1]
    found = {(row["LBTESTCD"], row["LBSPEC"]): (row["LBSTRESN"], row["LBTOX"], row["LBTOXGR"]) for row in rows}

    assert found == {
        ("LYMPH", "BLOOD"): (0.4, "Lymphocyte count decreased", "3"),  # <0.5 - 0.2 x 10e9 /L
        ("WBC", "BLOOD"): (5.0, "White blood cell decreased", "0"),  # within 4.0 - 10.0
        ("NEUT", "BLOOD"): (1.2, None, None),  # no LLN entered: grade 1 is "<LLN"
        ("HGB", "BLOOD"): (75.0, "Anemia", "3"),  # <80 g/L
        ("ALT", "BLOOD"): (130.0, "Alanine aminotransferase increased", "2"),  # >3.0 - 5.0 x ULN 40
        ("CRP", "BLOOD"): (12.0, None, None),  # no CTCAE laboratory term
        ("WBC", "URINE"): (3.0, None, None),  # the urine sediment count is not the blood count
    }


def test_the_grades_pass_the_table_checks(study: StudyDefinition, specs: SpecSet) -> None:
    dataset, rows = map_dataset(study, specs, "LB", [TREATED])

    assert validate_dataset(dataset, rows, export_codelists(study, specs)) == []
    build_table(dataset, rows, target="lb.xpt")

    [tox] = [v for v in dataset.variables if v.name == "LBTOX"]
    [grade] = [v for v in dataset.variables if v.name == "LBTOXGR"]
    assert (tox.data_type, tox.length, grade.data_type, grade.length) == (DataType.TEXT, 50, DataType.TEXT, 1)


def _exports_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(EXPORTS, tmp_path / "exports")
    path = tmp_path / "exports" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path / "exports"


def test_a_graded_test_collected_in_another_unit_is_reported(catalog: Catalog, tmp_path: Path) -> None:
    lymph = 'unit: "10^9/L"\n      grades:\n        1: {lln: 1, ctcae: "<LLN - 800'
    root = _exports_with(tmp_path, str(GRADING_FILE), lymph, lymph.replace("10^9/L", "10^3/uL"))

    _, problems = check_specs(root, catalog.study("relmacel"))

    lines = (root / "lb.yaml").read_text(encoding="utf-8").splitlines()
    haematology = next(n for n, line in enumerate(lines, start=1) if "form: haematology" in line)
    assert [(p.file, p.line, p.message) for p in problems] == [
        (str(root / "lb.yaml"), haematology, f"test LYMPH (haematology.lymph) is in 10^9/L; its criterion in "
                                             f"exports/{GRADING_FILE} is in 10^3/uL")]


def test_a_grade_needs_criteria_and_the_term_must_fit(catalog: Catalog, tmp_path: Path) -> None:
    root = _exports_with(tmp_path, "lb.yaml", "type: text, length: 50, role: Variable Qualifier",
                         "type: text, length: 20, role: Variable Qualifier")
    (root / GRADING_FILE).unlink()

    _, without = check_specs(root, catalog.study("relmacel"))
    shutil.copy(EXPORTS / GRADING_FILE, root / GRADING_FILE)
    _, short = check_specs(root, catalog.study("relmacel"))

    assert sorted({p.message for p in without}) == [
        f"derivation 'toxicity_grade' needs criteria for LB in exports/{GRADING_FILE}",
        f"derivation 'toxicity_term' needs criteria for LB in exports/{GRADING_FILE}"]
    assert {p.message for p in short} == {
        f"length 20 is shorter than the longest term of exports/{GRADING_FILE} (47)"}


def test_the_variables_a_grade_reads_must_be_variables_of_the_spec(catalog: Catalog, tmp_path: Path) -> None:
    root = _exports_with(tmp_path, "lb.yaml", "derive: toxicity_term,\n     args: {of: LBSTRESN, low: LBSTNRLO",
                         "derive: toxicity_term,\n     args: {of: LBSTRESN, low: LBNRIND")

    _, problems = check_specs(root, catalog.study("relmacel"))

    assert {p.message for p in problems} == {
        "'low: LBNRIND' names no other variable of this spec that is not itself derived with 'of'"}
